"""Which campaigns a purchase gets: those live for its station, fuel, driver and moment, read
in one query (marketing.stacking then applies them, in its order of precedence).

Live: active, its period [starts_at, ends_at) holds the moment, at the station (the whole
chain, the station's city, or the station listed), on the fuel (none listed: every fuel), and:
- members_day: for members only (a walk-in who shows no member code is not one), on one of
  its weekdays or days of the month (local; none: every day), within its local time window,
  for the member's tier when it names tiers;
- first_order: for a member with no order paid, fuelled or settled at the chain (one paid and
  then cancelled before fuelling does not count) who holds no first-order discount already
  (first_order_claim; the database decides between two orders at once, marketing.first_orders);
- spend_off: for everyone.

Not cached: one indexed query of the chain's active campaigns per pricing, cheaper than keeping
a cache right across processes while campaigns start, end and are ended early."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, false, or_, select

from app.extensions import db
from app.models import Campaign, CampaignCity, CampaignStation, FirstOrderClaim, Member, Order
from app.services.marketing.stacking import CampaignRule
from app.services.platform.clock import to_local

# An order that makes its member no longer new: paid and not cancelled.
COUNTS_AS_ORDER = ("paid", "fueled", "settled")


@dataclass(frozen=True)
class LiveCampaigns:
    """The campaigns a purchase may get, as rules for stacking.price, and their names."""

    rules: tuple[CampaignRule, ...] = ()
    names: dict[int, str] | None = None

    def name(self, campaign_id: int | None) -> str:
        return (self.names or {}).get(campaign_id, "")

    def kind(self, campaign_id: int | None) -> str | None:
        return next((rule.kind for rule in self.rules if rule.id == campaign_id), None)


NONE = LiveCampaigns()


def is_new(member: Member | None):
    """SQL: the member has no order that counts and no first-order discount."""
    if member is None:
        return false()
    ordered = exists().where(Order.member_id == member.id, Order.status.in_(COUNTS_AS_ORDER))
    claimed = exists().where(FirstOrderClaim.member_id == member.id)
    return ~ordered & ~claimed


def _in_scope(station_id: int, city: str):
    listed = exists().where(
        CampaignStation.campaign_id == Campaign.id, CampaignStation.station_id == station_id
    )
    in_city = exists().where(CampaignCity.campaign_id == Campaign.id, CampaignCity.city == city)
    return or_(
        Campaign.scope == "chain",
        and_(Campaign.scope == "stations", listed),
        and_(Campaign.scope == "cities", in_city),
    )


def on_schedule(campaign: Campaign, moment: datetime) -> bool:
    """A members' day's days and hours (local) hold the moment."""
    local = to_local(moment)
    days = campaign.weekdays or campaign.month_days
    if days and local.weekday() not in campaign.weekdays and local.day not in campaign.month_days:
        return False
    minute = local.hour * 60 + local.minute
    return campaign.day_starts_min <= minute < campaign.day_ends_min


def _applies(campaign: Campaign, fuel_id: int, member: Member | None, new: bool, now) -> bool:
    if campaign.fuel_ids and fuel_id not in campaign.fuel_ids:
        return False
    if campaign.kind == "members_day":
        tiers = campaign.tier_ids
        if member is None or (tiers and member.tier_id not in tiers):
            return False
        return on_schedule(campaign, now)
    if campaign.kind == "first_order":
        return member is not None and new
    return True


def live(
    chain_id: int,
    station_id: int,
    city: str,
    fuel_id: int,
    member: Member | None,
    now: datetime,
) -> LiveCampaigns:
    """The campaigns live for this purchase (see the module's docstring), in one query."""
    query = select(Campaign, is_new(member).label("new")).where(
        Campaign.chain_id == chain_id,
        Campaign.status == "active",
        Campaign.starts_at <= now,
        Campaign.ends_at > now,
        _in_scope(station_id, city),
    )
    if member is None:
        query = query.where(Campaign.kind == "spend_off")
    found = [
        campaign
        for campaign, new in db.session.execute(query.order_by(Campaign.id))
        if _applies(campaign, fuel_id, member, new, now)
    ]
    if not found:
        return NONE
    return LiveCampaigns(tuple(CampaignRule.of(c) for c in found), {c.id: c.name for c in found})


def rules_of(campaign_ids) -> dict[int, CampaignRule]:
    """Campaigns' rules by id (fixed since they were activated), in one query."""
    ids = set(campaign_ids) - {None}
    if not ids:
        return {}
    rows = db.session.scalars(select(Campaign).where(Campaign.id.in_(ids)))
    return {campaign.id: CampaignRule.of(campaign) for campaign in rows}


def names_of(campaign_ids) -> dict[int, str]:
    """Campaigns' names by id, in one query (none for no ids)."""
    ids = set(campaign_ids) - {None}
    if not ids:
        return {}
    rows = db.session.execute(select(Campaign.id, Campaign.name).where(Campaign.id.in_(ids)))
    return dict(rows.tuples().all())

"""A campaign's report: what it did, per station and in all, read in one query from the orders
it priced (the rows the ledger check ties to the campaign.discount postings).

- orders: settled orders (online, after fuelling; walk-in sales at once) that got something
  off from the campaign: its cut per litre (会员日, fuel_order.day_campaign_id) or its amount
  off the value (首单, 满额立减, fuel_order.campaign_id). Orders not fuelled yet, cancelled or
  expired do not count: nothing was sold and nothing was booked for them; nor does one whose
  fuel dispensed fell short of the campaign's threshold (it took nothing off).
- litres: what those orders dispensed.
- discount cost: what the campaign took off the fuel dispensed (dispensed_day_fen or
  dispensed_campaign_fen), the promotion expense booked for it in campaign.discount; a refund
  after fuelling gives back money paid, never a discount, so the cost stays.
- new members: members who joined (member.created_at, their first login) within the campaign's
  period, from its start to its end (or to when it was ended early), and have at least one of
  those orders; per station, those with an order there; in all, each member once.
A station manager sees only the rows of their own stations, and the totals of those."""

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select, union_all

from app.extensions import db
from app.models import Campaign, Member, Order, Staff, Station
from app.services.marketing import campaign_fields, campaigns
from app.services.staff import access


@dataclass(frozen=True)
class Line:
    station_id: int | None  # None: the total
    station_name: str
    orders: int
    litres_ml: int
    discount_fen: int
    new_members: int


@dataclass(frozen=True)
class Report:
    campaign: Campaign
    words: campaign_fields.Words
    phase: str
    lines: list[Line]  # per station, by station code
    total: Line

    @property
    def phase_name(self) -> str:
        return campaigns.PHASES[self.phase]


def _uses(campaign: Campaign, station_ids: set[int] | None):
    """The settled orders that got the campaign, with what it took off each."""

    def part(column, fen):
        query = select(
            Order.station_id.label("station_id"),
            Order.member_id.label("member_id"),
            Order.dispensed_ml.label("ml"),
            func.coalesce(fen, 0).label("fen"),
        ).where(
            column == campaign.id,
            Order.status == "settled",
            Order.chain_id == campaign.chain_id,
            fen > 0,
        )
        if station_ids is not None:
            query = query.where(Order.station_id.in_(station_ids))
        return query

    return union_all(
        part(Order.day_campaign_id, Order.dispensed_day_fen),
        part(Order.campaign_id, Order.dispensed_campaign_fen),
    ).cte("uses")


def report(actor: Staff, campaign_id: int, now) -> Report:
    """The campaign's figures as this staff member may see them (module docstring)."""
    campaign = campaigns.get_campaign(actor, campaign_id)
    station_ids = None if actor.role == "chain_admin" else access.visible_station_ids(actor)
    uses = _uses(campaign, station_ids)
    joined = and_(
        Member.created_at >= campaign.starts_at,
        Member.created_at < campaigns.effective_end(campaign),
    )
    new_member = case((joined, Member.id))
    in_all = (
        select(func.count(func.distinct(new_member)))
        .select_from(uses)
        .join(Member, Member.id == uses.c.member_id)
        .scalar_subquery()
    )
    query = (
        select(
            uses.c.station_id,
            Station.name,
            func.count(),
            func.coalesce(func.sum(uses.c.ml), 0),
            func.coalesce(func.sum(uses.c.fen), 0),
            func.count(func.distinct(new_member)),
            in_all.label("in_all"),
        )
        .select_from(uses)
        .join(Station, Station.id == uses.c.station_id)
        .outerjoin(Member, Member.id == uses.c.member_id)
        .group_by(uses.c.station_id, Station.name, Station.code)
        .order_by(Station.code)
    )
    lines, new_in_all = [], 0
    for station_id, name, orders, ml, fen, new, everyone in db.session.execute(query):
        lines.append(Line(station_id, name, orders, int(ml), int(fen), new))
        new_in_all = everyone
    total = Line(
        None,
        "合计",
        sum(line.orders for line in lines),
        sum(line.litres_ml for line in lines),
        sum(line.discount_fen for line in lines),
        new_in_all,
    )
    words = campaign_fields.describe([campaign])[campaign.id]
    return Report(campaign, words, campaigns.phase(campaign, now), lines, total)

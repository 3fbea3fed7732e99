"""Campaigns (活动): staff create them (as drafts), edit drafts, activate, end early, or cancel a
draft. docs/campaigns.md has the rules.

Who: a chain admin manages every campaign of the chain (the whole chain, some cities, some
stations); a station manager manages campaigns of their own stations only (scope 'stations',
each station theirs) and sees the chain's, their cities' and those naming one of their
stations without changing them. Cashiers and attendants have no business here. Each write is
one transaction, under the campaign's row lock, and audited.

Only a draft may be edited: once activated, orders are priced with the rule and read it again
when their fuel is dispensed. Ending one early stops it for orders placed from then on; orders
placed before keep what they were priced with."""

from datetime import datetime

from sqlalchemy import and_, delete, exists, or_, select

from app.extensions import db
from app.models import CAMPAIGN_STATUSES, Campaign, CampaignCity, CampaignStation, Staff, Station
from app.models.base import utcnow
from app.services.marketing import campaign_fields
from app.services.platform import audit
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff import access

ROLES = access.CATALOGUE_ROLES
# What staff read for a campaign, by the moment: a draft, not started, running, over, voided.
PHASES = {
    "draft": "草稿",
    "scheduled": "未开始",
    "running": "进行中",
    "ended": "已结束",
    "cancelled": "已作废",
}


def check_role(actor: Staff) -> None:
    if actor.role not in ROLES:
        raise PermissionDenied("只有站长和总部管理员可以管理活动")


def phase(campaign: Campaign, now: datetime) -> str:
    """Where a campaign stands at `now` (PHASES)."""
    if campaign.status == "active":
        if now < campaign.starts_at:
            return "scheduled"
        return "running" if now < campaign.ends_at else "ended"
    return campaign.status


def phase_filter(name: str, now: datetime):
    """SQL: the campaigns in that phase at `now`; Invalid naming the field if it is none."""
    active = Campaign.status == "active"
    conditions = {
        "draft": Campaign.status == "draft",
        "scheduled": and_(active, Campaign.starts_at > now),
        "running": and_(active, Campaign.starts_at <= now, Campaign.ends_at > now),
        "ended": or_(Campaign.status == "ended", and_(active, Campaign.ends_at <= now)),
        "cancelled": Campaign.status == "cancelled",
    }
    if name not in conditions:
        raise Invalid({"status": "请选择状态"})
    return conditions[name]


def effective_end(campaign: Campaign) -> datetime:
    """When it stopped or stops: ended early, or its planned end."""
    if campaign.ended_at is not None:
        return min(campaign.ended_at, campaign.ends_at)
    return campaign.ends_at


def visible_filter(actor: Staff):
    """The campaigns a staff member sees: all the chain's for a chain admin; for a manager,
    the whole chain's, those of their stations' cities and those naming one of their stations."""
    check_role(actor)
    conditions = [Campaign.chain_id == actor.chain_id]
    if actor.role != "chain_admin":
        mine = actor.station_ids or {-1}
        cities = select(Station.city).where(Station.id.in_(mine))
        listed = exists().where(
            CampaignStation.campaign_id == Campaign.id, CampaignStation.station_id.in_(mine)
        )
        in_city = exists().where(
            CampaignCity.campaign_id == Campaign.id, CampaignCity.city.in_(cities)
        )
        conditions.append(or_(Campaign.scope == "chain", listed, in_city))
    return conditions


def scope_of(campaign_ids) -> dict[int, tuple[list[int], list[str]]]:
    """Each campaign's stations and cities, in two queries."""
    ids = list(campaign_ids)
    found = {i: ([], []) for i in ids}
    if not ids:
        return found
    stations = select(CampaignStation.campaign_id, CampaignStation.station_id).where(
        CampaignStation.campaign_id.in_(ids)
    )
    for campaign_id, station_id in db.session.execute(
        stations.order_by(CampaignStation.station_id)
    ):
        found[campaign_id][0].append(station_id)
    cities = select(CampaignCity.campaign_id, CampaignCity.city).where(
        CampaignCity.campaign_id.in_(ids)
    )
    for campaign_id, city in db.session.execute(cities.order_by(CampaignCity.city)):
        found[campaign_id][1].append(city)
    return found


def may_manage(actor: Staff, scope: str, station_ids) -> bool:
    """Chain admins: any campaign; managers: those of their own stations only."""
    if actor.role == "chain_admin":
        return True
    mine = actor.station_ids
    return actor.role == "manager" and scope == "stations" and set(station_ids) <= mine


def check_may_manage(actor: Staff, scope: str, station_ids) -> None:
    check_role(actor)
    if not may_manage(actor, scope, station_ids):
        raise PermissionDenied("站长只能管理本站的活动；全部油站和按城市的活动由总部管理")


def get_campaign(actor: Staff, campaign_id: int) -> Campaign:
    """A campaign this staff member may see (NotFound for another chain's or station's)."""
    query = select(Campaign).where(Campaign.id == campaign_id, *visible_filter(actor))
    campaign = db.session.scalar(query)
    if campaign is None:
        raise NotFound("活动不存在")
    return campaign


def locked(actor: Staff, campaign_id: int) -> Campaign:
    """The campaign under a row lock, checked for the actor: NotFound when they do not see
    it, PermissionDenied when they see but may not change it."""
    query = select(Campaign).where(Campaign.id == campaign_id, *visible_filter(actor))
    campaign = db.session.scalar(query.with_for_update().execution_options(populate_existing=True))
    if campaign is None:
        raise NotFound("活动不存在")
    check_may_manage(actor, campaign.scope, scope_of([campaign.id])[campaign.id][0])
    return campaign


def snapshot(campaign: Campaign) -> dict:
    """What the audit log keeps of a campaign, in words and amounts staff read."""
    words = campaign_fields.describe([campaign])[campaign.id]
    return {
        "name": campaign.name,
        "note": campaign.note,
        "campaign_kind": campaign.kind,
        "rule": words.rule,
        "schedule": words.schedule,
        "period": words.period,
        "scope": words.scope,
        "fuels": words.fuels,
        "stacks_with_coupon": campaign.stacks_with_coupon,
    }


def _record(actor: Staff, action: str, campaign: Campaign, before=None, after=None) -> None:
    stations = scope_of([campaign.id])[campaign.id][0]
    audit.record(
        actor,
        action,
        "campaign",
        campaign.id,
        chain_id=campaign.chain_id,
        station_id=stations[0] if len(stations) == 1 else None,
        before=before,
        after=after,
    )


def _set_scope(campaign: Campaign, station_ids: list[int], cities: list[str]) -> None:
    for model in (CampaignStation, CampaignCity):
        db.session.execute(delete(model).where(model.campaign_id == campaign.id))
    chain = campaign.chain_id
    db.session.add_all(
        CampaignStation(chain_id=chain, campaign_id=campaign.id, station_id=i) for i in station_ids
    )
    db.session.add_all(
        CampaignCity(chain_id=chain, campaign_id=campaign.id, city=city) for city in cities
    )
    db.session.flush()


def create_campaign(actor: Staff, **fields) -> Campaign:
    """A new draft campaign. fields: name, note, kind (members_day, first_order, spend_off)
    with its figures (campaign_fields.FIGURES) and, for a members' day, its days, hours and
    tiers (campaign_fields.SCHEDULE); starts_at and ends_at (aware datetimes, the end
    exclusive); scope (chain, cities, stations) with cities or station_ids; fuel_ids (none:
    all); stacks_with_coupon (default yes)."""
    with unit_of_work(keep_loaded=True):
        check_role(actor)
        values = campaign_fields.clean(fields, actor.chain_id)
        station_ids, cities = values.pop("station_ids"), values.pop("cities")
        check_may_manage(actor, values["scope"], station_ids)
        campaign = Campaign(
            chain_id=actor.chain_id, created_by_id=actor.id, status="draft", **values
        )
        db.session.add(campaign)
        db.session.flush()
        _set_scope(campaign, station_ids, cities)
        _record(actor, "campaign.create", campaign, after=snapshot(campaign))
        return campaign


def update_campaign(actor: Staff, campaign_id: int, **fields) -> Campaign:
    """Change a draft (fields as create_campaign's); an activated campaign is fixed."""
    with unit_of_work(keep_loaded=True):
        campaign = locked(actor, campaign_id)
        if campaign.status != "draft":
            raise Conflict("只有草稿可以修改；已启用的活动可以提前结束后新建一个")
        before = snapshot(campaign)
        values = campaign_fields.clean(fields, campaign.chain_id)
        station_ids, cities = values.pop("station_ids"), values.pop("cities")
        check_may_manage(actor, values["scope"], station_ids)
        for field, value in values.items():
            setattr(campaign, field, value)
        db.session.flush()
        _set_scope(campaign, station_ids, cities)
        old, new = audit.changes(before, snapshot(campaign))
        if new:
            _record(actor, "campaign.update", campaign, before=old, after=new)
        return campaign


def activate_campaign(actor: Staff, campaign_id: int) -> Campaign:
    """draft -> active: orders are priced with it from its start to its end."""
    with unit_of_work(keep_loaded=True):
        campaign = locked(actor, campaign_id)
        if campaign.status == "active":
            return campaign
        if campaign.status != "draft":
            raise Conflict(f"活动{CAMPAIGN_STATUSES[campaign.status]}，不能再启用")
        now = utcnow()
        if campaign.ends_at <= now:
            raise Invalid({"ends_at": "活动结束时间已过，不能启用；请修改结束时间"})
        campaign.status, campaign.activated_at = "active", now
        after = {"campaign_status": "active", "name": campaign.name}
        _record(actor, "campaign.activate", campaign, {"campaign_status": "draft"}, after)
        return campaign


def end_campaign(actor: Staff, campaign_id: int) -> Campaign:
    """active -> ended now: no order placed from now on gets it."""
    with unit_of_work(keep_loaded=True):
        campaign = locked(actor, campaign_id)
        if campaign.status == "ended":
            return campaign
        if campaign.status != "active":
            raise Conflict("只有已启用的活动可以结束")
        now = utcnow()
        campaign.status, campaign.ended_at, campaign.ended_by_id = "ended", now, actor.id
        after = {"campaign_status": "ended", "name": campaign.name}
        _record(actor, "campaign.end", campaign, {"campaign_status": "active"}, after)
        return campaign


def cancel_campaign(actor: Staff, campaign_id: int) -> Campaign:
    """draft -> cancelled: a draft that will not run."""
    with unit_of_work(keep_loaded=True):
        campaign = locked(actor, campaign_id)
        if campaign.status == "cancelled":
            return campaign
        if campaign.status != "draft":
            raise Conflict("只有草稿可以作废；已启用的活动请提前结束")
        campaign.status = "cancelled"
        after = {"campaign_status": "cancelled", "name": campaign.name}
        _record(actor, "campaign.cancel", campaign, {"campaign_status": "draft"}, after)
        return campaign

"""A campaign's fields as staff give them, checked (Invalid names every field that is wrong, in
Chinese; the figures that do not belong to the kind are cleared), and what a campaign gives,
where and when, in the words staff and drivers read ("每满200减10，最高减50", "每周三 全天")."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import (
    CAMPAIGN_KINDS,
    CAMPAIGN_SCOPES,
    CampaignCity,
    CampaignStation,
    Fuel,
    Station,
    Tier,
)
from app.services.marketing.terms import yuan
from app.services.platform.clock import WEEKDAY_NAMES, minutes_to_hhmm, to_local
from app.services.platform.errors import Invalid
from app.services.platform.money import fen_to_yuan

NAME_MAX = 40
NOTE_MAX = 200
MAX_OFF_FEN = 100_000  # 1 000 元 off one order
MAX_SPEND_FEN = 1_000_000  # a threshold of 10 000 元
MIN_STEP_FEN = 100  # 满1元 at least
MAX_PER_LITRE_FEN = 500  # 5 元 a litre, as a tier's cut
MAX_STEPS = 100  # a 每满 cap of at most 100 steps (marketing.pump_limit works them out)
FIGURES = ("per_litre_fen", "off_fen", "threshold_fen", "repeating", "max_off_fen")
SCHEDULE = ("weekdays", "month_days", "day_starts_min", "day_ends_min", "tier_ids")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ints(value, low: int, high: int) -> list[int] | None:
    """Whole numbers from low to high, sorted, once each; None if that is not what it is."""
    if not isinstance(value, (list, tuple, set)) or not all(_is_int(v) for v in value):
        return None
    found = sorted(set(value))
    return found if all(low <= v <= high for v in found) else None


class _Checker:
    def __init__(self, fields: dict):
        self.fields, self.problems = fields, {}

    def amount(self, field: str, label: str, low: int, high: int, required=True) -> int | None:
        value = self.fields.get(field)
        if value is None and not required:
            return None
        if not _is_int(value):
            self.problems[field] = f"请填写{label}"
            return None
        if not low <= value <= high:
            self.problems[field] = f"{label}应在 {yuan(low)} 元到 {yuan(high)} 元之间"
            return None
        return value


def clean(fields: dict, chain_id: int) -> dict:
    """The campaign's columns plus station_ids and cities (its scope's rows)."""
    check = _Checker(fields)
    problems = check.problems
    values = {name: (fields.get(name) or "").strip() for name in ("name", "note")}
    if not values["name"]:
        problems["name"] = "请填写活动名称"
    elif len(values["name"]) > NAME_MAX:
        problems["name"] = f"活动名称最多 {NAME_MAX} 个字"
    if len(values["note"]) > NOTE_MAX:
        problems["note"] = f"活动说明最多 {NOTE_MAX} 个字"
    kind = fields.get("kind")
    values["kind"] = kind
    values |= dict.fromkeys(FIGURES, None) | {"threshold_fen": 0, "repeating": False}
    values |= {"weekdays": [], "month_days": [], "day_starts_min": 0, "day_ends_min": 1440}
    values["tier_ids"] = []
    if kind == "members_day":
        values["per_litre_fen"] = check.amount("per_litre_fen", "每升直降", 1, MAX_PER_LITRE_FEN)
        values |= _schedule(fields, problems, chain_id)
    elif kind == "first_order":
        values |= _first_order(check)
    elif kind == "spend_off":
        values |= _spend_off(check)
    else:
        problems["kind"] = "请选择活动类型：" + "、".join(CAMPAIGN_KINDS.values())
    values |= _period(fields, problems)
    values["stacks_with_coupon"] = bool(fields.get("stacks_with_coupon", True))
    values |= _scope(fields, problems, chain_id)
    fuel_ids = _ints(fields.get("fuel_ids") or [], 1, 2**31 - 1)
    known = set(db.session.scalars(select(Fuel.id).where(Fuel.chain_id == chain_id)))
    if fuel_ids is None or set(fuel_ids) - known:
        problems["fuel_ids"] = "所选油品不存在，请重新选择"
    values["fuel_ids"] = fuel_ids or []
    if problems:
        raise Invalid(problems)
    return values


def _first_order(check: _Checker) -> dict:
    fields, problems = check.fields, check.problems
    values = {}
    if fields.get("off_fen") is not None and fields.get("per_litre_fen") is not None:
        problems["off_fen"] = "首单立减请填写减免金额或每升直降，二者选一"
        return values
    if fields.get("per_litre_fen") is not None:
        values["per_litre_fen"] = check.amount("per_litre_fen", "每升直降", 1, MAX_PER_LITRE_FEN)
        values["max_off_fen"] = check.amount("max_off_fen", "最高优惠", 1, MAX_OFF_FEN, False)
    else:
        values["off_fen"] = check.amount("off_fen", "减免金额", 1, MAX_OFF_FEN)
    spend = check.amount("threshold_fen", "使用门槛", 0, MAX_SPEND_FEN, False) or 0
    off = values.get("off_fen")
    if off and spend and spend <= off:
        problems["threshold_fen"] = "使用门槛应高于减免金额（无门槛请填 0）"
    values["threshold_fen"] = spend
    return values


def _spend_off(check: _Checker) -> dict:
    fields, problems = check.fields, check.problems
    step = check.amount("threshold_fen", "满额", MIN_STEP_FEN, MAX_SPEND_FEN)
    off = check.amount("off_fen", "减免金额", 1, MAX_OFF_FEN)
    if step and off and off >= step:
        problems["off_fen"] = "减免金额应低于满额"
    repeating = bool(fields.get("repeating"))
    values = {"threshold_fen": step or 0, "off_fen": off, "repeating": repeating}
    if repeating:
        cap = check.amount("max_off_fen", "最高优惠", 1, MAX_OFF_FEN)
        if cap and off and not off <= cap <= off * MAX_STEPS:
            problems["max_off_fen"] = f"每满减的最高优惠应在 1 到 {MAX_STEPS} 倍减免金额之间"
        values["max_off_fen"] = cap
    return values


def _schedule(fields: dict, problems: dict, chain_id: int) -> dict:
    weekdays = _ints(fields.get("weekdays") or [], 0, 6)
    month_days = _ints(fields.get("month_days") or [], 1, 31)
    if weekdays is None:
        problems["weekdays"] = "请从周一到周日中选择"
    if month_days is None:
        problems["month_days"] = "每月日期应为 1 到 31 的整数，用逗号分开，如 8,18,28"
    starts, ends = fields.get("day_starts_min", 0), fields.get("day_ends_min", 1440)
    if not (_is_int(starts) and _is_int(ends) and 0 <= starts < ends <= 1440):
        problems["day_starts_min"] = "请填写当天的开始和结束时间，结束应晚于开始"
    tier_ids = _ints(fields.get("tier_ids") or [], 1, 2**31 - 1)
    known = set(db.session.scalars(select(Tier.id).where(Tier.chain_id == chain_id)))
    if tier_ids is None or set(tier_ids) - known:
        problems["tier_ids"] = "所选会员等级不存在，请重新选择"
    return {
        "weekdays": weekdays or [],
        "month_days": month_days or [],
        "day_starts_min": starts if _is_int(starts) else 0,
        "day_ends_min": ends if _is_int(ends) else 1440,
        "tier_ids": tier_ids or [],
    }


def _period(fields: dict, problems: dict) -> dict:
    starts, ends = fields.get("starts_at"), fields.get("ends_at")
    for field, value in (("starts_at", starts), ("ends_at", ends)):
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            raise ValueError(f"{field} must be a timezone-aware datetime")
    if starts is None:
        problems["starts_at"] = "请选择活动开始时间"
    if ends is None:
        problems["ends_at"] = "请选择活动结束时间"
    elif starts is not None and ends <= starts:
        problems["ends_at"] = "结束时间应晚于开始时间"
    return {"starts_at": starts, "ends_at": ends}


def _scope(fields: dict, problems: dict, chain_id: int) -> dict:
    scope = fields.get("scope")
    values = {"scope": scope, "station_ids": [], "cities": []}
    if scope == "stations":
        ids = _ints(fields.get("station_ids") or [], 1, 2**31 - 1)
        known = set(db.session.scalars(select(Station.id).where(Station.chain_id == chain_id)))
        if not ids or set(ids) - known:
            problems["station_ids"] = "请选择参加活动的油站"
        values["station_ids"] = ids or []
    elif scope == "cities":
        cities = sorted({str(c).strip() for c in fields.get("cities") or [] if str(c).strip()})
        known = set(chain_cities(chain_id))
        if not cities or set(cities) - known:
            problems["cities"] = "请选择参加活动的城市"
        values["cities"] = cities
    elif scope != "chain":
        problems["scope"] = "请选择活动范围：" + "、".join(CAMPAIGN_SCOPES.values())
    return values


def chain_cities(chain_id: int) -> list[str]:
    """The cities of the chain's stations, for a campaign's scope."""
    query = select(Station.city).where(Station.chain_id == chain_id).distinct()
    return sorted(city for city in db.session.scalars(query) if city)


def chain_tiers(chain_id: int) -> list[tuple[int, str]]:
    """The chain's member tiers (id, name), lowest first, for a members' day."""
    query = select(Tier.id, Tier.name).where(Tier.chain_id == chain_id).order_by(Tier.rank)
    return list(db.session.execute(query).tuples())


def rule_text(c) -> str:
    """What the campaign takes off, in words."""
    cap = f"，最高减{yuan(c.max_off_fen)}元" if c.max_off_fen else ""
    if c.kind == "members_day":
        return f"会员每升直降{fen_to_yuan(c.per_litre_fen)}元"
    if c.kind == "first_order":
        spend = f"满{yuan(c.threshold_fen)}元" if c.threshold_fen else ""
        if c.off_fen:
            return f"首单{spend}立减{yuan(c.off_fen)}元"
        return f"首单{spend}每升直降{fen_to_yuan(c.per_litre_fen)}元{cap}"
    if c.repeating:
        return f"每满{yuan(c.threshold_fen)}减{yuan(c.off_fen)}{cap}"
    return f"满{yuan(c.threshold_fen)}减{yuan(c.off_fen)}"


def schedule_text(c, tier_names: dict[int, str] | None = None) -> str:
    """When a members' day holds and for whom; "" for the other kinds."""
    if c.kind != "members_day":
        return ""
    days = [f"每{WEEKDAY_NAMES[d]}" for d in c.weekdays]
    if c.month_days:
        days.append("每月" + "、".join(f"{d}日" for d in c.month_days))
    text = "、".join(days) or "每天"
    if (c.day_starts_min, c.day_ends_min) == (0, 1440):
        text += " 全天"
    else:
        text += f" {minutes_to_hhmm(c.day_starts_min)}-{minutes_to_hhmm(c.day_ends_min)}"
    if c.tier_ids:
        names = [(tier_names or {}).get(t, f"等级{t}") for t in c.tier_ids]
        text += "，限" + "、".join(names)
    return text


def period_text(c) -> str:
    def local(moment: datetime) -> str:
        return to_local(moment).strftime("%Y-%m-%d %H:%M")

    return f"{local(c.starts_at)} 至 {local(c.ends_at)}"


@dataclass(frozen=True)
class Words:
    """A campaign in words, and its scope's rows."""

    rule: str
    schedule: str  # a members' day's days, hours and tiers; "" for the other kinds
    period: str
    scope: str  # 全部油站, the cities, or the stations' names
    fuels: str
    station_ids: list[int]
    cities: list[str]

    @property
    def where(self) -> str:
        return f"{self.scope} · {self.fuels}"


def describe(campaigns) -> dict[int, Words]:
    """Each campaign in words, by id, in a few queries whatever their number."""
    campaigns = list(campaigns)
    ids = [c.id for c in campaigns]
    if not ids:
        return {}
    chain_id = campaigns[0].chain_id
    stations = {i: [] for i in ids}
    cities = {i: [] for i in ids}
    rows = db.session.execute(
        select(CampaignStation.campaign_id, Station.id, Station.name)
        .join(Station, Station.id == CampaignStation.station_id)
        .where(CampaignStation.campaign_id.in_(ids))
        .order_by(Station.code)
    )
    names: dict[int, list[str]] = {i: [] for i in ids}
    for campaign_id, station_id, name in rows:
        stations[campaign_id].append(station_id)
        names[campaign_id].append(name)
    query = select(CampaignCity.campaign_id, CampaignCity.city).where(
        CampaignCity.campaign_id.in_(ids)
    )
    for campaign_id, city in db.session.execute(query.order_by(CampaignCity.city)):
        cities[campaign_id].append(city)
    fuels = dict(
        db.session.execute(select(Fuel.id, Fuel.name).where(Fuel.chain_id == chain_id)).all()
    )
    tiers = dict(
        db.session.execute(select(Tier.id, Tier.name).where(Tier.chain_id == chain_id)).all()
    )
    found = {}
    for c in campaigns:
        scope = {"chain": CAMPAIGN_SCOPES["chain"], "cities": "、".join(cities[c.id])}.get(
            c.scope, "、".join(names[c.id])
        )
        fuel_names = "、".join(fuels.get(f, "") for f in c.fuel_ids) or "全部油品"
        found[c.id] = Words(
            rule_text(c),
            schedule_text(c, tiers),
            period_text(c),
            scope,
            fuel_names,
            stations[c.id],
            cities[c.id],
        )
    return found

"""Top-up packages (充值套餐): what a driver may top up their wallet with.

A package is either fixed (pay 500 元, get 30 元 bonus: 充500送30) or free (any amount between
its limits, without bonus); it belongs to the chain (station_id NULL, managed by chain admins)
or to one station (managed by that station's managers and by chain admins); it is live while
enabled and within its window (starts_at inclusive, ends_at exclusive; either may be open).

Drivers see the live packages (live_packages). Staff list, create, edit, disable and enable
them (the console calls these functions; each write is one transaction and audited).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from app.extensions import db
from app.models import Staff, Station, TopupPackage
from app.models.base import utcnow
from app.services.platform import audit
from app.services.platform.clock import to_local
from app.services.platform.errors import Invalid, NotFound, PermissionDenied
from app.services.platform.money import fen_to_yuan
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff import access

KINDS = {"fixed": "固定金额（可送赠送金）", "free": "自定义金额（不送赠送金）"}
MIN_TOPUP_FEN = 100  # 1 元
MAX_TOPUP_FEN = 5_000_000  # 50,000 元: beyond that a chain's finance office wants a transfer
NAME_MAX = 40
FIELDS = ("name", "kind", "pay_fen", "bonus_fen", "min_fen", "max_fen", "starts_at", "ends_at")


def is_live(package: TopupPackage, now: datetime | None = None) -> bool:
    """Enabled and within its window at `now`."""
    now = now or utcnow()
    return (
        package.enabled
        and (package.starts_at is None or package.starts_at <= now)
        and (package.ends_at is None or package.ends_at > now)
    )


def _live_filter(now: datetime):
    return (
        TopupPackage.enabled.is_(True),
        or_(TopupPackage.starts_at.is_(None), TopupPackage.starts_at <= now),
        or_(TopupPackage.ends_at.is_(None), TopupPackage.ends_at > now),
    )


def live_packages(chain_id: int, station_id: int | None = None) -> list[TopupPackage]:
    """The packages a driver may choose now: the chain's, plus the station's when one is given
    (a driver at a station sees both), fixed ones first by sort order and amount."""
    scope = TopupPackage.station_id.is_(None)
    if station_id is not None:
        scope = or_(scope, TopupPackage.station_id == station_id)
    query = (
        select(TopupPackage)
        .where(TopupPackage.chain_id == chain_id, scope, *_live_filter(utcnow()))
        .order_by(
            TopupPackage.kind,  # 'fixed' before 'free'
            TopupPackage.sort_order,
            TopupPackage.pay_fen,
            TopupPackage.id,
        )
    )
    return list(db.session.scalars(query))


def live_package(chain_id: int, package_id: int) -> TopupPackage | None:
    """One package of the chain if it is live now (else None)."""
    query = select(TopupPackage).where(
        TopupPackage.id == package_id, TopupPackage.chain_id == chain_id, *_live_filter(utcnow())
    )
    return db.session.scalar(query)


@dataclass(frozen=True)
class PackageRow:
    """A row of the staff's list: the package, where it applies, its state, and whether this
    staff member may change it."""

    package: TopupPackage
    station_name: str  # "全部油站" for a chain package
    state: str  # live, scheduled, ended, disabled
    may_edit: bool

    @property
    def state_name(self) -> str:
        return STATES[self.state]


STATES = {"live": "生效中", "scheduled": "未开始", "ended": "已结束", "disabled": "已停用"}


def state_of(package: TopupPackage, now: datetime | None = None) -> str:
    now = now or utcnow()
    if not package.enabled:
        return "disabled"
    if package.starts_at is not None and package.starts_at > now:
        return "scheduled"
    if package.ends_at is not None and package.ends_at <= now:
        return "ended"
    return "live"


def list_packages(actor: Staff, station_id: int | None = None) -> list[PackageRow]:
    """Managers: the chain's packages (read only) and those of their stations; chain admins:
    all. station_id narrows to that station's packages and the chain's."""
    if actor.role not in access.CATALOGUE_ROLES:
        raise PermissionDenied("只有站长和总部管理员可以管理充值套餐")
    stations = {s.id: s.name for s in access.managed_stations(actor)}
    if station_id is not None and station_id not in stations:
        raise PermissionDenied("您不是该油站的站长")
    wanted = {station_id} if station_id is not None else set(stations)
    query = (
        select(TopupPackage)
        .where(
            TopupPackage.chain_id == actor.chain_id,
            or_(TopupPackage.station_id.is_(None), TopupPackage.station_id.in_(wanted or {-1})),
        )
        .order_by(TopupPackage.station_id.nulls_first(), TopupPackage.sort_order, TopupPackage.id)
    )
    now = utcnow()
    return [
        PackageRow(
            package,
            stations.get(package.station_id, "全部油站"),
            state_of(package, now),
            may_manage(actor, package.station_id),
        )
        for package in db.session.scalars(query)
    ]


def may_manage(actor: Staff, station_id: int | None) -> bool:
    """Chain packages: chain admins; a station's: its managers and chain admins."""
    if actor.role == "chain_admin":
        return True
    return actor.role == "manager" and station_id is not None and station_id in actor.station_ids


def _check_may_manage(actor: Staff, station_id: int | None) -> None:
    if station_id is None:
        if actor.role != "chain_admin":
            raise PermissionDenied("只有总部管理员可以管理全部油站通用的充值套餐")
        return
    access.station_for_manager(actor, station_id)  # PermissionDenied or NotFound


def get_package(actor: Staff, package_id: int) -> TopupPackage:
    """A package this staff member may change (for an edit form)."""
    package = db.session.get(TopupPackage, package_id)
    if package is None or package.chain_id != actor.chain_id:
        raise NotFound("充值套餐不存在")
    _check_may_manage(actor, package.station_id)
    return package


def _clean(fields: dict) -> dict:
    """The package's fields checked; Invalid names every field that is wrong."""
    problems: dict[str, str] = {}
    name = (fields.get("name") or "").strip()
    if not name:
        problems["name"] = "请填写套餐名称"
    elif len(name) > NAME_MAX:
        problems["name"] = f"套餐名称最多 {NAME_MAX} 个字"
    kind = fields.get("kind")
    if kind not in KINDS:
        problems["kind"] = "请选择套餐类型：固定金额或自定义金额"
    limits = f"{fen_to_yuan(MIN_TOPUP_FEN)} 元到 {fen_to_yuan(MAX_TOPUP_FEN)} 元之间"

    def amount(field: str, label: str) -> int | None:
        value = fields.get(field)
        if not isinstance(value, int) or isinstance(value, bool):
            problems[field] = f"请填写{label}"
            return None
        if not MIN_TOPUP_FEN <= value <= MAX_TOPUP_FEN:
            problems[field] = f"{label}应在 {limits}"
            return None
        return value

    clean = {"name": name, "kind": kind, "pay_fen": None, "bonus_fen": 0}
    clean |= {"min_fen": None, "max_fen": None}
    if kind == "fixed":
        clean["pay_fen"] = amount("pay_fen", "充值金额")
        bonus = fields.get("bonus_fen") or 0
        if not isinstance(bonus, int) or isinstance(bonus, bool) or bonus < 0:
            problems["bonus_fen"] = "赠送金额不能为负数"
        elif clean["pay_fen"] is not None and bonus > clean["pay_fen"]:
            problems["bonus_fen"] = "赠送金额不能超过充值金额"
        clean["bonus_fen"] = bonus
    elif kind == "free":
        clean["min_fen"] = amount("min_fen", "最低充值金额")
        clean["max_fen"] = amount("max_fen", "最高充值金额")
        if None not in (clean["min_fen"], clean["max_fen"]) and clean["max_fen"] < clean["min_fen"]:
            problems["max_fen"] = "最高充值金额不能低于最低充值金额"
        if fields.get("bonus_fen"):
            problems["bonus_fen"] = "自定义金额的套餐不送赠送金"
    starts_at, ends_at = fields.get("starts_at"), fields.get("ends_at")
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            raise ValueError(f"{field} must be a timezone-aware datetime")
    if starts_at and ends_at and ends_at <= starts_at:
        problems["ends_at"] = "结束时间应晚于开始时间"
    clean |= {"starts_at": starts_at, "ends_at": ends_at}
    sort_order = fields.get("sort_order", 0)
    if not isinstance(sort_order, int) or not 0 <= sort_order <= 9999:
        problems["sort_order"] = "排序应为 0 到 9999 的整数"
    clean["sort_order"] = sort_order
    if problems:
        raise Invalid(problems)
    return clean


def _snapshot(package: TopupPackage) -> dict:
    """What the audit log keeps of a package (its station is the entry's own); times as staff
    typed them, in Shanghai time."""
    values = {field: getattr(package, field) for field in (*FIELDS, "sort_order", "enabled")}
    values["package_kind"] = values.pop("kind")
    for field in ("starts_at", "ends_at"):
        moment = values[field]
        values[field] = to_local(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else None
    return values


def create_package(actor: Staff, station_id: int | None, **fields) -> TopupPackage:
    """A new package for the chain (station_id None: chain admins only) or one station.

    fields: name, kind ('fixed' or 'free'), pay_fen and bonus_fen (fixed), min_fen and max_fen
    (free), starts_at and ends_at (aware datetimes or None), sort_order. Invalid names the
    fields that are wrong; PermissionDenied when the actor may not manage that scope."""
    with unit_of_work(keep_loaded=True):
        _check_may_manage(actor, station_id)
        package = TopupPackage(
            chain_id=actor.chain_id, station_id=station_id, created_by_id=actor.id, **_clean(fields)
        )
        db.session.add(package)
        db.session.flush()
        audit.record(
            actor,
            "topup_package.create",
            "topup_package",
            package.id,
            chain_id=actor.chain_id,
            station_id=station_id,
            after=_snapshot(package),
        )
        return package


def update_package(actor: Staff, package_id: int, **fields) -> TopupPackage:
    """Change a package's name, amounts, window and order (not where it applies: make a new
    one). Top-ups already made keep the amounts they were made with."""
    with unit_of_work(keep_loaded=True):
        package = _locked(actor, package_id)
        before = _snapshot(package)
        for field, value in _clean(fields).items():
            setattr(package, field, value)
        db.session.flush()
        old, new = audit.changes(before, _snapshot(package))
        if new:
            audit.record(
                actor,
                "topup_package.update",
                "topup_package",
                package.id,
                chain_id=package.chain_id,
                station_id=package.station_id,
                before=old,
                after=new,
            )
        return package


def disable_package(actor: Staff, package_id: int) -> TopupPackage:
    """Drivers no longer see it; top-ups already started with it are credited as promised."""
    return _set_enabled(actor, package_id, False)


def enable_package(actor: Staff, package_id: int) -> TopupPackage:
    return _set_enabled(actor, package_id, True)


def _set_enabled(actor: Staff, package_id: int, enabled: bool) -> TopupPackage:
    with unit_of_work(keep_loaded=True):
        package = _locked(actor, package_id)
        if package.enabled != enabled:
            package.enabled = enabled
            audit.record(
                actor,
                "topup_package.enable" if enabled else "topup_package.disable",
                "topup_package",
                package.id,
                chain_id=package.chain_id,
                station_id=package.station_id,
                before={"enabled": not enabled},
                after={"enabled": enabled, "name": package.name},
            )
        return package


def _locked(actor: Staff, package_id: int) -> TopupPackage:
    """The package under a row lock (two managers editing at once: one after the other)."""
    query = select(TopupPackage).where(TopupPackage.id == package_id).with_for_update()
    package = db.session.scalar(query.execution_options(populate_existing=True))
    if package is None or package.chain_id != actor.chain_id:
        raise NotFound("充值套餐不存在")
    _check_may_manage(actor, package.station_id)
    return package


def station_name(station_id: int | None) -> str:
    if station_id is None:
        return "全部油站"
    station = db.session.get(Station, station_id)
    return station.name if station else ""

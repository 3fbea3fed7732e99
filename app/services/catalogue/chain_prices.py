"""Head office's chain-wide price change: one fuel's new list and member price for many stations
at once, from one moment (by default the coming 24:00, the national adjustment window).

preview() shows, per selected station, the price in force just before that moment (changes
already scheduled before it included) and the new one; apply() schedules a normal FuelPrice
row per station and records one audit entry for the whole batch, in one transaction."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import AuditLog, Fuel, FuelPrice, Staff, Station, StationFuel
from app.models.base import utcnow
from app.services.catalogue.pricing import MAX_SCHEDULE_AHEAD, price_problems
from app.services.catalogue.stations import record_catalogue_change
from app.services.platform.clock import from_local, to_local
from app.services.platform.errors import Conflict, Invalid, NotFound
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.access import require_chain_admin

ACTION = "price.chain_schedule"
CANCEL_ACTION = "price.chain_cancel"
FIELD_NAMES = {"list_price": "挂牌价", "member_price": "会员价", "effective_at": "生效时间"}


@dataclass(frozen=True)
class Selection:
    """Which stations: every station of the chain, those of one city, or a chosen list."""

    scope: str = "all"
    city: str = ""
    station_ids: tuple[int, ...] = ()


@dataclass
class Line:
    """One selected station: change (a new row), skipped (does not sell the fuel), same (this
    very price is already scheduled at that moment) or clash (another price is)."""

    station: Station
    status: str
    before: FuelPrice | None = None  # in force just before the moment
    later: int = 0  # changes already scheduled after the moment, which will override this one

    def diff(self, new_fen: int, attr: str) -> int | None:
        return new_fen - getattr(self.before, attr) if self.before else None


@dataclass
class Preview:
    fuel: Fuel
    list_price_fen: int
    member_price_fen: int
    effective_at: datetime
    lines: list[Line] = field(default_factory=list)

    def having(self, status: str) -> list[Line]:
        return [line for line in self.lines if line.status == status]


@dataclass
class Applied:
    preview: Preview
    created: int  # rows scheduled now; 0 when the same batch had been saved before


def coming_midnight(now: datetime | None = None) -> datetime:
    """The coming 24:00 in Beijing (the national adjustment window), as aware UTC."""
    local = to_local(now or utcnow())
    tomorrow = (local + timedelta(days=1)).date()
    return from_local(datetime(tomorrow.year, tomorrow.month, tomorrow.day))


def head_office_ids(chain_id: int) -> set[int]:
    """The chain admins, whose scheduled prices a station's page marks as head office's."""
    query = select(Staff.id).where(Staff.chain_id == chain_id, Staff.role == "chain_admin")
    return set(db.session.scalars(query))


def cities(actor: Staff) -> list[str]:
    require_chain_admin(actor)
    query = select(Station.city).where(Station.chain_id == actor.chain_id).distinct()
    return sorted(db.session.scalars(query))


def stations(actor: Staff) -> list[Station]:
    require_chain_admin(actor)
    query = select(Station).where(Station.chain_id == actor.chain_id)
    return list(db.session.scalars(query.order_by(Station.city, Station.code)))


def _selected(actor: Staff, selection: Selection, errors: dict[str, str]) -> list[Station]:
    """The stations chosen; a message on errors (by field) for a choice that names none."""
    chosen = stations(actor)
    if selection.scope == "city":
        if not selection.city:
            errors["city"] = "城市：请选择一个城市"
        chosen = [s for s in chosen if s.city == selection.city]
    elif selection.scope == "list":
        wanted = set(selection.station_ids)
        if wanted - {s.id for s in chosen}:
            errors["station_ids"] = "油站：所选油站不存在"
        chosen = [s for s in chosen if s.id in wanted]
    elif selection.scope != "all":
        errors["scope"] = "调价范围：请选择调价范围"
    if not chosen:
        errors.setdefault("station_ids", "油站：请至少选择一个油站")
    return chosen


def _problems(list_fen, member_fen, effective_at, now) -> dict[str, str]:
    """The pricing rules of a single station's change, each message naming its field; the
    moment must be ahead, as a batch is always scheduled."""
    errors = {
        key: f"{FIELD_NAMES[key]}：{message}"
        for key, message in price_problems(list_fen, member_fen, effective_at, now).items()
    }
    if effective_at is None:
        errors["effective_at"] = "生效时间：请选择生效的日期和时间"
    elif "effective_at" not in errors and effective_at <= now:
        errors["effective_at"] = "生效时间：必须晚于现在"
    elif effective_at > now + MAX_SCHEDULE_AHEAD:
        errors.setdefault("effective_at", "生效时间：不能超过一年后")
    return errors


def preview(
    actor: Staff,
    fuel_id: int,
    selection: Selection,
    list_price_fen: int,
    member_price_fen: int,
    effective_at: datetime,
) -> Preview:
    """Every selected station's price just before effective_at and what it becomes; nothing
    is saved. Invalid with a message per field for a change that cannot be made."""
    require_chain_admin(actor)
    now = utcnow()
    errors = _problems(list_price_fen, member_price_fen, effective_at, now)
    fuel = db.session.get(Fuel, fuel_id) if fuel_id else None
    if fuel is None or fuel.chain_id != actor.chain_id:
        errors["fuel_id"] = "油品：请选择油品"
    chosen = _selected(actor, selection, errors)
    if errors:
        raise Invalid(errors)
    ids = [s.id for s in chosen]
    selling = set(
        db.session.scalars(
            select(StationFuel.station_id).where(
                StationFuel.station_id.in_(ids),
                StationFuel.fuel_id == fuel.id,
                StationFuel.enabled.is_(True),
            )
        )
    )
    rows = db.session.scalars(
        select(FuelPrice)
        .where(
            FuelPrice.station_id.in_(ids),
            FuelPrice.fuel_id == fuel.id,
            FuelPrice.cancelled_at.is_(None),
        )
        .order_by(FuelPrice.effective_at)
    )
    before: dict[int, FuelPrice] = {}
    at_moment: dict[int, FuelPrice] = {}
    later: dict[int, int] = {}
    for row in rows:
        if row.effective_at < effective_at:
            before[row.station_id] = row  # ordered by time: the last one wins
        elif row.effective_at == effective_at:
            at_moment[row.station_id] = row
        else:
            later[row.station_id] = later.get(row.station_id, 0) + 1
    result = Preview(fuel, list_price_fen, member_price_fen, effective_at)
    for station in chosen:
        status = "change"
        if station.id not in selling:
            status = "skipped"
        elif (existing := at_moment.get(station.id)) is not None:
            same = (existing.list_price_fen, existing.member_price_fen) == (
                list_price_fen,
                member_price_fen,
            )
            status = "same" if same else "clash"
        line = Line(station, status, before.get(station.id), later.get(station.id, 0))
        result.lines.append(line)
    if not result.having("change") and not result.having("same") and not result.having("clash"):
        raise Invalid({"station_ids": f"油站：所选油站都不销售{fuel.name}"})
    return result


def apply(
    actor: Staff,
    fuel_id: int,
    selection: Selection,
    list_price_fen: int,
    member_price_fen: int,
    effective_at: datetime,
) -> Applied:
    """Schedule the batch: one FuelPrice per station that sells the fuel and one audit entry,
    all or nothing. Saving the same batch again (a double submit) creates nothing: the stations
    already have this price at this moment (the unique index on station, fuel and moment
    settles a race between two submits)."""
    args = (actor, fuel_id, selection, list_price_fen, member_price_fen, effective_at)
    try:
        return _apply_once(*args)
    except IntegrityError:
        db.session.rollback()
        return _apply_once(*args)  # the twin has committed: this finds its rows as "same"


def _apply_once(actor, fuel_id, selection, list_price_fen, member_price_fen, effective_at):
    with unit_of_work(keep_loaded=True):
        plan = preview(actor, fuel_id, selection, list_price_fen, member_price_fen, effective_at)
        clashes = plan.having("clash")
        if clashes:
            names = "、".join(line.station.name for line in clashes)
            raise Conflict(f"{names} 在该生效时间已有其他调价，请先在该站取消后再统一调价")
        changes = plan.having("change")
        if not changes:
            return Applied(plan, 0)
        new_rows = []
        for line in changes:
            row = FuelPrice(
                chain_id=actor.chain_id,
                station_id=line.station.id,
                fuel_id=plan.fuel.id,
                list_price_fen=list_price_fen,
                member_price_fen=member_price_fen,
                effective_at=effective_at,
                created_by_id=actor.id,
            )
            db.session.add(row)
            new_rows.append(row)
        db.session.flush()
        record_catalogue_change(
            actor,
            ACTION,
            "fuel",
            plan.fuel.id,
            chain_id=actor.chain_id,
            after={
                "fuel": plan.fuel.name,
                "list_price_fen": list_price_fen,
                "member_price_fen": member_price_fen,
                "effective_at": to_local(effective_at).strftime("%Y-%m-%d %H:%M"),
                "stations": [
                    _station_entry(line, row) for line, row in zip(changes, new_rows, strict=True)
                ],
                "skipped": [line.station.name for line in plan.having("skipped")],
            },
        )
    return Applied(plan, len(new_rows))


def _station_entry(line: Line, row: FuelPrice) -> dict:
    before = line.before
    return {
        "station_id": line.station.id,
        "station": line.station.name,
        "price_id": row.id,
        "before_list_fen": before.list_price_fen if before else None,
        "before_member_fen": before.member_price_fen if before else None,
    }


@dataclass
class Batch:
    entry: AuditLog  # its `after` names the fuel, prices, moment and stations
    pending: bool  # some station's row has not taken effect and is not cancelled


def batches(actor: Staff, limit: int = 20) -> list[Batch]:
    """The latest chain-wide changes, newest first."""
    require_chain_admin(actor)
    query = (
        select(AuditLog)
        .where(AuditLog.chain_id == actor.chain_id, AuditLog.action == ACTION)
        .order_by(AuditLog.id.desc())
        .limit(limit)
    )
    entries = list(db.session.scalars(query))
    ids = {item["price_id"] for entry in entries for item in entry.after["stations"]}
    waiting = set(
        db.session.scalars(
            select(FuelPrice.id).where(
                FuelPrice.id.in_(ids or {-1}),
                FuelPrice.cancelled_at.is_(None),
                FuelPrice.effective_at > utcnow(),
            )
        )
    )
    return [
        Batch(entry, any(item["price_id"] in waiting for item in entry.after["stations"]))
        for entry in entries
    ]


def cancel(actor: Staff, audit_id: int) -> int:
    """Cancel the batch's rows still pending (a station may have cancelled its own already),
    all in one go, before the moment it takes effect; the number cancelled."""
    require_chain_admin(actor)
    entry = db.session.get(AuditLog, audit_id)
    if entry is None or entry.chain_id != actor.chain_id or entry.action != ACTION:
        raise NotFound("统一调价记录不存在")
    price_ids = [item["price_id"] for item in entry.after["stations"]]
    now = utcnow()
    with unit_of_work():
        # Compare-and-set: rows that took effect or were cancelled meanwhile are left alone.
        result = db.session.execute(
            update(FuelPrice)
            .where(
                FuelPrice.id.in_(price_ids),
                FuelPrice.cancelled_at.is_(None),
                FuelPrice.effective_at > now,
            )
            .values(cancelled_at=now, cancelled_by_id=actor.id)
        )
        if result.rowcount == 0:
            raise Conflict("该批调价已生效或已取消，不能再取消")
        record_catalogue_change(
            actor,
            CANCEL_ACTION,
            "fuel",
            entry.entity_id,
            chain_id=actor.chain_id,
            before={**entry.after, "batch": entry.id},
            after={"cancelled": True},
        )
    return result.rowcount

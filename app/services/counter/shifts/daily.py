"""日结 and corrections: a station's accepted shifts of one accounting date totalled and locked;
a mistake in a closed shift is a correction entry (who, why, how much), never an edit, and once
the day is closed, none is taken any more."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import DailyClose, Nozzle, Shift, ShiftCorrection, Staff
from app.models.base import utcnow
from app.services.counter.shifts import drawer
from app.services.counter.shifts.handover import get_shift
from app.services.platform import audit
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.access import station_for_manager

REASON_MAX = 200


@dataclass
class Day:
    """A station's accounting date as the daily close page shows it."""

    business_date: date
    shifts: list[Shift]
    cash_corrections_fen: int
    closed: DailyClose | None

    @property
    def waiting(self) -> list[Shift]:
        return [shift for shift in self.shifts if shift.status != "accepted"]

    def total(self, name: str) -> int:
        return sum(getattr(shift, name) or 0 for shift in self.shifts)

    @property
    def counted_cash_fen(self) -> int:
        return self.total("counted_cash_fen") + self.cash_corrections_fen

    @property
    def over_short_fen(self) -> int:
        return self.counted_cash_fen - self.total("expected_cash_fen")


def day(staff: Staff, station_id: int, business_date: date) -> Day:
    station_for_manager(staff, station_id)
    return _day(station_id, business_date)


def _day(station_id: int, business_date: date, lock: bool = False) -> Day:
    query = (
        select(Shift)
        .where(Shift.station_id == station_id, Shift.business_date == business_date)
        .order_by(Shift.closed_at)
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    shifts = list(db.session.scalars(query))
    corrections = db.session.scalar(
        select(func.coalesce(func.sum(ShiftCorrection.delta_fen), 0)).where(
            ShiftCorrection.shift_id.in_([s.id for s in shifts] or [-1]),
            ShiftCorrection.kind == "cash",
        )
    )
    closed = db.session.scalar(
        select(DailyClose).where(
            DailyClose.station_id == station_id, DailyClose.business_date == business_date
        )
    )
    return Day(business_date, shifts, corrections, closed)


def close_day(staff: Staff, station_id: int, business_date: date) -> DailyClose:
    """日结, one transaction: the date must be over, each of its shifts accepted; their totals
    (cash corrections included) are stored and the shifts locked. A second close of the same
    date is refused (Conflict; the unique date per station is the backstop)."""
    with unit_of_work(keep_loaded=True):
        station = station_for_manager(staff, station_id)
        if business_date >= to_local(utcnow()).date():
            raise Invalid({"business_date": "只能日结已经结束的日期"})
        the_day = _day(station_id, business_date, lock=True)
        if the_day.closed is not None or any(s.daily_close_id for s in the_day.shifts):
            raise Conflict("该日已日结")
        if not the_day.shifts:
            raise Invalid({"business_date": "该日没有交班记录"})
        if the_day.waiting:
            raise Conflict(f"该日还有 {len(the_day.waiting)} 个班次未接班，请先接班")
        closing = DailyClose(
            chain_id=station.chain_id,
            station_id=station_id,
            business_date=business_date,
            shift_count=len(the_day.shifts),
            sold_ml=the_day.total("sold_ml"),
            sold_fen=the_day.total("sold_fen"),
            metered_ml=the_day.total("metered_ml"),
            expected_cash_fen=the_day.total("expected_cash_fen"),
            counted_cash_fen=the_day.counted_cash_fen,
            over_short_fen=the_day.over_short_fen,
            closed_by_id=staff.id,
            closed_at=utcnow(),
        )
        db.session.add(closing)
        db.session.flush()
        db.session.execute(
            update(Shift)
            .where(Shift.id.in_([s.id for s in the_day.shifts]), Shift.daily_close_id.is_(None))
            .values(daily_close_id=closing.id)
            .execution_options(synchronize_session=False)
        )
        audit.record(
            staff,
            "shift.daily_close",
            "daily_close",
            closing.id,
            chain_id=station.chain_id,
            station_id=station_id,
            after={
                "business_date": business_date.isoformat(),
                "shifts": [s.id for s in the_day.shifts],
                "sold_fen": closing.sold_fen,
                "over_short_fen": closing.over_short_fen,
            },
        )
        return closing


def add_correction(
    staff: Staff,
    shift_id: int,
    kind: str,
    reason: str,
    *,
    delta_fen: int | None = None,
    delta_ml: int | None = None,
    nozzle_id: int | None = None,
) -> ShiftCorrection:
    """A correction of a closed shift by a manager: a new entry, the shift itself unchanged.
    Refused for an open shift (correct it at the close) and once its day is closed. A cash
    correction moves the closed shift's drawer in a ledger transaction of its own."""
    reason = (reason or "").strip()
    with unit_of_work(keep_loaded=True):
        shift = get_shift(staff, shift_id)
        station_for_manager(staff, shift.station_id)
        shift = db.session.scalar(
            select(Shift)
            .where(Shift.id == shift_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if shift.status == "open":
            raise Conflict("当班中的班次请在交班时填写，不需要更正")
        if shift.daily_close_id is not None:
            raise Conflict("该班次所在日期已日结，不能再更正")
        errors = {}
        if not reason:
            errors["reason"] = "请填写更正原因"
        elif len(reason) > REASON_MAX:
            errors["reason"] = f"更正原因 最多 {REASON_MAX} 字"
        if kind == "cash" and not delta_fen:
            errors["delta"] = "请填写更正金额（多出为正，短少为负）"
        elif kind == "reading" and not delta_ml:
            errors["delta"] = "请填写更正升数（多出为正，短少为负）"
        elif kind not in ("cash", "reading", "note"):
            errors["kind"] = "请选择更正类型"
        if kind == "reading":
            nozzle = db.session.get(Nozzle, nozzle_id) if nozzle_id else None
            if nozzle is None or nozzle.station_id != shift.station_id:
                errors["nozzle"] = "请选择油枪"
        if errors:
            raise Invalid(errors)
        correction = ShiftCorrection(
            chain_id=shift.chain_id,
            station_id=shift.station_id,
            shift_id=shift.id,
            kind=kind,
            nozzle_id=nozzle_id if kind == "reading" else None,
            delta_fen=delta_fen if kind == "cash" else None,
            delta_ml=delta_ml if kind == "reading" else None,
            reason=reason,
            created_by_id=staff.id,
            created_at=utcnow(),
        )
        db.session.add(correction)
        db.session.flush()
        if kind == "cash":
            memo = f"交接班 #{shift.id} 更正 #{correction.id}"
            drawer.post_count(shift, "shift.correction", delta_fen, memo)
        audit.record(
            staff,
            "shift.correct",
            "shift",
            shift.id,
            chain_id=shift.chain_id,
            station_id=shift.station_id,
            after={"kind": kind, "delta_fen": delta_fen, "delta_ml": delta_ml, "reason": reason},
        )
        return correction


def recent_days(staff: Staff, station_id: int, limit: int = 14) -> list[tuple[date, int, bool]]:
    """The station's latest accounting dates: (date, shifts, closed?)."""
    station_for_manager(staff, station_id)
    rows = db.session.execute(
        select(Shift.business_date, func.count(), func.count(Shift.daily_close_id))
        .where(Shift.station_id == station_id, Shift.business_date.is_not(None))
        .group_by(Shift.business_date)
        .order_by(Shift.business_date.desc())
        .limit(limit)
    )
    return [(d, count, closed == count) for d, count, closed in rows]

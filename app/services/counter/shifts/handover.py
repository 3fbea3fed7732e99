"""交接班: open a shift, close it (hand over), and the next cashier's acceptance, which opens
the next shift. One transaction per use case; the role and station are checked here."""

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Nozzle, Shift, ShiftReading, Staff, Station
from app.models.base import utcnow
from app.services.counter.shifts import attach, drawer, report
from app.services.counter.shifts.readings import Closing, ml_to_litres
from app.services.platform import audit
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.access import station_for_counter

NOTE_MAX = 200


def current_shift(staff: Staff, station_id: int) -> Shift | None:
    """The station's open shift, or else its latest one (closed, waiting to be accepted)."""
    station_for_counter(staff, station_id)
    return db.session.scalar(
        select(Shift)
        .where(Shift.station_id == station_id)
        .order_by((Shift.status == "open").desc(), Shift.id.desc())
        .limit(1)
    )


def get_shift(staff: Staff, shift_id: int) -> Shift:
    """A shift of a station this staff member works at; NotFound or PermissionDenied."""
    shift = db.session.get(Shift, shift_id)
    if shift is None or shift.chain_id != staff.chain_id:
        raise NotFound("班次不存在")
    station_for_counter(staff, shift.station_id)
    return shift


def readings_of(shift_id: int) -> list[ShiftReading]:
    return list(
        db.session.scalars(
            select(ShiftReading)
            .where(ShiftReading.shift_id == shift_id)
            .order_by(ShiftReading.nozzle_number)
        )
    )


def nozzles_to_read(staff: Staff, station_id: int) -> list[tuple[Nozzle, int | None]]:
    """The station's enabled nozzles with the last closing reading of each (to prefill the
    opening form), None where no shift has read it yet."""
    station_for_counter(staff, station_id)
    return [(nozzle, _last_closing(nozzle.id)) for nozzle in _enabled_nozzles(station_id)]


def _enabled_nozzles(station_id: int) -> list[Nozzle]:
    return list(
        db.session.scalars(
            select(Nozzle)
            .where(Nozzle.station_id == station_id, Nozzle.enabled.is_(True))
            .order_by(Nozzle.number)
        )
    )


def _last_closing(nozzle_id: int) -> int | None:
    return db.session.scalar(
        select(ShiftReading.closing_ml)
        .where(ShiftReading.nozzle_id == nozzle_id, ShiftReading.closing_ml.is_not(None))
        .order_by(ShiftReading.id.desc())
        .limit(1)
    )


def live_report(staff: Staff, shift: Shift) -> report.Report:
    """The figures so far: sales of an open shift, or everything a closed shift recorded."""
    get_shift(staff, shift.id)
    readings = readings_of(shift.id)
    if shift.status == "open":
        return report.compute(shift, readings, None, None, utcnow())
    closings = {r.nozzle_id: Closing.of(r) for r in readings}
    return report.compute(shift, readings, closings, shift.counted_cash_fen, shift.closed_at)


def open_shift(staff: Staff, station_id: int, openings: dict[int, int | None]) -> Shift:
    """Open the station's first shift (later ones open when a handover is accepted): one
    opening reading (ml) per enabled nozzle, by nozzle id, prefilled from the last readings."""
    with unit_of_work(keep_loaded=True):
        station = station_for_counter(staff, station_id)
        latest = db.session.scalar(
            select(Shift).where(Shift.station_id == station_id).order_by(Shift.id.desc()).limit(1)
        )
        if latest is not None and latest.status == "closed":
            raise Conflict("上一班已交班、尚未接班，请由接班人点「接班」")
        return _open(staff, station, openings, previous=None)


def _open(
    staff: Staff, station: Station, openings: dict[int, int | None], previous: Shift | None
) -> Shift:
    """Insert the open shift and its readings, then take the orders fuelled while none was
    open. Helper: raises, never commits."""
    attach.lock_station(station.id)
    if db.session.scalar(
        select(Shift.id).where(Shift.station_id == station.id, Shift.status == "open")
    ):
        raise Conflict("本站已有当班班次，请刷新页面")
    nozzles = _enabled_nozzles(station.id)
    if not nozzles:
        raise Invalid("本站没有启用的油枪，请站长先在油站管理中添加油枪")
    errors = {}
    for nozzle in nozzles:
        value = openings.get(nozzle.id)
        if value is None:
            errors[f"opening_{nozzle.id}"] = f"{nozzle.number}号枪 请填写接班泵码"
        elif value < 0:
            errors[f"opening_{nozzle.id}"] = f"{nozzle.number}号枪 接班泵码 不能为负数"
    if errors:
        raise Invalid(errors)
    now = utcnow()
    shift = Shift(
        chain_id=station.chain_id,
        station_id=station.id,
        status="open",
        previous_shift_id=previous.id if previous else None,
        opened_by_id=staff.id,
        opened_at=now,
    )
    db.session.add(shift)
    try:
        db.session.flush()
    except IntegrityError:  # another opener won (the unique index of open shifts)
        raise Conflict("本站已有当班班次，请刷新页面") from None
    for nozzle in nozzles:
        db.session.add(
            ShiftReading(
                chain_id=station.chain_id,
                station_id=station.id,
                shift_id=shift.id,
                nozzle_id=nozzle.id,
                nozzle_number=nozzle.number,
                fuel_id=nozzle.fuel_id,
                opening_ml=openings[nozzle.id],
            )
        )
    db.session.flush()
    # Orders fuelled while no shift was open, since the previous shift opened (one stamped
    # before its close may have committed just after it). A station's first shift takes none:
    # orders from before shifts were kept belong to no shift.
    taken = attach.take_waiting(shift, previous.opened_at) if previous else 0
    audit.record(
        staff,
        "shift.open",
        "shift",
        shift.id,
        chain_id=station.chain_id,
        station_id=station.id,
        after={
            "openings_l": {n.number: ml_to_litres(openings[n.id]) for n in nozzles},
            "orders_taken_over": taken,
        },
    )
    return shift


def _lock_open(staff: Staff, shift_id: int) -> Shift:
    """The shift FOR UPDATE: attach_order's FOR KEY SHARE waits for us, we wait for it."""
    get_shift(staff, shift_id)
    shift = db.session.scalar(
        select(Shift)
        .where(Shift.id == shift_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if shift.status != "open":
        raise Conflict("该班次已交班，不能再修改")
    return shift


def _checked(
    shift: Shift, closings: dict[int, Closing], counted_cash_fen: int | None, note: str
) -> tuple[list[ShiftReading], report.Report]:
    readings = readings_of(shift.id)
    errors = report.check(readings, closings)
    if counted_cash_fen is None:
        errors["counted_cash"] = "请填写实点现金"
    elif counted_cash_fen < 0:
        errors["counted_cash"] = "实点现金 不能为负数"
    if len(note) > NOTE_MAX:
        errors["note"] = f"长短款说明 最多 {NOTE_MAX} 字"
    if errors:
        raise Invalid(errors)
    figures = report.compute(shift, readings, closings, counted_cash_fen, utcnow())
    if figures.over_short_fen and not note.strip():
        raise Invalid({"note": "现金有长短款，请填写长短款说明"})
    return readings, figures


def preview_close(
    staff: Staff,
    shift_id: int,
    closings: dict[int, Closing],
    counted_cash_fen: int | None,
    note: str,
) -> report.Report:
    """What closing now with these figures would record; changes nothing."""
    with unit_of_work():
        shift = get_shift(staff, shift_id)
        if shift.status != "open":
            raise Conflict("该班次已交班，不能再修改")
        return _checked(shift, closings, counted_cash_fen, note.strip())[1]


def close_shift(
    staff: Staff,
    shift_id: int,
    closings: dict[int, Closing],
    counted_cash_fen: int | None,
    note: str,
) -> Shift:
    """交班, one transaction: lock the shift (sales and counter money in flight land first,
    later ones wait for the next shift), check the readings, compute the figures from the
    shift's own orders and ledger entries, store them and the readings, post the over/short
    (so the drawer holds what was counted) and mark the shift closed. Invalid (nothing saved)
    on bad figures, Conflict if the shift was closed already (a second close, or a double
    click)."""
    note = note.strip()
    with unit_of_work(keep_loaded=True):
        shift = _lock_open(staff, shift_id)
        readings, figures = _checked(shift, closings, counted_cash_fen, note)
        now = figures.end
        by_nozzle = {line.reading.nozzle_id: line for line in figures.nozzles}
        for reading in readings:  # the readings first: their trigger wants the shift open
            closing, line = closings[reading.nozzle_id], by_nozzle[reading.nozzle_id]
            db.session.execute(
                update(ShiftReading)
                .where(ShiftReading.id == reading.id)
                .values(
                    closing_ml=closing.closing_ml,
                    test_pour_ml=closing.test_pour_ml,
                    jump_before_ml=closing.jump_before_ml,
                    jump_after_ml=closing.jump_after_ml,
                    jump_reason=closing.jump_reason.strip(),
                    metered_ml=line.metered_ml,
                    sold_ml=line.sold.ml,
                )
                .execution_options(synchronize_session=False)
            )
        values = {
            "status": "closed",
            "closed_by_id": staff.id,
            "closed_at": now,
            "business_date": to_local(now).date(),
            "sold_ml": figures.sold.ml,
            "sold_fen": figures.sold.fen,
            "metered_ml": figures.metered_ml,
            "expected_cash_fen": figures.expected_cash_fen,
            "counted_cash_fen": counted_cash_fen,
            "over_short_fen": figures.over_short_fen,
            "note": note,
        }
        db.session.execute(
            update(Shift)
            .where(Shift.id == shift.id, Shift.status == "open")
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if figures.over_short_fen:
            memo = f"交接班 #{shift.id} 长短款"
            drawer.post_count(shift, "shift.over_short", figures.over_short_fen, memo)
        audit.record(
            staff,
            "shift.close",
            "shift",
            shift.id,
            chain_id=shift.chain_id,
            station_id=shift.station_id,
            after={
                **{k: v for k, v in values.items() if k.endswith(("_ml", "_fen"))},
                "flagged_fuels": [line.name for line in figures.flagged],
                "note": note,
            },
        )
        db.session.refresh(shift)
        return shift


def accept_handover(
    staff: Staff, shift_id: int, openings: dict[int, int | None] | None = None
) -> Shift:
    """接班, one transaction: the next cashier (never the one who closed it) accepts the closed
    shift and opens the next one with its closing readings as openings (nozzles enabled since
    then need theirs in `openings`). Returns the new shift."""
    with unit_of_work(keep_loaded=True):
        get_shift(staff, shift_id)
        shift = db.session.scalar(
            select(Shift)
            .where(Shift.id == shift_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if shift.status != "closed":
            raise Conflict("该班次不在待接班状态，请刷新页面")
        if shift.closed_by_id == staff.id:
            raise PermissionDenied("不能接自己交出的班，请由接班人登录后接班")
        now = utcnow()
        db.session.execute(
            update(Shift)
            .where(Shift.id == shift.id, Shift.status == "closed")
            .values(status="accepted", accepted_by_id=staff.id, accepted_at=now)
            .execution_options(synchronize_session=False)
        )
        audit.record(
            staff,
            "shift.accept",
            "shift",
            shift.id,
            chain_id=shift.chain_id,
            station_id=shift.station_id,
            after={"closed_by_id": shift.closed_by_id, "over_short_fen": shift.over_short_fen},
        )
        carried = {r.nozzle_id: r.closing_ml for r in readings_of(shift.id)}
        station = db.session.get(Station, shift.station_id)
        return _open(staff, station, {**(openings or {}), **carried}, previous=shift)


def staff_names(shift: Shift) -> dict[str, str]:
    """Who opened, closed and accepted the shift, by role in the handover."""
    ids = {
        "opened": shift.opened_by_id,
        "closed": shift.closed_by_id,
        "accepted": shift.accepted_by_id,
    }
    found = {
        s.id: s.display_name
        for s in db.session.scalars(
            select(Staff).where(Staff.id.in_([i for i in ids.values() if i]))
        )
    }
    return {key: found.get(staff_id, "") for key, staff_id in ids.items()}

"""交接班: the current shift with its live figures, the open form, the close form (with the
computed report shown before confirming), the handover slip (print and Excel), acceptance by
the next cashier. Who may act on which station is decided by the service."""

from flask import abort, flash, render_template, request, url_for

from app.console import bp
from app.console.forms import ConsoleForm
from app.console.web import actor, done, fragment, is_partial
from app.console.xlsx import Yuan, download
from app.services.counter import shifts
from app.services.counter.shifts import handover
from app.services.counter.shifts.readings import Closing, ml_to_litres
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid
from app.services.platform.money import yuan_to_fen
from app.services.platform.unit_of_work import retrying
from app.services.staff import access


class ActionForm(ConsoleForm):
    """Only the CSRF token: the figures are read from the posted fields by name."""


def _station_id() -> int:
    stations = access.counter_stations(actor())
    if not stations:
        abort(403)
    wanted = request.values.get("station_id", type=int)
    return wanted if wanted is not None else stations[0].id


def _context(station_id: int, **extra) -> dict:
    me = actor()
    current = handover.current_shift(me, station_id)
    context = {
        "station": access.station_for_counter(me, station_id),
        "stations": access.counter_stations(me),
        "shift": current,
        "form": ActionForm(formdata=None),
        "errors": {},
        "values": {},
        "litres": ml_to_litres,
        "preview": None,
    }
    if current is not None:
        context["report"] = handover.live_report(me, current)
        context["readings"] = handover.readings_of(current.id)
    if current is None or current.status == "closed":
        carried = {r.nozzle_id for r in context.get("readings", [])}
        context["to_read"] = [
            (nozzle, last)
            for nozzle, last in handover.nozzles_to_read(me, station_id)
            if current is None or nozzle.id not in carried
        ]
    return context | extra


@bp.get("/shifts")
def shifts_page():
    context = _context(_station_id())
    if is_partial() and request.args.get("part") == "live":
        return fragment("console/shifts/_live.html", **context)
    return render_template("console/shifts/index.html", **context)


def _ml(name: str, label: str, errors: dict) -> int | None:
    try:
        return shifts.litres_to_ml(request.form.get(name), label)
    except ValueError as err:
        errors[name] = str(err)
        return None


def _refused(station_id: int, err: Invalid | dict, **extra):
    fields = err.fields if isinstance(err, Invalid) else err
    context = _context(station_id, errors=fields, values=request.form, **extra)
    return render_template("console/shifts/index.html", **context), 400


@bp.post("/shifts/open")
def shift_open():
    station_id = _station_id()
    errors, openings = {}, {}
    for nozzle, _ in handover.nozzles_to_read(actor(), station_id):
        key = f"opening_{nozzle.id}"
        openings[nozzle.id] = _ml(key, f"{nozzle.number}号枪 接班泵码", errors)
    if errors:
        return _refused(station_id, errors)
    try:
        retrying(lambda: shifts.open_shift(actor(), station_id, openings))
    except Invalid as err:
        return _refused(station_id, err)
    except Conflict as err:
        flash(err.message, "error")
    else:
        flash("已开班", "success")
    return done(url_for("console.shifts_page", station_id=station_id))


def _closing_input(shift_id: int) -> tuple[dict[int, Closing], int | None, str, dict]:
    errors, closings = {}, {}
    for reading in handover.readings_of(shift_id):
        n, key = reading.nozzle_number, reading.nozzle_id
        closings[key] = Closing(
            _ml(f"closing_{key}", f"{n}号枪 交班泵码", errors),
            _ml(f"test_pour_{key}", f"{n}号枪 回罐", errors) or 0,
            _ml(f"jump_before_{key}", f"{n}号枪 跳码前读数", errors),
            _ml(f"jump_after_{key}", f"{n}号枪 跳码后读数", errors),
            request.form.get(f"jump_reason_{key}", "").strip(),
        )
    counted = None
    if request.form.get("counted_cash", "").strip():
        try:
            counted = yuan_to_fen(request.form["counted_cash"])
        except ValueError as err:
            errors["counted_cash"] = f"实点现金 {err}"
    return closings, counted, request.form.get("note", ""), errors


@bp.post("/shifts/<int:shift_id>/close")
def shift_close(shift_id: int):
    me = actor()
    shift = handover.get_shift(me, shift_id)
    closings, counted, note, errors = _closing_input(shift_id)
    if errors:
        return _refused(shift.station_id, errors)
    try:
        if request.form.get("confirm") != "1":
            preview = handover.preview_close(me, shift_id, closings, counted, note)
            context = _context(shift.station_id, values=request.form, preview=preview)
            return render_template("console/shifts/index.html", **context)
        retrying(lambda: shifts.close_shift(me, shift_id, closings, counted, note))
    except Invalid as err:
        return _refused(shift.station_id, err)
    except Conflict as err:
        flash(err.message, "error")
        return done(url_for("console.shifts_page", station_id=shift.station_id))
    flash("已交班，请接班人核对后点「接班」", "success")
    return done(url_for("console.shift_slip", shift_id=shift_id))


@bp.post("/shifts/<int:shift_id>/accept")
def shift_accept(shift_id: int):
    me = actor()
    shift = handover.get_shift(me, shift_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    errors, openings = {}, {}
    for nozzle, _ in handover.nozzles_to_read(me, shift.station_id):
        if request.form.get(f"opening_{nozzle.id}") is not None:
            key = f"opening_{nozzle.id}"
            openings[nozzle.id] = _ml(key, f"{nozzle.number}号枪 接班泵码", errors)
    if errors:
        return _refused(shift.station_id, errors)
    try:
        retrying(lambda: shifts.accept_handover(me, shift_id, openings))
    except Invalid as err:
        return _refused(shift.station_id, err)
    except Conflict as err:
        flash(err.message, "error")
    else:
        flash("已接班，新的班次已开始", "success")
    return done(url_for("console.shifts_page", station_id=shift.station_id))


@bp.get("/shifts/<int:shift_id>")
def shift_slip(shift_id: int):
    me = actor()
    shift = handover.get_shift(me, shift_id)
    return render_template(
        "console/shifts/slip.html",
        shift=shift,
        station=access.station_for_counter(me, shift.station_id),
        report=handover.live_report(me, shift),
        litres=ml_to_litres,
        names=handover.staff_names(shift),
        form=ActionForm(formdata=None),
        may_correct=me.role in access.CATALOGUE_ROLES
        and shift.status != "open"
        and shift.daily_close_id is None,
    )


@bp.get("/shifts/<int:shift_id>.xlsx")
def shift_export(shift_id: int):
    me = actor()
    shift = handover.get_shift(me, shift_id)
    figures = handover.live_report(me, shift)
    rows = [
        [
            "油枪",
            "油品",
            "接班泵码（升）",
            "交班泵码（升）",
            "跳码",
            "回罐（升）",
            "走字（升）",
            "销售（升）",
        ]
    ]
    for line in figures.nozzles:
        r = line.reading
        jump = ""
        if r.jump_before_ml is not None:
            jump = (
                f"{ml_to_litres(r.jump_before_ml)}→{ml_to_litres(r.jump_after_ml)} {r.jump_reason}"
            )
        rows.append(
            [
                f"{r.nozzle_number}号枪",
                line.fuel_name,
                ml_to_litres(r.opening_ml),
                ml_to_litres(r.closing_ml),
                jump,
                ml_to_litres(r.test_pour_ml),
                ml_to_litres(line.metered_ml),
                ml_to_litres(line.sold.ml),
            ]
        )
    rows.append([])
    rows.append(["油品", "支付方式", "笔数", "升数", "金额（元）"])
    for fuel, method, totals in figures.methods:
        rows.append([fuel, method, totals.count, ml_to_litres(totals.ml), Yuan(totals.fen)])
    rows.append([])
    rows.append(["收付类型", "笔数", "现金（元）", "银行卡（元）", "扫码（元）"])
    drawer = figures.drawer
    for m in drawer.movements:
        rows.append(
            [m.name, m.count, Yuan(m.fen["cash"]), Yuan(m.fen["pos"]), Yuan(m.fen["terminal"])]
        )
    rows.append(
        ["合计", "", *(Yuan(drawer.total(method)) for method in ("cash", "pos", "terminal"))]
    )
    rows.append([])
    rows.append(["应收现金（元）", Yuan(figures.expected_cash_fen)])
    if figures.counted_cash_fen is not None:
        rows.append(["实点现金（元）", Yuan(figures.counted_cash_fen)])
        rows.append(["长短款（元）", Yuan(figures.over_short_fen), shift.note])
    for m in drawer.closes:
        rows.append([f"{m.name}（元）", Yuan(m.cash_fen)])
    opened = to_local(shift.opened_at).strftime("%Y%m%d-%H%M")
    header = [f"交接班单 #{shift.id}", f"开班 {to_local(shift.opened_at):%Y-%m-%d %H:%M}"]
    return download(f"交接班-{opened}-{shift.id}", "交接班", header, rows)


def _signed(text: str, parse) -> int | None:
    """A signed amount typed as "-10.5" or "10.5", parsed by `parse` without its sign."""
    text = (text or "").strip()
    sign = -1 if text.startswith("-") else 1
    value = parse(text.lstrip("+-").strip())
    return None if value is None else sign * value


@bp.post("/shifts/<int:shift_id>/corrections")
def shift_correct(shift_id: int):
    """A manager's correction of a closed shift: a new entry, never an edit."""
    me = actor()
    shift = handover.get_shift(me, shift_id)
    kind, delta = request.form.get("kind", ""), request.form.get("delta", "")
    fen = ml = None
    try:
        if kind == "cash":
            fen = _signed(delta, lambda t: yuan_to_fen(t) if t else None)
        elif kind == "reading":
            ml = _signed(delta, lambda t: shifts.litres_to_ml(t, "更正升数"))
        shifts.add_correction(
            me,
            shift_id,
            kind,
            request.form.get("reason", ""),
            delta_fen=fen,
            delta_ml=ml,
            nozzle_id=request.form.get("nozzle_id", type=int),
        )
    except ValueError as err:
        flash(f"更正未保存：{err}", "error")
    except (Invalid, Conflict) as err:
        flash(f"更正未保存：{err.message}", "error")
    else:
        flash("已登记更正", "success")
    return done(url_for("console.shift_slip", shift_id=shift.id))

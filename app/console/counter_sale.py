"""收银: the cashier records a walk-in sale (counter.walkin_sale) and prints its receipt
(counter.receipts). The figures shown live come from the server (an HTMX fragment)."""

from flask import abort, render_template, request, url_for
from sqlalchemy import select

from app.console import bp
from app.console.web import actor, done, fragment, is_partial
from app.extensions import db
from app.models import SALE_METHODS, TERMINAL_APPS, Station
from app.models.base import utcnow
from app.services.counter import receipts, sale_quote, walkin_sale
from app.services.members import member_code
from app.services.platform.errors import Invalid
from app.services.platform.money import yuan_to_fen
from app.services.staff.access import visible_station_ids


def _station_id() -> int | None:
    """The station asked for, else the actor's only one (None: they must choose)."""
    asked = request.values.get("station_id", type=int)
    if asked is not None:
        return asked
    mine = visible_station_ids(actor()) if actor().role != "chain_admin" else set()
    return next(iter(mine)) if len(mine) == 1 else None


def _nozzles(station) -> list[dict]:
    """The nozzle buttons: number, fuel and the list and member price in force now."""
    now, rows = utcnow(), []
    for nozzle in station.nozzles:
        offer = station.offer(nozzle.fuel_code)
        price = offer.price_at(now) if offer else None
        if price is not None:
            rows.append({"number": nozzle.number, "fuel": nozzle.fuel_name, "price": price})
    return rows


def _form() -> dict:
    """The form as typed, for showing it again."""
    names = ("nozzle", "entered", "shown", "code", "method", "received", "reference", "coupon")
    values = {name: (request.form.get(name) or "").strip() for name in names}
    values["terminal_app"] = request.form.get("terminal_app") or "wechat"
    values["entered"] = values["entered"] or "litres"
    values["method"] = values["method"] or "cash"
    return values


def _figures(form: dict) -> tuple[int | None, int | None, dict]:
    """(volume_ml, amount_fen, errors) from the figure the pump shows."""
    errors, shown = {}, form["shown"]
    if not shown:
        return None, None, errors
    try:
        if form["entered"] == "amount":
            return None, yuan_to_fen(shown), errors
        return sale_quote.parse_litres(shown), None, errors
    except ValueError as err:
        errors["shown"] = str(err)
    except Invalid as err:
        errors["shown"] = next(iter(err.fields.values()))
    return None, None, errors


def _received(form: dict, errors: dict) -> int | None:
    if form["method"] != "cash" or not form["received"]:
        return None
    try:
        return yuan_to_fen(form["received"])
    except ValueError as err:
        errors["received"] = str(err)
        return None


def _coupon(form: dict, quoting: bool) -> sale_quote.CouponChoice:
    """The coupon chosen on the form: an id, "none", or nothing chosen yet (the live figures
    then preselect the member's best; a sale records only a coupon the cashier saw chosen)."""
    chosen = form["coupon"]
    if chosen.isdigit():
        return int(chosen)
    return "best" if quoting and chosen != "none" else None


def _page(station_id, form: dict, errors: dict, status: int = 200):
    me = actor()
    if me.role not in sale_quote.SALE_ROLES:
        sale_quote.sale_station(me, None)  # refused: 403
    station = sale_quote.sale_station(me, station_id) if station_id else None
    context = {
        "station": station,
        "stations": _my_stations(me) if station is None else [],
        "nozzles": _nozzles(station) if station else [],
        "form": form,
        "errors": errors,
        "methods": SALE_METHODS,
        "apps": TERMINAL_APPS,
        "sale_key": request.form.get("sale_key") or walkin_sale.new_sale_key(),
    }
    return render_template("console/counter/sale.html", **context), status


def _my_stations(me) -> list[Station]:
    query = select(Station).where(Station.id.in_(visible_station_ids(me) or {-1}))
    return list(db.session.scalars(query.order_by(Station.code)))


@bp.get("/counter/sale")
def counter_sale():
    return _page(_station_id(), _form(), {})


# The service's field names as the page calls them.
ALIASES = {"litres": "shown", "amount": "shown", "fuel": "nozzle"}


def _errors_of(err: Invalid) -> dict:
    return {ALIASES.get(name, name): message for name, message in err.fields.items()}


@bp.post("/counter/sale/quote")
def counter_sale_quote():
    """The live figures: the other of litres / amount, the member and their price, the change."""
    me = actor()
    station = sale_quote.sale_station(me, request.form.get("station_id", type=int))
    form = _form()
    volume_ml, amount_fen, errors = _figures(form)
    received = _received(form, errors)
    member = priced = None
    try:
        if form["code"]:
            member = member_code.peek(me, form["code"], station.id)
            if member is None:
                errors["code"] = "会员码无效或已失效，请让车主刷新后重新出示"
        if form["nozzle"] and (volume_ml or amount_fen):
            nozzle = int(form["nozzle"]) if form["nozzle"].isdigit() else -1
            figures = {"volume_ml": volume_ml, "amount_fen": amount_fen, "member": member}
            choice = _coupon(form, True) if member else None
            try:
                priced = sale_quote.quote(
                    station, nozzle, chain_id=me.chain_id, coupon=choice, **figures
                )
            except Invalid as err:
                if "coupon" not in err.fields:
                    raise
                errors["coupon"] = err.fields["coupon"]  # another member's, or used meanwhile
                priced = sale_quote.quote(
                    station, nozzle, chain_id=me.chain_id, coupon="best", **figures
                )
    except Invalid as err:
        errors.update(_errors_of(err))
    except member_code.CodeLocked as err:
        errors["code"] = err.message
    change = received - priced.amount_fen if priced and received is not None else None
    context = {"q": priced, "member": member, "errors": errors, "form": form, "change": change}
    return fragment("console/counter/partials/_quote.html", **context)


@bp.post("/counter/sale")
def counter_sale_record():
    me = actor()
    station_id = request.form.get("station_id", type=int)
    form = _form()
    volume_ml, amount_fen, errors = _figures(form)
    if not form["shown"]:
        errors["shown"] = "请输入加油机显示的升数或金额"
    received = _received(form, errors)
    if form["method"] == "cash" and not form["received"]:
        errors["received"] = "请输入实收现金金额"
    nozzle = int(form["nozzle"]) if form["nozzle"].isdigit() else None
    if not errors:
        payment = walkin_sale.Payment(
            form["method"], received, form["reference"], form["terminal_app"], form["code"]
        )
        try:
            sale = walkin_sale.record_sale(
                me,
                station_id,
                request.form.get("sale_key", ""),
                nozzle,
                payment,
                volume_ml=volume_ml,
                amount_fen=amount_fen,
                coupon=_coupon(form, False),
            )
        except Invalid as err:
            errors = _errors_of(err)
        else:
            args = {"order_id": sale.order_id, "width": 58, "autoprint": 1}
            return done(url_for("console.order_receipt", **args))
    return _page(station_id, form, errors, 400)


def _width() -> int:
    width = request.args.get("width", type=int)
    return width if width in receipts.WIDTHS else 58


@bp.get("/orders/<int:order_id>/receipt")
def order_receipt(order_id: int):
    """The receipt as the next print will show it; 打印 records the print (print below)."""
    receipt = receipts.receipt(actor(), order_id)
    autoprint = request.args.get("autoprint") == "1"
    context = {"r": receipt, "width": _width(), "autoprint": autoprint}
    return render_template("console/counter/receipt.html", **context)


@bp.post("/orders/<int:order_id>/receipt/print")
def order_receipt_print(order_id: int):
    """One print, counted in the audit log: the receipt for it, then the browser prints."""
    if not is_partial():
        abort(400)  # printing is the page's button (HTMX); a plain post has nothing to print
    receipt = receipts.print_receipt(actor(), order_id)
    body, status = fragment("console/counter/partials/_receipt.html", r=receipt, width=_width())
    return body, status, {"HX-Trigger-After-Settle": "receipt-printed"}

"""线上订单: the station's paid online orders waiting at the pump, live from the same events
feed as the handheld (station_events), and the walk-in driver's order found by its 8-digit
short code and confirmed through the handheld's own pickup service (lookup, preview, confirm).

The list polls with the last event id it saw: no new event answers 204 (nothing swapped), a
new one re-renders the list. static/counter_live.js announces the rows it has not seen."""

import uuid
from typing import NamedTuple

from flask import current_app, g, render_template, request

from app.console import bp
from app.console.forms import ConsoleForm
from app.console.web import actor, fragment, is_partial
from app.jsonapi.render import order_names
from app.models import Order, Station
from app.services.counter.shifts.readings import litres_to_ml, ml_to_litres
from app.services.orders import pickup, pickup_code, station_events
from app.services.orders.fueling import available_fen, max_volume_ml
from app.services.platform.errors import Invalid, ServiceError
from app.services.platform.unit_of_work import retrying
from app.services.staff import access


class PickupForm(ConsoleForm):
    """Only the CSRF token: the code, litres and token are read by name."""


class Row(NamedTuple):
    order: Order
    nozzle: int | None
    fuel: str
    code: str | None


def _station() -> Station:
    """The station asked for (head office picks one), else the first the user works at."""
    me = actor()
    wanted = request.values.get("station_id", type=int)
    if wanted is None:
        stations = access.counter_stations(me)
        wanted = stations[0].id if stations else -1
    return access.station_for_counter(me, wanted)  # PermissionDenied: 403 in Chinese


def _rows(orders: list[Order]) -> list[Row]:
    """Online orders only (a counter order was taken here), newest first, with their names."""
    online = [o for o in reversed(orders) if o.channel == "online"]
    codes = pickup.short_codes(o.id for o in online)
    rows = []
    for order in online:
        _, _, fuel, nozzle = order_names(order)
        rows.append(Row(order, nozzle, fuel, codes.get(order.id)))
    return rows


def _list_context(station: Station) -> dict:
    orders, cursor = station_events.waiting_orders(actor(), station.id)
    return {
        "station": station,
        "rows": _rows(orders),
        "cursor": cursor,
        "poll_s": current_app.config["COUNTER_LIVE_POLL_S"],
    }


@bp.get("/counter/online")
def counter_online():
    station = _station()
    return render_template(
        "console/counter/online.html",
        stations=access.counter_stations(actor()),
        form=PickupForm(formdata=None),
        panel=None,
        litres=ml_to_litres,
        **_list_context(station),
    )


@bp.get("/counter/online/list")
def counter_online_list():
    """The list again when an event came after `since`; 204 (HTMX swaps nothing) otherwise.
    A refusal answers a small block that stops polling."""
    g.partial_response = True
    try:
        station = _station()
        since = request.args.get("since", type=int) or 0
        if not station_events.since(actor(), station.id, since, limit=1):
            return "", 204
        context = _list_context(station)
    except ServiceError as err:
        block = render_template("console/counter/_live_error.html", message=err.message)
        return block, err.status
    return render_template("console/counter/_live.html", **context)


def _panel(station: Station, status: int = 200, **panel):
    """The pickup panel: a fragment for HTMX, else the whole page with it."""
    panel = {"step": "found", "litres_text": "", "error": None} | panel
    context = {"station": station, "form": PickupForm(formdata=None), "panel": panel}
    if is_partial():
        return fragment("console/counter/_pickup.html", status, litres=ml_to_litres, **context)
    page = render_template(
        "console/counter/online.html",
        stations=access.counter_stations(actor()),
        litres=ml_to_litres,
        **context,
        **_list_context(station),
    )
    return page, status


def _refused(station: Station, err: ServiceError, **panel):
    status = 400 if isinstance(err, Invalid) else err.status
    return _panel(station, status, error=err.message, **panel)


@bp.post("/counter/online/code")
def counter_pickup_code():
    """The order behind the code the driver reads out (the service counts misses)."""
    station, code = _station(), request.form.get("code", "")
    try:
        order, token = pickup_code.lookup_by_code(actor(), station.id, code)
    except ServiceError as err:
        return _refused(station, err, step="code", code=code)
    return _panel(station, order=order, token=token, **_limits(order))


def _limits(order: Order) -> dict:
    return {
        "names": order_names(order),
        "max_ml": max_volume_ml(order),
        "available_fen": available_fen(order),
    }


@bp.post("/counter/online/preview")
def counter_pickup_preview():
    """What the litres on the pump come to and what goes back; changes nothing."""
    station, token = _station(), request.form.get("token", "")
    text = request.form.get("litres", "")
    try:
        ml = litres_to_ml(text, "加油升数")
        if ml is None:
            raise Invalid({"dispensed_ml": "请输入加油升数"})
        order, fueling = pickup.preview(actor(), token, ml)
    except (ValueError, Invalid) as err:
        return _litres_refused(station, token, text, err)
    except ServiceError as err:
        return _refused(station, err, step="code")
    return _panel(
        station,
        step="preview",
        order=order,
        token=token,
        fueling=fueling,
        confirmation_id=uuid.uuid4().hex,
        litres_text=text,
        **_limits(order),
    )


def _litres_refused(station: Station, token: str, text: str, err: Exception):
    """The same order again, with what is wrong with the litres typed."""
    try:
        order = pickup.lookup(actor(), token)
    except ServiceError as gone:
        return _refused(station, gone, step="code")
    invalid = err if isinstance(err, Invalid) else Invalid(str(err))
    return _refused(station, invalid, order=order, token=token, litres_text=text, **_limits(order))


@bp.post("/counter/online/confirm")
def counter_pickup_confirm():
    """Record the litres; a form sent twice (same confirmation id) shows the first result."""
    station, form = _station(), request.form
    token, confirmation_id = form.get("token", ""), form.get("confirmation_id", "")[:64]
    try:
        ml = int(form.get("dispensed_ml", ""))
    except ValueError:
        return _refused(station, Invalid("请输入加油升数"), step="code")
    try:
        order, fueling, _ = retrying(
            lambda: pickup.confirm(actor(), token, ml, confirmation_id or None)
        )
    except ServiceError as err:
        return _refused(station, err, step="code")
    return _panel(station, step="done", order=order, fueling=fueling, names=order_names(order))

"""Fuels sold at a station, their prices per litre and scheduled price changes."""

from flask import flash, render_template, url_for

from app.console import bp
from app.console.forms import PriceForm, ToggleForm, fuel_choices, parse_yuan
from app.console.web import (
    actor,
    catalogue_required,
    done,
    fragment,
    has_errors,
    is_partial,
    managed_station,
    show_errors,
)
from app.services.catalogue import chain_prices, pricing
from app.services.platform.errors import Conflict, Invalid


def _price_form(station, posted: bool = False) -> PriceForm:
    form = PriceForm() if posted else PriceForm(formdata=None)
    form.fuel_id.choices = fuel_choices(station.chain_id)
    return form


def _context(station, form=None) -> dict:
    return {
        "station": station,
        "rows": pricing.fuel_rows(station.id),
        "form": form or _price_form(station),
        "toggle_form": ToggleForm(formdata=None),
        "head_office": chain_prices.head_office_ids(station.chain_id),
    }


def _back(station):
    return done(url_for("console.prices", station_id=station.id))


@bp.get("/stations/<int:station_id>/prices")
@catalogue_required
def prices(station_id: int):
    station = managed_station(station_id)
    return render_template("console/prices.html", **_context(station))


@bp.post("/stations/<int:station_id>/prices")
@catalogue_required
def price_schedule(station_id: int):
    """Schedule a new list and member price per litre, now or from a local date-time."""
    station = managed_station(station_id)
    form = _price_form(station, posted=True)
    status = 400
    # Every field's error at once: the form's own, then the pricing rules on what it read.
    form.validate()
    list_fen, member_fen = parse_yuan(form.list_price), parse_yuan(form.member_price)
    effective_at = form.effective_moment()
    show_errors(form, pricing.price_problems(list_fen, member_fen, effective_at))
    if not has_errors(form):
        try:
            pricing.schedule_price(
                actor(), station.id, form.fuel_id.data, list_fen, member_fen, effective_at
            )
        except Invalid as err:
            show_errors(form, err)
        else:
            flash("调价已保存" if effective_at else "新价格已生效", "success")
            if not is_partial():
                return _back(station)
            form, status = _price_form(station), 200
    if is_partial():
        context = _context(station, form)
        return fragment("console/partials/_price_form.html", status, table_oob=True, **context)
    return render_template("console/prices.html", **_context(station, form)), status


@bp.post("/stations/<int:station_id>/prices/<int:price_id>/cancel")
@catalogue_required
def price_cancel(station_id: int, price_id: int):
    station = managed_station(station_id)
    try:
        pricing.cancel_price(actor(), station.id, price_id)
    except Conflict as err:
        flash(err.message, "error")
    else:
        flash("已取消该调价", "success")
    return _table_or_back(station)


@bp.post("/stations/<int:station_id>/fuels/<int:fuel_id>/enabled")
@catalogue_required
def fuel_enabled(station_id: int, fuel_id: int):
    """Start or stop selling a fuel at the station."""
    station = managed_station(station_id)
    form = ToggleForm()
    if form.validate_on_submit():
        try:
            pricing.set_fuel_enabled(actor(), station.id, fuel_id, form.on)
        except Invalid as err:
            flash(err.message, "error")
        else:
            flash("已启用该油品" if form.on else "已停售该油品", "success")
    return _table_or_back(station)


def _table_or_back(station):
    if not is_partial():
        return _back(station)
    return fragment("console/partials/_fuel_table.html", **_context(station))

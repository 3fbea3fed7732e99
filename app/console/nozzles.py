"""Nozzles (枪) of a station: list, add, edit in place and switch on or off."""

from flask import abort, flash, render_template, url_for

from app.console import bp
from app.console.forms import NozzleForm, ToggleForm, fuel_choices
from app.console.web import (
    actor,
    catalogue_required,
    done,
    fragment,
    is_partial,
    managed_station,
    show_errors,
)
from app.services.catalogue import nozzles
from app.services.platform.errors import Invalid


def _form(station, nozzle=None, posted: bool = False) -> NozzleForm:
    form = NozzleForm() if posted else NozzleForm(formdata=None, obj=nozzle)
    form.fuel_id.choices = fuel_choices(station.chain_id)
    return form


def _nozzle(station, nozzle_id: int):
    """One of this station's nozzles, or 404."""
    found = next((n for n in nozzles.list_nozzles(station.id) if n.id == nozzle_id), None)
    if found is None:
        abort(404)
    return found


def _page(station, add_form=None, status=200):
    context = {
        "station": station,
        "nozzles": nozzles.list_nozzles(station.id),
        "form": add_form or _form(station),
        "toggle_form": ToggleForm(formdata=None),
    }
    return render_template("console/nozzles.html", **context), status


def _back(station):
    return done(url_for("console.nozzle_list", station_id=station.id))


def _row(station, nozzle, status=200):
    context = {"station": station, "nozzle": nozzle, "toggle_form": ToggleForm(formdata=None)}
    return fragment("console/partials/_nozzle_row.html", status, **context)


def _edit_row(station, nozzle, form, status=200):
    context = {"station": station, "nozzle": nozzle, "form": form}
    if is_partial():
        return fragment("console/partials/_nozzle_edit_row.html", status, **context)
    return render_template("console/nozzle_edit.html", **context), status


@bp.get("/stations/<int:station_id>/nozzles")
@catalogue_required
def nozzle_list(station_id: int):
    return _page(managed_station(station_id))


@bp.post("/stations/<int:station_id>/nozzles")
@catalogue_required
def nozzle_add(station_id: int):
    station = managed_station(station_id)
    form = _form(station, posted=True)
    status = 400
    if form.validate_on_submit() and (number := form.number_value()) is not None:
        try:
            nozzle = nozzles.add_nozzle(
                actor(), station.id, number, form.fuel_id.data, form.enabled.data
            )
        except Invalid as err:
            show_errors(form, err)
        else:
            flash(f"已添加 {nozzle.number}号枪", "success")
            if not is_partial():
                return _back(station)
            form, status = _form(station), 200
    if not is_partial():
        return _page(station, form, status)
    context = {
        "station": station,
        "form": form,
        "nozzles": nozzles.list_nozzles(station.id),
        "toggle_form": ToggleForm(formdata=None),
    }
    return fragment("console/partials/_nozzle_add.html", status, table_oob=True, **context)


@bp.get("/stations/<int:station_id>/nozzles/<int:nozzle_id>")
@catalogue_required
def nozzle_row(station_id: int, nozzle_id: int):
    """The read-only row (HTMX: leaving the edit form), or the list page."""
    station = managed_station(station_id)
    nozzle = _nozzle(station, nozzle_id)
    if not is_partial():
        return _back(station)
    return _row(station, nozzle)


@bp.get("/stations/<int:station_id>/nozzles/<int:nozzle_id>/edit")
@catalogue_required
def nozzle_edit(station_id: int, nozzle_id: int):
    station = managed_station(station_id)
    nozzle = _nozzle(station, nozzle_id)
    return _edit_row(station, nozzle, _form(station, nozzle))


@bp.post("/stations/<int:station_id>/nozzles/<int:nozzle_id>")
@catalogue_required
def nozzle_update(station_id: int, nozzle_id: int):
    station = managed_station(station_id)
    nozzle = _nozzle(station, nozzle_id)
    form = _form(station, posted=True)
    if form.validate_on_submit() and (number := form.number_value()) is not None:
        try:
            nozzle = nozzles.update_nozzle(
                actor(), station.id, nozzle.id, number, form.fuel_id.data, form.enabled.data
            )
        except Invalid as err:
            show_errors(form, err)
        else:
            flash(f"{nozzle.number}号枪已保存", "success")
            return _row(station, nozzle) if is_partial() else _back(station)
    return _edit_row(station, nozzle, form, 400)


@bp.post("/stations/<int:station_id>/nozzles/<int:nozzle_id>/enabled")
@catalogue_required
def nozzle_enabled(station_id: int, nozzle_id: int):
    """Take a nozzle out of use, or back into use."""
    station = managed_station(station_id)
    nozzle = _nozzle(station, nozzle_id)
    form = ToggleForm()
    if form.validate_on_submit():
        try:
            nozzle = nozzles.update_nozzle(
                actor(), station.id, nozzle.id, nozzle.number, nozzle.fuel_id, form.on
            )
        except Invalid as err:
            flash(err.message, "error")
        else:
            flash(f"{nozzle.number}号枪已{'启用' if form.on else '停用'}", "success")
    return _row(station, nozzle) if is_partial() else _back(station)

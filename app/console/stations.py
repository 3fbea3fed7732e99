"""Station list, creation and profile: details, opening hours and photos."""

from flask import abort, flash, render_template, request, url_for
from wtforms import SelectChoice

from app.console import bp
from app.console.forms import HoursForm, PhotoForm, StationForm
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
from app.services.catalogue import pricing, stations
from app.services.platform import clock
from app.services.platform.errors import Invalid
from app.services.staff import access


def _station_form(station=None, formdata=None) -> StationForm:
    form = StationForm(formdata=formdata, obj=station)
    form.services.choices = [SelectChoice(s) for s in stations.SERVICE_CHOICES]
    if formdata is None:
        if station is not None:
            form.fill_limits(station)
        else:
            form.fill_up_cap.data, form.max_order.data = "500.00", "2000.00"
            form.refund_approval_threshold.data = "200.00"
    return form


def _profile_page(station, status=200, station_form=None, hours_form=None, photo_form=None):
    """The profile page, with whichever of its three forms was just posted."""
    context = {
        "station": station,
        "station_form": station_form or _station_form(station),
        "hours_form": hours_form or HoursForm.for_hours(stations.station_hours(station)),
        "photo_form": photo_form or PhotoForm(formdata=None),
        "photos": stations.list_photos(station.id),
    }
    return render_template("console/station_profile.html", **context), status


SECTIONS = {
    "station_form": "console/partials/_station_form.html",
    "hours_form": "console/partials/_hours_form.html",
    "photo_form": "console/partials/_photos.html",
}


def _section(station, status: int, name: str, form):
    """After a POST to one of the profile's three forms (name, as in SECTIONS): that section
    for HTMX, the whole page otherwise."""
    if not is_partial():
        return _profile_page(station, status, **{name: form})
    extra = {"photos": stations.list_photos(station.id)} if name == "photo_form" else {}
    return fragment(SECTIONS[name], status, station=station, **{name: form}, **extra)


def _saved(station, message: str, name: str, fresh_form):
    """A section saved: say so; back to the page for a plain POST, the section with a fresh
    form for HTMX."""
    flash(message, "success")
    if not is_partial():
        return done(url_for("console.station_profile", station_id=station.id))
    return _section(station, 200, name, fresh_form)


def _state(station) -> str:
    """营业中 / 休息中 / 已停用, as drivers would see it now."""
    if not station.is_active:
        return "已停用"
    return "营业中" if clock.is_open(stations.station_hours(station), clock.utcnow()) else "休息中"


@bp.get("/stations")
@catalogue_required
def station_list():
    """The stations this staff member manages, with state, fuels and prices at a glance."""
    rows = [
        (station, _state(station), [r for r in pricing.fuel_rows(station.id) if r.enabled])
        for station in access.managed_stations(actor())
    ]
    return render_template("console/station_list.html", rows=rows)


@bp.route("/stations/new", methods=["GET", "POST"])
@catalogue_required
def station_new():
    """A chain admin adds a station."""
    if actor().role != "chain_admin":
        abort(403)
    form = _station_form(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.is_active.data = True
        return render_template("console/station_new.html", form=form)
    values = _checked(form, new_in_chain=actor().chain_id)
    if values is not None:
        try:
            station = stations.create_station(actor(), values)
        except Invalid as err:
            show_errors(form, err)
        else:
            flash(f"已创建油站：{station.name}", "success")
            return done(url_for("console.station_profile", station_id=station.id))
    return render_template("console/station_new.html", form=form), 400


def _checked(form: StationForm, new_in_chain: int | None = None) -> dict | None:
    """The profile's values if every field is right; else None, with every field's error
    shown at once (the form's own, then the station rules on the rest)."""
    form.validate()
    values = form.values()
    show_errors(form, stations.profile_problems(values, new_in_chain))
    return None if has_errors(form) else values


@bp.route("/stations/<int:station_id>", methods=["GET", "POST"])
@catalogue_required
def station_profile(station_id: int):
    station = managed_station(station_id)
    if request.method == "GET":
        return _profile_page(station)
    form = _station_form(station, formdata=request.form)
    form.code.data = station.code  # the code is fixed once created
    values = _checked(form)
    if values is not None:
        try:
            station = stations.update_station(actor(), station.id, values)
        except Invalid as err:
            show_errors(form, err)
        else:
            return _saved(station, "油站资料已保存", "station_form", _station_form(station))
    return _section(station, 400, "station_form", form)


@bp.post("/stations/<int:station_id>/hours")
@catalogue_required
def station_hours(station_id: int):
    station = managed_station(station_id)
    form = HoursForm()
    if form.validate_on_submit() and (hours := form.hours()) is not None:
        try:
            stations.set_hours(actor(), station.id, hours)
        except Invalid as err:
            for day in range(7):
                if f"day{day}" in err.fields:
                    form[f"closes{day}"].errors = [err.fields[f"day{day}"]]
        else:
            fresh = HoursForm.for_hours(stations.station_hours(station))
            return _saved(station, "营业时间已保存", "hours_form", fresh)
    return _section(station, 400, "hours_form", form)


@bp.post("/stations/<int:station_id>/photos")
@catalogue_required
def photo_upload(station_id: int):
    station = managed_station(station_id)
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            stations.add_photo(actor(), station.id, form.photo.data.read(), form.caption.data)
        except Invalid as err:
            show_errors(form, err)
        else:
            return _saved(station, "照片已上传", "photo_form", PhotoForm(formdata=None))
    return _section(station, 400, "photo_form", form)


@bp.post("/stations/<int:station_id>/photos/<int:photo_id>/delete")
@catalogue_required
def photo_delete(station_id: int, photo_id: int):
    station = managed_station(station_id)
    stations.delete_photo(actor(), station.id, photo_id)
    return _saved(station, "照片已删除", "photo_form", PhotoForm(formdata=None))


@bp.get("/stations/<int:station_id>/photos/<int:photo_id>")
@catalogue_required
def photo(station_id: int, photo_id: int):
    """A station photo, only to staff who manage that station."""
    photo = stations.get_photo(actor(), station_id, photo_id)
    headers = {
        "Content-Type": photo.content_type,
        "Cache-Control": "private, max-age=3600",
        "ETag": f'"{photo.sha256}"',
        "X-Content-Type-Options": "nosniff",
    }
    if photo.sha256 in request.if_none_match:
        return "", 304, headers
    return photo.data, 200, headers

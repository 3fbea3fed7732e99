"""日结: a station's accounting dates, one day's shifts and totals, and closing the day (which
locks its shifts). For managers and chain admins; the service checks the station."""

from datetime import date, timedelta

from flask import flash, render_template, request, url_for

from app.console import bp
from app.console.shifts import ActionForm
from app.console.web import actor, catalogue_required, done
from app.models.base import utcnow
from app.services.counter import shifts
from app.services.counter.shifts import daily
from app.services.counter.shifts.readings import ml_to_litres
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid
from app.services.platform.unit_of_work import retrying
from app.services.staff import access


def _station_id() -> int | None:
    wanted = request.values.get("station_id", type=int)
    if wanted is not None:
        return wanted
    stations = access.managed_stations(actor())
    return stations[0].id if stations else None


def _date() -> date:
    try:
        return date.fromisoformat(request.values.get("date", ""))
    except ValueError:
        return to_local(utcnow()).date() - timedelta(days=1)


def _page(station_id: int, day: date, status: int = 200, error: str = ""):
    me = actor()
    context = {
        "station": access.station_for_manager(me, station_id),
        "stations": access.managed_stations(me),
        "day": daily.day(me, station_id, day),
        "days": daily.recent_days(me, station_id),
        "form": ActionForm(formdata=None),
        "litres": ml_to_litres,
        "error": error,
    }
    return render_template("console/shifts/daily.html", **context), status


@bp.get("/daily-close")
@catalogue_required
def daily_close_page():
    station_id = _station_id()
    if station_id is None:
        return render_template("error.html", status=404, message="没有可管理的油站"), 404
    return _page(station_id, _date())


@bp.post("/daily-close")
@catalogue_required
def daily_close_submit():
    station_id, day = _station_id(), _date()
    try:
        retrying(lambda: shifts.close_day(actor(), station_id, day))
    except Invalid as err:
        return _page(station_id, day, 400, err.message)
    except Conflict as err:
        flash(err.message, "error")
    else:
        flash(f"{day.isoformat()} 已日结，当日班次已锁定", "success")
    return done(url_for("console.daily_close_page", station_id=station_id, date=day.isoformat()))

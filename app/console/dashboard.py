"""首页: what this staff member may use and, for a cashier, manager or chain admin, today's
figures (services/reports/dashboard.py) with the hourly chart. The figures block refreshes
itself over HTMX (DASHBOARD_REFRESH_S) and carries the chart's data as JSON, so the chart
follows without a page reload (static/dashboard.js)."""

from flask import current_app, g, render_template, request, url_for

from app.console import bp
from app.console.web import actor
from app.services.platform.errors import Invalid, ServiceError
from app.services.reports import dashboard


def _block(me, station_id: int | None) -> dict:
    figures = dashboard.today(me, station_id)
    hour_now, by_hour = figures.as_of_hour, enumerate(figures.today_by_hour)
    args = {"station_id": station_id} if station_id else {}
    return {
        "figures": figures,
        "refresh_s": current_app.config["DASHBOARD_REFRESH_S"],
        "refresh_url": url_for("console.dashboard_figures", **args),
        "chart": {
            "asOf": figures.as_of.isoformat(),
            "today": [fen if hour <= hour_now else None for hour, fen in by_hour],
            "lastWeek": figures.last_week_by_hour,
        },
    }


@bp.get("/")
def home():
    """The tiles; above them, for those who may see them, today's figures."""
    me = actor()
    if not dashboard.may_see(me):
        return render_template("console/home.html")
    station_id = dashboard.read_station(request.args)  # Invalid: 400 in Chinese
    stations = dashboard.stations_for(me)
    return render_template(
        "console/home.html",
        station_choices=[(s.id, s.name) for s in stations],
        **_block(me, station_id),
    )


@bp.get("/dashboard")
def dashboard_figures():
    """Only the figures block (what the block polls); a refusal as a small block that stops
    polling, with its status and the reason in Chinese."""
    g.partial_response = True
    try:
        station_id = dashboard.read_station(request.args)
        context = _block(actor(), station_id)
    except ServiceError as err:
        status = 400 if isinstance(err, Invalid) else err.status
        refused = render_template("console/partials/_dashboard_error.html", message=err.message)
        return refused, status
    return render_template("console/partials/_dashboard.html", **context)

"""The audit log of the stations this staff member manages: filtered, paged, in words."""

from flask import render_template, request, url_for
from wtforms import SelectChoice

from app.console import bp
from app.console.audit_text import ACTION_NAMES, describe
from app.console.forms import AuditFilterForm
from app.console.web import actor, catalogue_required, fragment, is_partial
from app.services.staff import access
from app.services.staff import audit_log as entries

PER_PAGE = 50


def _filter_form(me) -> AuditFilterForm:
    form = AuditFilterForm(request.args, meta={"csrf": False})
    stations = access.managed_stations(me)
    form.station_id.choices = [SelectChoice("", "全部油站")] + [
        SelectChoice(str(s.id), s.name) for s in stations
    ]
    form.person.choices = [
        SelectChoice("", "全部人员"),
        *(SelectChoice(str(s.id), f"{s.display_name}（{s.username}）") for s in entries.actors(me)),
        SelectChoice("system", "系统（自动任务）"),
    ]
    form.action.choices = [SelectChoice("", "全部操作")] + [
        SelectChoice(code, name) for code, name in ACTION_NAMES.items()
    ]
    return form


def _filters(form: AuditFilterForm) -> entries.Filters:
    person = form.person.data
    return entries.Filters(
        station_id=int(form.station_id.data) if form.station_id.data else None,
        actor_staff_id=int(person) if person and person != "system" else None,
        system_only=person == "system",
        action=form.action.data or None,
        day_from=form.day_from.data,
        day_to=form.day_to.data,
    )


def _page_url(number: int) -> str:
    """This page of the log with the same filters."""
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return url_for("console.audit_log", **args, **({"page": number} if number > 1 else {}))


@bp.get("/audit")
@catalogue_required
def audit_log():
    """Newest first; a manager sees only their stations' entries."""
    me = actor()
    station_id = request.args.get("station_id", type=int)
    if station_id is not None:
        access.station_for_manager(me, station_id)  # another's station: 403, not an empty list
    form = _filter_form(me)
    page, lines, status = None, [], 400
    if form.validate():
        page = entries.search(me, _filters(form), form.page.data or 1, PER_PAGE)
        lines, status = describe(page.entries, me.chain_id), 200
    context = {"form": form, "page": page, "lines": lines, "page_url": _page_url}
    if is_partial():
        return fragment("console/partials/_audit_log.html", status, **context)
    return render_template("console/audit.html", **context), status

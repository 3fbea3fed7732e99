"""What the banners and announcements pages share: the list with its scope and state filters,
the form (blank, filled or posted), saving it, and publish and withdraw."""

from flask import flash, render_template, request, url_for

from app.console.banner_forms import local_value
from app.console.web import actor, done, fragment, has_errors, is_partial, safe_next, show_errors
from app.models.base import utcnow
from app.services.marketing import content_scope
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid
from app.services.staff import access

PER_PAGE = 20


def list_filters() -> tuple[str, str, int]:
    """The scope and state filters and the page number of a list's query string."""
    state = request.args.get("state", "")
    if state not in content_scope.STATE_NAMES:
        state = ""
    page = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    return request.args.get("scope", ""), state, page


def scope_choices(me) -> list[tuple[str, str]]:
    """The list's scope filter: the chain, each city and each station this actor sees."""
    stations = access.managed_stations(me)
    cities = (
        content_scope.cities(me.chain_id)
        if me.role == "chain_admin"
        else sorted({s.city for s in stations})
    )
    return [
        ("", "全部范围"),
        ("chain", "全连锁"),
        *((f"city:{c}", f"城市：{c}") for c in cities),
        *((f"station:{s.id}", f"油站：{s.name}") for s in stations),
    ]


def back_url(default: str) -> str:
    """The list page (with its filters) a form was posted from."""
    target = safe_next(request.form.get("back"))
    return target if target and target.startswith(default) else default


def stamp() -> str:
    return to_local(utcnow()).strftime("%Y%m%d-%H%M")


def list_page(list_items, endpoint: str, templates: str):
    """The list as filtered (list_items(actor, scope, state, page, per_page)): the page
    templates + "_list.html", or for HTMX its rows alone, templates + "_rows.html"."""
    me = actor()
    scope_choice, state, number = list_filters()
    page = list_items(me, scope_choice, state, number, PER_PAGE)

    def page_url(n: int) -> str:
        return url_for(endpoint, scope=scope_choice or None, state=state or None, page=n)

    context = {
        "page": page,
        "scope_choice": scope_choice,
        "state": state,
        "scopes": scope_choices(me),
        "states": content_scope.STATE_NAMES,
        "page_url": page_url,
        "here": request.full_path.rstrip("?"),
    }
    if is_partial():
        return fragment(f"{templates}_rows.html", **context)
    return render_template(f"{templates}_list.html", **context)


def form_of(form_class, me, row=None):
    """The form as posted, or to show: filled from row, or blank for a new one (the actor's
    widest scope, live from now)."""
    if request.method == "POST":
        form = form_class()
        form.offer(me)
        return form
    form = form_class(formdata=None)
    form.offer(me)
    if row is not None:
        form.fill(row)
    else:
        form.scope.data = "chain" if me.role == "chain_admin" else "station"
        form.live_from.data = local_value(utcnow())
    return form


def saved(form, problems: dict, save):
    """save()'s result if neither the form's own checks nor the service (problems, every
    field's mistake) found anything; None otherwise, with every error shown at once."""
    show_errors(form, problems)
    if has_errors(form):
        return None
    try:
        return save()
    except Invalid as err:
        show_errors(form, err)
        return None


def act(action, row_id: int, message: str, list_path: str):
    """Publish, withdraw or move: action(actor, row_id), then back to the list it came from."""
    try:
        action(actor(), row_id)
    except (Conflict, Invalid) as err:
        flash(err.message, "error")
    else:
        flash(message, "success")
    return done(back_url(list_path))

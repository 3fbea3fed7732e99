"""Small helpers shared by the console views: HTMX-aware rendering, access checks, form errors."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.models import Staff, Station
from app.services.platform.errors import Conflict, Invalid
from app.services.staff import access


def actor() -> Staff:
    """The logged-in staff member as a real object (services must not get a proxy)."""
    return current_user._get_current_object()


def is_partial() -> bool:
    """An HTMX request that wants a fragment; boosted navigation and history get full pages."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def fragment(template: str, status: int = 200, **context):
    """A partial for an HTMX request, followed by the flash messages (swapped out of band)."""
    g.partial_response = True
    body = render_template(template, **context)
    body += render_template("console/partials/_flash.html", oob=True)
    return body, status


def done(url: str):
    """After a successful POST: see-other, so a reload never posts twice."""
    return redirect(url, code=303)


def go_to(url: str):
    """Leave for another page: HTMX is told to load it as a whole page, not in a fragment."""
    if request.headers.get("HX-Request") == "true":
        return "", 204, {"HX-Redirect": url}
    return redirect(url, code=303 if request.method == "POST" else 302)


def safe_next(target: str | None) -> str | None:
    """A path on this site to go back to after login; anything else (other hosts) is dropped."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read "\" as "/" and drop tabs and newlines, so "/\evil" would leave the site.
    if any(c == "\\" or ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return None
    return target


def page_url() -> str:
    """The console page a request belongs to, to come back to after logging in: the page
    itself for a page load; for a form post or a fragment, the page it came from (this site's
    console only), else the home page."""
    if request.method == "GET" and not is_partial():
        return request.full_path if request.query_string else request.path
    for header in ("HX-Current-URL", "Referer"):
        url = urlsplit(request.headers.get(header, ""))
        if url.scheme != request.scheme or url.netloc != request.host:
            continue
        path = url.path + (f"?{url.query}" if url.query else "")
        if path.startswith("/console/") and not path.startswith("/console/login"):
            return safe_next(path) or url_for("console.home")
    return url_for("console.home")


def catalogue_required(view):
    """Catalogue, staff and audit pages are for managers and chain admins only."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.role not in access.CATALOGUE_ROLES:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def managed_station(station_id: int) -> Station:
    """The station if the current user manages it; PermissionDenied/NotFound become 403/404."""
    return access.station_for_manager(actor(), station_id)


def show_errors(form, err: Invalid | dict, aliases: dict[str, str] | None = None) -> None:
    """Put a service's field messages next to the form's fields (a field that already shows
    its own error keeps it); the rest go above the form."""
    aliases = aliases or {}
    form.form_errors = list(getattr(form, "form_errors", []))
    fields = err.fields if isinstance(err, Invalid) else err
    for name, message in fields.items():
        field = getattr(form, aliases.get(name, name), None) if name else None
        if field is not None and hasattr(field, "errors"):
            if not field.errors:
                field.errors = [message]
        else:
            form.form_errors.append(message)


def has_errors(form) -> bool:
    """Any message on the form or one of its fields (WTForms caches form.errors)."""
    return bool(getattr(form, "form_errors", None)) or any(field.errors for field in form)


def refused(form, decide, said, aliases: dict[str, str] | None = None) -> bool:
    """A decision posted with a form (驳回 with its reason, say): decide() once the form passes
    its own checks, its outcome flashed (said(result), or a Conflict's message). True when the
    form or the service refuses it (Invalid, shown by its field), to show the form again."""
    if not form.validate_on_submit():
        return bool(form.errors)
    try:
        result = decide()
    except Invalid as err:
        show_errors(form, err, aliases)
        return True
    except Conflict as err:
        flash(err.message, "error")
    else:
        flash(said(result), "success")
    return False


def typed_args(names) -> dict[str, str]:
    """The query string's values for these names as typed, blanks dropped: for a list's form,
    its pager and its export link."""
    return {name: value for name in names if (value := (request.args.get(name) or "").strip())}


def page_number(highest: int = 10_000) -> int:
    """The list page asked for (1 when none); Invalid naming the field when it is not a page."""
    value = (request.args.get("page") or "1").strip()
    if not value.isdigit() or not 1 <= int(value) <= highest:
        raise Invalid({"page": f"页码应为 1 到 {highest} 的整数"})
    return int(value)

"""Small helpers shared by the console views: HTMX-aware rendering, access checks, form errors."""

from functools import wraps

from flask import abort, g, redirect, render_template, request
from flask_login import current_user

from app.models import Staff, Station
from app.services.platform.errors import Invalid
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


def show_errors(form, err: Invalid, aliases: dict[str, str] | None = None) -> None:
    """Put a service's field messages next to the form's fields; the rest above the form."""
    aliases = aliases or {}
    form.form_errors = list(getattr(form, "form_errors", []))
    for name, message in err.fields.items():
        field = getattr(form, aliases.get(name, name), None) if name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)

"""Console-wide rules: who is logged in, HTMX response headers, error pages, template filters."""

from datetime import datetime

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from app.console import bp
from app.console.web import go_to, is_partial, page_url, safe_next
from app.extensions import db
from app.models import Station
from app.services.platform import clock, money
from app.services.platform.errors import Invalid, ServiceError
from app.services.staff import access

PUBLIC_ENDPOINTS = {"console.login"}
SESSION_ENDED = "登录已过期，请重新登录，登录后回到原页面"
# Reachable while a password change is pending.
PASSWORD_CHANGE_ENDPOINTS = {"console.change_password", "console.logout", "console.login"}


@bp.before_request
def require_login():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        if request.method == "POST":
            flash(SESSION_ENDED, "info")
        # A fragment must not become a login page inside a table row: load the whole page.
        return _leave(url_for("console.login", next=page_url()))
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        return _leave(url_for("console.change_password"))
    return None


def _leave(url: str):
    return go_to(url) if is_partial() or request.method == "POST" else redirect(url)


@bp.errorhandler(CSRFError)
def page_expired(err: CSRFError):
    """A form posted after its session ended, or from a page older than the session: log in
    (again) or reload, then carry on from the same page, instead of a bare error."""
    if request.endpoint == "console.login":
        flash("页面已过期，请重新登录", "info")
        return go_to(url_for("console.login", next=safe_next(request.form.get("next"))))
    if current_user.is_authenticated:
        flash("页面已过期，请重新操作", "error")
        return go_to(page_url())
    flash(SESSION_ENDED, "info")
    return go_to(url_for("console.login", next=page_url()))


# Scripts and styles only from our own files; no framing (clickjacking), forms post only here.
CSP = (
    "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)


@bp.after_request
def console_headers(response):
    response.vary.add("HX-Request")
    if response.headers.get("Content-Disposition", "").startswith("attachment"):
        # Downloads (Excel lists of members, card secrets) are never kept by a browser or a
        # proxy: send_file has set its own "no-cache", which still lets them be stored.
        response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if (
        request.headers.get("HX-Request") == "true"
        and response.status_code >= 400
        and not g.get("partial_response")
    ):
        # An error page replaces the whole page, not the fragment the request aimed at.
        response.headers["HX-Retarget"] = "body"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


@bp.errorhandler(ServiceError)
def service_error(err: ServiceError):
    status = 400 if isinstance(err, Invalid) else err.status
    return render_template("error.html", status=status, message=err.message), status


@bp.errorhandler(429)
def too_many_requests(err):
    message = "请求过于频繁，请稍后再试"
    if request.endpoint == "console.login":
        message = "登录尝试次数过多，请一分钟后再试"
    return render_template("error.html", status=429, message=message), 429


@bp.app_template_filter("yuan")
def yuan(fen: int | None) -> str:
    return money.fen_to_yuan(fen)


@bp.app_template_filter("local_time")
def local_time(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return clock.to_local(moment).strftime(fmt) if moment else ""


@bp.app_template_filter("hhmm")
def hhmm(minutes: int) -> str:
    return clock.minutes_to_hhmm(minutes)


@bp.app_context_processor
def staff_context():
    """Who is logged in and where they work, for the page header and navigation."""
    if not current_user.is_authenticated:
        return {"may_manage": False, "my_stations": ""}
    if current_user.role == "chain_admin":
        names = "全部油站"
    else:
        query = select(Station.name).where(Station.id.in_(current_user.station_ids or {-1}))
        names = "、".join(db.session.scalars(query.order_by(Station.code))) or "未分配油站"
    return {
        "may_manage": current_user.role in access.CATALOGUE_ROLES,
        "my_stations": names,
    }

"""Console-wide rules: who is logged in, HTMX response headers, error pages, template filters."""

from datetime import datetime

from flask import g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.console import bp
from app.console.web import is_partial
from app.extensions import db
from app.models import Station
from app.services.platform import clock, money
from app.services.platform.errors import Invalid, ServiceError
from app.services.staff import access

PUBLIC_ENDPOINTS = {"console.login"}
# Reachable while a password change is pending.
PASSWORD_CHANGE_ENDPOINTS = {"console.change_password", "console.logout", "console.login"}


@bp.before_request
def require_login():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        target = request.full_path if request.query_string else request.path
        login_url = url_for("console.login", next=target)
        if is_partial():
            # A fragment must not become a login page inside a table row: reload the page.
            return "", 204, {"HX-Redirect": login_url}
        return redirect(login_url)
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        if is_partial():
            return "", 204, {"HX-Redirect": url_for("console.change_password")}
        return redirect(url_for("console.change_password"))
    return None


# Scripts and styles only from our own files; no framing (clickjacking), forms post only here.
CSP = (
    "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)


@bp.after_request
def console_headers(response):
    response.vary.add("HX-Request")
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

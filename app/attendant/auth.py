"""Staff login for the PWA (a Flask-Login session), logout, and who is logged in."""

from functools import wraps

from flask import session
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from app.api.openapi import api_route, parse_body
from app.attendant import bp
from app.attendant.schemas import LoginRequest, LoginResponse, StaffProfile
from app.errors import ApiError
from app.extensions import csrf, db
from app.login_limits import staff_login_limits
from app.models import Staff, Station
from app.services import staff_auth
from app.services.access import visible_station_ids
from app.services.pickup import STATION_ROLES


def _failed(response) -> bool:
    """Only attempts that did not log in count towards the limits."""
    return response.status_code != 200


def stations_of(staff: Staff) -> list[Station]:
    ids = visible_station_ids(staff) if staff.role in STATION_ROLES else set()
    query = select(Station).where(Station.id.in_(ids or {-1})).order_by(Station.code)
    return list(db.session.scalars(query))


def refusal(staff: Staff, stations: list[Station]) -> ApiError | None:
    """Why this (authenticated) staff member may not use the handheld, or None."""
    if staff.must_change_password:
        return ApiError(
            403, "password_change_required", "请先在管理后台修改初始密码，再登录加油终端"
        )
    if not stations:
        return ApiError(403, "no_station", "您还没有分配油站，请联系站长")
    return None


def profile(staff: Staff, stations: list[Station]) -> dict:
    return {
        "id": staff.id,
        "name": staff.display_name,
        "username": staff.username,
        "role": staff.role,
        "role_name": staff.role_name,
        "stations": [{"id": s.id, "name": s.name} for s in stations],
    }


def staff_required(view):
    """A logged-in staff member who may use the handheld; 401 / 403 JSON otherwise."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        problem = refusal(current_user, stations_of(current_user))
        if problem is not None:
            raise problem
        return view(*args, **kwargs)

    wrapper.requires_staff = True
    return wrapper


@api_route(
    bp,
    "/login",
    "POST",
    summary="加油员登录：返回员工资料和 CSRF 令牌，会话保存在 Cookie 中",
    tag="auth",
    body=LoginRequest,
    response=LoginResponse,
    statuses=(401, 403, 429),
)
@csrf.exempt  # nothing to protect before login; the answer hands out the token
@staff_login_limits(deduct_when=_failed)
def login():
    data = parse_body(LoginRequest)
    staff = staff_auth.authenticate(data.username, data.password)
    if staff is None:  # wrong name, wrong password or disabled: one answer for all
        raise ApiError(401, "invalid_credentials", "用户名或密码错误")
    stations = stations_of(staff)
    problem = refusal(staff, stations)
    if problem is not None:
        raise problem
    login_user(staff, remember=False)
    session.pop("csrf_token", None)  # a fresh token for the new session
    return {**profile(staff, stations), "csrf_token": generate_csrf()}


@api_route(bp, "/logout", "POST", summary="退出登录", tag="auth", success=204)
def logout():
    logout_user()
    return "", 204


@api_route(bp, "/me", "GET", summary="当前登录的员工", tag="auth", response=StaffProfile)
@staff_required
def me():
    return profile(current_user, stations_of(current_user))

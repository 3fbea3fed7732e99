"""Staff login for the PWA (a Flask-Login session), logout, who is logged in, and the PIN lock.

Only attendants, cashiers and managers of a station use the handheld. A session whose staff
member has a PIN locks after ATTENDANT_LOCK_MINUTES without activity (or when the app asks);
a locked session gets 423 on every call until the PIN is given again."""

import time
from functools import wraps

from flask import current_app, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from app.attendant import bp
from app.attendant.schemas import (
    LockResponse,
    LoginRequest,
    LoginResponse,
    NewPinRequest,
    PinRequest,
    StaffProfile,
)
from app.extensions import db
from app.jsonapi.errors import ApiError
from app.jsonapi.openapi import api_route, declare
from app.jsonapi.parsing import parse_body
from app.login_limits import staff_login_limits
from app.models import Staff, Station
from app.services.staff import passwords, pin_lock

HANDHELD_ROLES = ("attendant", "cashier", "manager")
SEEN_STEP_S = 15


def _failed(response) -> bool:
    """Only attempts that did not log in (or unlock) count towards the limits."""
    return response.status_code != 200


def stations_of(staff: Staff) -> list[Station]:
    ids = staff.station_ids if staff.role in HANDHELD_ROLES else set()
    query = select(Station).where(Station.id.in_(ids or {-1})).order_by(Station.code)
    return list(db.session.scalars(query))


def refusal(staff: Staff, has_station: bool) -> ApiError | None:
    """Why this (authenticated) staff member may not use the handheld, or None."""
    if staff.role not in HANDHELD_ROLES:
        return ApiError(
            403,
            "role_not_allowed",
            "加油终端只供加油员、收银员和站长使用，总部管理员请使用管理后台",
        )
    if staff.must_change_password:
        # The address this handheld reached the service at, so it works from the same network.
        address = url_for("console.change_password", _external=True)
        return ApiError(
            403,
            "password_change_required",
            "初始密码须先修改：请在浏览器中用同一账号登录管理后台修改密码，再回到加油终端登录。"
            f"管理后台地址：{address}",
        )
    if not has_station:
        return ApiError(403, "no_station", "您还没有分配油站，请联系站长")
    return None


def lock_after_s() -> int:
    return int(current_app.config["ATTENDANT_LOCK_MINUTES"] * 60)


def is_locked(staff: Staff) -> bool:
    """A session locks only when its staff member has a PIN to unlock it with."""
    if not staff.pin_hash:
        return False
    seen = session.get("seen")
    return bool(session.get("locked")) or (seen is not None and time.time() - seen > lock_after_s())


def _unlocked_now() -> None:
    session["locked"] = False
    session["seen"] = time.time()


def profile(staff: Staff, stations: list[Station]) -> dict:
    return {
        "id": staff.id,
        "name": staff.display_name,
        "username": staff.username,
        "role": staff.role,
        "role_name": staff.role_name,
        "stations": [{"id": s.id, "name": s.name} for s in stations],
        "has_pin": staff.pin_hash is not None,
        "lock_after_s": lock_after_s(),
    }


def signed_in(view):
    """login_required, as the document tells it."""
    return declare(login_required(view), view, codes=("unauthorized",), security=("session",))


def staff_required(view=None, *, activity: bool = True):
    """A logged-in staff member who may use the handheld, unlocked; 401 / 403 / 423 JSON
    otherwise. activity=False for background calls (the live list) that do not keep the
    session awake."""
    if view is None:
        return lambda v: staff_required(v, activity=activity)

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        problem = refusal(current_user, bool(current_user.station_ids))
        if problem is not None:
            raise problem
        if is_locked(current_user):
            # No session write: a late 423 would set its locked cookie over a newer unlock.
            # The lock holds anyway (the flag, or `seen` stays old until the PIN is given).
            raise ApiError(423, "locked", "已锁屏，请输入 PIN 解锁")
        # Refreshed now and then rather than on every call: fewer cookies in flight that
        # could carry an older state of the session.
        seen = session.get("seen")
        if seen is None or (activity and time.time() - seen > SEEN_STEP_S):
            session["seen"] = time.time()
        return view(*args, **kwargs)

    refusals = ("role_not_allowed", "password_change_required", "no_station", "locked")
    return declare(wrapper, view, codes=("unauthorized", *refusals), security=("session",))


@api_route(
    bp,
    "/login",
    "POST",
    summary="加油员登录：返回员工资料和 CSRF 令牌，会话保存在 Cookie 中",
    description="用员工的用户名和密码登录（加油员、收银员、站长）。成功时会话保存在 Cookie 中，"
    "答复里的 csrf_token 之后放在每个 POST 的 X-CSRFToken 请求头里。每个账号每分钟 5 次、"
    "每个地址每分钟 10 次失败尝试，超过答 429。",
    tag="auth",
    body=LoginRequest,
    response=LoginResponse,
    errors=(
        "invalid_credentials",
        "role_not_allowed",
        "password_change_required",
        "no_station",
        "too_many_requests",
    ),
)
@staff_login_limits(deduct_when=_failed)
def login():
    data = parse_body(LoginRequest)
    staff = passwords.authenticate(data.username, data.password)
    if staff is None:  # wrong name, wrong password or disabled: one answer for all
        raise ApiError(401, "invalid_credentials", "用户名或密码错误")
    stations = stations_of(staff)
    problem = refusal(staff, bool(stations))
    if problem is not None:
        raise problem
    pin_lock.reset_failures(staff)
    login_user(staff, remember=False)
    session.pop("csrf_token", None)  # a fresh token for the new session
    _unlocked_now()
    return {**profile(staff, stations), "csrf_token": generate_csrf()}


@api_route(
    bp,
    "/logout",
    "POST",
    summary="退出登录",
    description="结束这个会话（Cookie 作废）。",
    tag="auth",
    success=204,
)
def logout():
    logout_user()
    session.pop("locked", None)
    session.pop("seen", None)
    return "", 204


@api_route(
    bp,
    "/me",
    "GET",
    summary="当前登录的员工",
    description="当前会话的员工：姓名、角色、可以确认加油的油站、是否设置了 PIN。",
    tag="auth",
    response=StaffProfile,
)
@staff_required
def me():
    return profile(current_user, stations_of(current_user))


@api_route(
    bp,
    "/pin",
    "POST",
    summary="设置快速解锁 PIN（4–6 位数字）",
    description="设置或更换本账号的快速解锁 PIN：4 到 6 位数字，不能是 1111、1234、4321 这样的"
    "重复或连续数字。设置后，会话在一段时间无操作后锁屏，用 PIN 解锁。",
    tag="auth",
    body=NewPinRequest,
    success=204,
)
@staff_required
def set_pin():
    pin_lock.set_pin(current_user, parse_body(NewPinRequest).pin)
    return "", 204


@api_route(
    bp,
    "/lock",
    "POST",
    summary="锁屏：之后每个请求都返回 423，直到输入 PIN 解锁（未设置 PIN 时不锁）",
    description="立即锁屏（如加油员离开终端）：之后的请求答 423 locked，直到 POST /unlock。"
    "账号没有设置 PIN 时不锁，答 locked=false。",
    tag="auth",
    response=LockResponse,
)
@signed_in
def lock():
    locked = current_user.pin_hash is not None
    if locked:
        session["locked"] = True
    return {"locked": locked}


@api_route(
    bp,
    "/unlock",
    "POST",
    summary="输入 PIN 解锁；连续输错 5 次则会话结束，须用密码重新登录",
    description="用 PIN 解锁已锁屏的会话。PIN 错误答 403 wrong_pin；连续错 5 次，"
    "这个账号的所有会话结束（401 pin_lockout），须用密码重新登录。"
    "与登录共用每分钟的尝试次数限制。",
    tag="auth",
    body=PinRequest,
    response=StaffProfile,
    errors=("no_pin", "pin_lockout", "wrong_pin", "too_many_requests"),
)
@staff_login_limits(deduct_when=_failed)
@signed_in
def unlock():
    pin = parse_body(PinRequest).pin
    staff = current_user
    if not staff.pin_hash:
        raise ApiError(409, "no_pin", "未设置 PIN，请用密码登录")
    left = pin_lock.check_pin(staff, pin)
    if left == 0:
        logout_user()
        raise ApiError(401, "pin_lockout", "PIN 连续输错 5 次，请用密码重新登录")
    if left is not None:
        raise ApiError(403, "wrong_pin", f"PIN 错误，还可以再试 {left} 次")
    _unlocked_now()
    return profile(staff, stations_of(staff))

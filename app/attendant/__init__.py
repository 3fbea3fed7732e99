"""Attendant JSON API for the handheld PWA: staff session cookie, CSRF header on writes."""

from flask import Blueprint, request
from flask_login import current_user

from app.extensions import csrf, login_manager
from app.jsonapi import init_blueprint, openapi
from app.jsonapi.errors import body

bp = Blueprint("attendant", __name__, url_prefix="/attendant/api")
# Not logged in: Flask-Login aborts with 401 (answered as JSON) instead of redirecting to the
# console's HTML login page.
login_manager.blueprint_login_views[bp.name] = None
# The CSRF check runs below, after the session check, so a call without a session gets 401.
csrf.exempt(bp)
init_blueprint(bp)
openapi.guard_writes(
    bp, codes=("unauthorized", "csrf_failed"), security=("session", "csrf"), exempt={"login"}
)

SECURITY_SCHEMES = {
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "POST /login 得到的员工会话 Cookie（HttpOnly，SameSite=Lax）",
    },
    "csrf": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRFToken",
        "description": "登录时返回的 csrf_token；除登录外的每个 POST 都要带上，错误或缺少时答 400 "
        "csrf_failed",
    },
}
DESCRIPTION = (
    "加油终端（PWA）调用的接口。用员工账号 POST /login 登录，会话保存在 Cookie 中；"
    "除登录外的每个 POST 都要带登录时返回的 X-CSRFToken 请求头。没有会话的请求一律答 401。"
    "设置了 PIN 的会话在一段时间无操作后锁屏，之后的请求答 423，直到 POST /unlock。"
    '出错时答 {"error": {"code": "...", "message": "..."}}。'
)
UNGUARDED = {"attendant.login", "attendant.openapi_document"}


@bp.before_request
def session_then_csrf():
    """Without a session every call is a 401; with one, every write needs the CSRF token."""
    if request.endpoint in UNGUARDED:
        return
    if request.method == "POST":
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        csrf.protect()


@bp.errorhandler(429)
def too_many_requests(err):
    return body("too_many_requests", "登录尝试次数过多，请一分钟后再试"), 429


_document: dict | None = None


@bp.get("/openapi.json")
def openapi_document():
    global _document
    if _document is None:
        _document = openapi.build_document(
            "加油 Jiayou 加油员接口",
            "1.0.0",
            bp.url_prefix,
            bp.name,
            SECURITY_SCHEMES,
            DESCRIPTION,
        )
    return _document


from app.attendant import auth, live, orders  # noqa: E402, F401  (registers routes)

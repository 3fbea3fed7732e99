"""Attendant JSON API for the handheld PWA: staff session cookie, CSRF header on writes."""

from flask import Blueprint

from app.api import openapi
from app.errors import ApiError
from app.extensions import login_manager
from app.services.platform.errors import Invalid, ServiceError

bp = Blueprint("attendant", __name__, url_prefix="/attendant/api")
# Not logged in: Flask-Login aborts with 401 (answered as JSON) instead of redirecting to the
# console's HTML login page.
login_manager.blueprint_login_views[bp.name] = None

SESSION_SCHEME = {
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "POST /login 得到的员工会话 Cookie（HttpOnly，SameSite=Lax）",
    }
}
CSRF_HEADER = {
    "name": "X-CSRFToken",
    "in": "header",
    "required": True,
    "description": "登录时返回的 csrf_token；除登录外的每个 POST 都要带上",
    "schema": {"type": "string"},
}

BAD_CSRF = {
    "description": "缺少或错误的 CSRF 令牌（csrf_failed）",
    "content": {
        "application/json": {"schema": {"$ref": openapi.REF.format(model="ErrorResponse")}}
    },
}


def error(status: int, code: str, message: str):
    return {"error": {"code": code, "message": message}}, status


@bp.errorhandler(ApiError)
def api_error(err: ApiError):
    return error(err.status, err.code, err.message)


@bp.errorhandler(ServiceError)
def service_error(err: ServiceError):
    return error(
        err.status, "invalid_request" if isinstance(err, Invalid) else err.code, err.message
    )


@bp.errorhandler(429)
def too_many_requests(err):
    return error(429, "too_many_requests", "登录尝试次数过多，请一分钟后再试")


_document: dict | None = None


@bp.get("/openapi.json")
def openapi_document():
    global _document
    if _document is None:
        doc = openapi.build_document(
            "加油 Jiayou 加油员接口", "1.0.0", bp.url_prefix, bp.name, SESSION_SCHEME
        )
        for path, item in doc["paths"].items():
            if "post" in item and path != "/login":
                item["post"]["parameters"].append(dict(CSRF_HEADER))
                item["post"]["responses"].setdefault("400", BAD_CSRF)
        _document = doc
    return _document


from app.attendant import auth, live, orders  # noqa: E402, F401  (registers routes)

"""Driver JSON API for the WeChat mini-program."""

from flask import Blueprint

from app.errors import ApiError
from app.extensions import csrf
from app.services.platform.errors import Invalid, ServiceError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, no cookies: nothing for a cross-site form to ride on


@bp.errorhandler(ApiError)
def api_error(err: ApiError):
    headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else {}
    return {"error": {"code": err.code, "message": err.message}}, err.status, headers


@bp.errorhandler(ServiceError)
def service_error(err: ServiceError):
    code = "invalid_request" if isinstance(err, Invalid) else err.code
    return {"error": {"code": code, "message": err.message}}, err.status


_document: dict | None = None


@bp.get("/openapi.json")
def openapi_document():
    global _document
    if _document is None:
        _document = openapi.build_document("加油 Jiayou 车主接口", "1.0.0", bp.url_prefix)
    return _document


from app.api import auth, notify, openapi, orders, stations  # noqa: E402, F401  (registers routes)

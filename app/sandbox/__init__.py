"""Local fakes of WeChat services, mounted only when SANDBOX is on."""

from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")
csrf.exempt(bp)

from app.sandbox import wechat  # noqa: E402, F401  (registers the routes on bp)

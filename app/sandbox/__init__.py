"""Local fakes of WeChat services, mounted only when SANDBOX is on."""

from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")
csrf.exempt(bp)

# Importing the modules registers their routes on bp.
from app.sandbox import wechat, wechat_phone, wechatpay, wechatpay_tools  # noqa: E402, F401

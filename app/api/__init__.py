"""Driver JSON API for the WeChat mini-program."""

from flask import Blueprint

from app.extensions import csrf
from app.jsonapi import init_blueprint, openapi

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, no cookies: nothing for a cross-site form to ride on
init_blueprint(bp, www_authenticate="Bearer")

BEARER = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "POST /auth/wechat 得到的 token，放在 Authorization: Bearer <token> 中",
    }
}
DESCRIPTION = (
    "加油小程序调用的接口。金额都是整数分（1 元 = 100 分），升数都是整数毫升，"
    "时间是北京时间的 ISO 8601。出错时答 "
    '{"error": {"code": "...", "message": "..."}}：code 供程序判断（每个接口列出它可能的取值），'
    "message 是给司机看的中文说明。每个写操作（POST、PUT、DELETE）都要带 Idempotency-Key 请求头："
    "网络不好时用同一个键重发，只执行一次，并得到第一次的结果。"
)

_document: dict | None = None


@bp.get("/openapi.json")
def openapi_document():
    global _document
    if _document is None:
        _document = openapi.build_document(
            "加油 Jiayou 车主接口", "1.0.0", bp.url_prefix, bp.name, BEARER, DESCRIPTION
        )
    return _document


from app.api import (  # noqa: E402, F401  (registers routes)
    auth,
    banners,
    cards,
    coupons,
    members,
    notices,
    notify,
    order_coupons,
    orders,
    points,
    profile,
    stations,
    tiers,
    wallet,
)

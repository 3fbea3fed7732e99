"""Driver login with WeChat and bearer-token auth (the profile, GET /me, is in members.py)."""

from functools import wraps

from flask import current_app, g, request

from app.api import bp, render
from app.api.schemas import LoginResponse, WechatLoginRequest
from app.extensions import limiter
from app.jsonapi.errors import ApiError
from app.jsonapi.openapi import api_route, declare
from app.jsonapi.parsing import parse_body
from app.services import members


def login_rate_limit() -> str:
    return current_app.config["API_LOGIN_RATE_LIMIT"]


def require_member(view):
    """Let the view run only for a valid bearer token; the member is in g.member."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        member = None
        if scheme.lower() == "bearer" and token.strip():
            member = members.member_for_token(token.strip())
        if member is None:
            raise ApiError(401, "unauthorized", "请先登录")
        g.member = member
        return view(*args, **kwargs)

    return declare(wrapper, view, codes=("unauthorized",), security=("bearer",))


@api_route(
    bp,
    "/auth/wechat",
    "POST",
    summary="用微信 js_code 登录，换取访问令牌",
    description="用 wx.login() 得到的 js_code 换取访问令牌（有效 expires_in 秒）；"
    "第一次登录时创建会员。js_code 只能用一次，每次登录都要重新取。"
    "按来源地址限制频率（too_many_requests）。",
    tag="auth",
    body=WechatLoginRequest,
    response=LoginResponse,
    errors=(
        "invalid_code",
        "user_blocked",
        "too_many_requests",
        "wechat_rate_limited",
        "wechat_unavailable",
        "chain_not_configured",
    ),
)
@limiter.limit(login_rate_limit)
def wechat_login():
    data = parse_body(WechatLoginRequest)
    login = members.login_with_wechat(data.js_code)
    return {
        "token": login.token,
        "token_type": "Bearer",
        "expires_at": render.local_iso(login.expires_at),
        "expires_in": current_app.config["API_TOKEN_TTL_S"],
        "is_new_member": login.is_new,
        "member": render.member_profile(login.member),
    }

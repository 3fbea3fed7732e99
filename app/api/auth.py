"""Driver login with WeChat, bearer-token auth, and the member's own profile."""

from functools import wraps

from flask import current_app, g, request

from app.api import bp, render
from app.api.openapi import api_route, parse_body
from app.api.schemas import LoginResponse, MemberProfile, WechatLoginRequest
from app.errors import ApiError
from app.extensions import limiter
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

    wrapper.requires_member = True
    return wrapper


@api_route(
    bp,
    "/auth/wechat",
    "POST",
    summary="用微信 js_code 登录，换取访问令牌",
    tag="auth",
    body=WechatLoginRequest,
    response=LoginResponse,
    statuses=(403, 429, 503),
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


@api_route(bp, "/me", "GET", summary="当前会员资料", tag="auth", response=MemberProfile)
@require_member
def me():
    return render.member_profile(g.member)

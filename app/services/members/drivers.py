"""Drivers: WeChat login, the API bearer tokens, and who a token belongs to."""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.adapters.wechat_login import (
    CODE_USED,
    INVALID_CODE,
    RATE_LIMITED,
    USER_BLOCKED,
    WechatLoginClient,
    WechatLoginError,
    WechatSession,
    WechatUnavailable,
)
from app.extensions import db
from app.models import Member, MemberToken
from app.models.base import insert_unless_exists, utcnow
from app.services.catalogue.read_model import current_chain_id
from app.services.marketing import gifts
from app.services.members import statements
from app.services.platform.errors import Invalid, ServiceError
from app.services.platform.unit_of_work import end_step, unit_of_work

log = logging.getLogger(__name__)

TOKEN_BYTES = 32  # 256 bits
MAX_JS_CODE_LENGTH = 128
UNAVAILABLE = (503, "wechat_unavailable", "微信登录暂时不可用，请稍后再试")
REFUSALS = {
    INVALID_CODE: (401, "invalid_code", "登录凭证无效或已被使用，请重新登录"),
    CODE_USED: (401, "invalid_code", "登录凭证无效或已被使用，请重新登录"),
    USER_BLOCKED: (403, "user_blocked", "该微信账号存在安全风险，暂时无法登录"),
    RATE_LIMITED: (429, "wechat_rate_limited", "登录人数过多，请稍后再试"),
}


class LoginRefused(ServiceError):
    """WeChat refused the login or could not be asked; status and code say which."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


@dataclass(frozen=True)
class Login:
    token: str
    expires_at: datetime
    member: Member
    is_new: bool

    def __repr__(self) -> str:  # the token stays out of logs and tracebacks
        return f"<Login member={self.member.id}>"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login_with_wechat(js_code: str) -> Login:
    """Exchange a mini-program js_code for a new bearer token, creating the member if new.

    Two named steps: (1) WeChat's code2Session gives the driver's openid, asked with no
    transaction or connection held (the chain is read first and its transaction ended);
    (2) the member is found or created and the token stored, in one transaction."""
    if not isinstance(js_code, str) or not js_code.strip():
        raise Invalid({"js_code": "js_code 不能为空"})
    if len(js_code) > MAX_JS_CODE_LENGTH:
        raise Invalid({"js_code": f"js_code 最多 {MAX_JS_CODE_LENGTH} 个字符"})
    with unit_of_work():
        chain_id = current_chain_id()
        end_step()
        session = _code2session(js_code)
        now = utcnow()
        member, is_new = _find_or_create(chain_id, session.openid, now)
        member.wechat_session_key = session.session_key
        if session.unionid:
            member.unionid = session.unionid
        member.last_login_at = now
        token = secrets.token_urlsafe(TOKEN_BYTES)
        expires_at = now + timedelta(seconds=current_app.config["API_TOKEN_TTL_S"])
        db.session.add(
            MemberToken(
                chain_id=chain_id,
                member_id=member.id,
                token_hash=hash_token(token),
                created_at=now,
                expires_at=expires_at,
            )
        )
    log.info("member %s logged in%s", member.id, " (new)" if is_new else "")
    return Login(token, expires_at, member, is_new)


def _code2session(js_code: str) -> WechatSession:
    """WeChat's answer, or LoginRefused saying why there is none."""
    try:
        return WechatLoginClient.from_config(current_app.config).code2session(js_code)
    except WechatLoginError as err:
        if err.errcode not in REFUSALS:
            log.error("code2Session refused the login with errcode %s", err.errcode)
        raise LoginRefused(*REFUSALS.get(err.errcode, UNAVAILABLE)) from None
    except WechatUnavailable:
        raise LoginRefused(*UNAVAILABLE) from None


def _find_or_create(chain_id: int, openid: str, now: datetime) -> tuple[Member, bool]:
    """The chain's member with this openid, created if new, with the chain's join gifts (in
    this transaction). A parallel first login of the same driver waits for the other's insert
    and finds its member."""
    query = select(Member).where(Member.chain_id == chain_id, Member.openid == openid)
    member = db.session.scalars(query).one_or_none()
    if member is not None:
        return member, False
    row = {"chain_id": chain_id, "openid": openid, "created_at": now}
    created = insert_unless_exists(Member, ("chain_id", "openid"), row)
    member = db.session.scalars(query).one()
    if created:
        gifts.give_on_join(member)
    return member, created


def member_for_token(token: str) -> Member | None:
    """The member a live (unexpired, unrevoked) bearer token of this chain belongs to."""
    if not token or len(token) > 200:
        return None
    return statements.member_with_live_token(hash_token(token), current_chain_id(), utcnow())

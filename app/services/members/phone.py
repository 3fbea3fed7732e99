"""Phone binding: the code of the mini-program's getPhoneNumber button is exchanged through
WeChat (phonenumber.getPhoneNumber) for the driver's number, which is stored on the member. A
number belongs to at most one member of a chain, decided by the database's unique index
uq_member_chain_phone; a member may bind another number later, or unbind.

Only mainland numbers (+86) are taken: the member keeps the number without its country code,
and staff find members by the 11-digit number drivers say at the counter."""

import logging
import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.adapters.wechat_phone import (
    InvalidPhoneCode,
    PhoneNumber,
    WechatApiUnavailable,
    WechatRateLimited,
)
from app.extensions import db
from app.models import Member
from app.models.base import utcnow
from app.services.members.consent import ConsentRequired, has_current_consent
from app.services.members.privacy import mask_phone
from app.services.platform import gateways
from app.services.platform.errors import Conflict, Invalid, ServiceError
from app.services.platform.unit_of_work import end_step, unit_of_work

log = logging.getLogger(__name__)

MAINLAND = "86"
MAINLAND_PHONE = re.compile(r"^1\d{10}$")
MAX_CODE_LENGTH = 128
PHONE_INDEX = "uq_member_chain_phone"
INVALID_CODE = (409, "invalid_phone_code", "手机号授权已失效，请重新授权")
RATE_LIMITED = (429, "wechat_rate_limited", "获取手机号的人数过多，请稍后再试")
UNAVAILABLE = (503, "wechat_unavailable", "微信暂时无法提供手机号，请稍后再试")
NOT_MAINLAND = (409, "phone_not_supported", "暂只支持绑定中国大陆手机号（+86）")


class PhoneRefused(ServiceError):
    """WeChat gave no number for the code, or one we do not take; status and code say why."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


class PhoneTaken(Conflict):
    """Another member of the chain has this number."""

    code = "phone_taken"


def bind_phone(member: Member, code: str) -> Member:
    """Bind the number behind a getPhoneNumber `code` (single use, 5 minutes) to the member,
    who must have agreed to the current privacy notice. Binding the number the member already
    has changes nothing; binding another one replaces it.

    Two named steps: (1) the consent is checked and the step ended, so no transaction or
    connection is held while (2) WeChat's getuserphonenumber answers; (3) the number is stored
    in one transaction, the member's row locked. Two members claiming one number at once meet
    at the unique index: the second waits for the first and gets PhoneTaken, nothing stored."""
    if not isinstance(code, str) or not code.strip():
        raise Invalid({"code": "code 不能为空"})
    if len(code) > MAX_CODE_LENGTH:
        raise Invalid({"code": f"code 最多 {MAX_CODE_LENGTH} 个字符"})
    with unit_of_work(keep_loaded=True):
        member_id = member.id
        if not has_current_consent(member):
            raise ConsentRequired("请先阅读并同意隐私说明，再绑定手机号")
        end_step()
        number = _phone_number(code.strip())
        if number.country_code != MAINLAND or not MAINLAND_PHONE.match(number.phone):
            log.info("member %s offered a number outside the mainland", member_id)
            raise PhoneRefused(*NOT_MAINLAND)
        return _store(member_id, number.phone, utcnow())


def unbind_phone(member: Member) -> Member:
    """Remove the member's number (nothing to do if none is bound)."""
    with unit_of_work(keep_loaded=True):
        member = _locked(member.id)
        if member.phone:
            old = member.phone
            member.phone, member.phone_bound_at = "", None
            log.info("member %s unbound phone %s", member.id, mask_phone(old))
    return member


def _phone_number(code: str) -> PhoneNumber:
    """WeChat's number for the code, or PhoneRefused saying why there is none."""
    try:
        return gateways.wechat_phone().get_phone_number(code)
    except InvalidPhoneCode:
        raise PhoneRefused(*INVALID_CODE) from None
    except WechatRateLimited:
        raise PhoneRefused(*RATE_LIMITED) from None
    except WechatApiUnavailable:
        raise PhoneRefused(*UNAVAILABLE) from None


def _store(member_id: int, phone: str, now: datetime) -> Member:
    member = _locked(member_id)
    old = member.phone
    if old == phone:
        return member
    member.phone, member.phone_bound_at = phone, now
    try:
        db.session.flush()
    except IntegrityError as err:  # the caller's block rolls back
        if not _is_phone_index(err):
            raise
        log.info("member %s: phone %s is another member's", member_id, mask_phone(phone))
        raise PhoneTaken("该手机号已绑定其他会员，请换一个手机号或联系油站") from None
    if old:
        log.info("member %s changed phone %s -> %s", member_id, mask_phone(old), mask_phone(phone))
    else:
        log.info("member %s bound phone %s", member_id, mask_phone(phone))
    return member


def _locked(member_id: int) -> Member:
    """The member re-read under a row lock (on PostgreSQL): one change of its phone at a time."""
    query = select(Member).where(Member.id == member_id).with_for_update()
    return db.session.scalars(query.execution_options(populate_existing=True)).one()


def _is_phone_index(err: IntegrityError) -> bool:
    """The violation is uq_member_chain_phone's (PostgreSQL names it; SQLite names columns)."""
    diag = getattr(err.orig, "diag", None)
    if diag is not None:
        return getattr(diag, "constraint_name", None) == PHONE_INDEX
    return "member.chain_id, member.phone" in str(err.orig)

"""The driver's phone number (bound through WeChat's getPhoneNumber) and privacy notice."""

from flask import g

from app.api import bp
from app.api.auth import require_member
from app.api.idempotent import idempotent
from app.api.profile_schemas import (
    BindPhoneRequest,
    ConsentAnswer,
    ConsentRequest,
    PhoneBinding,
    PrivacyNotice,
)
from app.extensions import limiter
from app.jsonapi.openapi import api_route
from app.jsonapi.parsing import parse_body
from app.jsonapi.render import local_iso
from app.models import Member
from app.services.members import consent, phone
from app.services.members.privacy import mask_phone

# WeChat counts getuserphonenumber calls per mini-program: one driver must not use them all up.
PHONE_RATE_LIMIT = "10 per minute"


def phone_json(member: Member) -> dict:
    return {
        "phone": mask_phone(member.phone),
        "country_code": phone.MAINLAND if member.phone else None,
        "bound_at": local_iso(member.phone_bound_at) if member.phone else None,
    }


def member_key() -> str:
    return f"phone-bind:{g.member.id}"


@api_route(
    bp,
    "/me/phone",
    "POST",
    summary="绑定手机号（微信手机号快速验证）",
    description="把 getPhoneNumber 按钮回调的 code 交给服务器，服务器向微信换取手机号并绑定到"
    "当前会员，答打码后的号码。须先同意当前版本的隐私说明（POST /me/consent），否则答 409 "
    "consent_required。code 只能用一次、5 分钟内有效，失效答 409 invalid_phone_code，"
    "须让司机重新点按钮。只支持中国大陆手机号。一个手机号在本连锁只能绑定一个会员"
    "（409 phone_taken）；已绑定的会员再绑定另一个号码即为换绑。"
    "微信暂时不可用（503）或限流（429）时什么都不变，可用同一个 Idempotency-Key 重试。"
    "每个会员每分钟最多 10 次（too_many_requests）。",
    tag="profile",
    body=BindPhoneRequest,
    response=PhoneBinding,
    errors=(
        "invalid_phone_code",
        "consent_required",
        "phone_taken",
        "phone_not_supported",
        "too_many_requests",
        "wechat_rate_limited",
        "wechat_unavailable",
    ),
)
@require_member
@limiter.limit(PHONE_RATE_LIMIT, key_func=member_key)
@idempotent
def bind_phone():
    data = parse_body(BindPhoneRequest)
    return phone_json(phone.bind_phone(g.member, data.code))


@api_route(
    bp,
    "/me/phone",
    "DELETE",
    summary="解绑手机号",
    description="删除当前会员绑定的手机号，答解绑后的状态；没有绑定时也答 200。"
    "订单、钱包和充值记录不受影响。",
    tag="profile",
    response=PhoneBinding,
)
@require_member
def unbind_phone():
    return phone_json(phone.unbind_phone(g.member))


@api_route(
    bp,
    "/privacy-notice",
    "GET",
    summary="隐私说明",
    description="小程序首次使用和版本更新时展示给司机的隐私说明：收集哪些信息、用来做什么、"
    "谁能看到、保存多久、如何联系。司机同意后用 POST /me/consent 提交 version。无须登录。",
    tag="profile",
    response=PrivacyNotice,
    errors=("chain_not_configured",),
)
def privacy_notice():
    notice = consent.privacy_notice()
    return {
        "version": notice.version,
        "title": notice.title,
        "operator": notice.operator,
        "contact": notice.contact,
        "sections": [{"heading": h, "body": b} for h, b in notice.sections],
    }


@api_route(
    bp,
    "/me/consent",
    "POST",
    summary="同意隐私说明",
    description="记录当前会员同意了哪一版隐私说明及时间。version 不是当前版本时答 409 "
    "notice_outdated（重新获取 GET /privacy-notice 展示给司机）。再次同意同一版本，"
    "同意时间不变。",
    tag="profile",
    body=ConsentRequest,
    response=ConsentAnswer,
    errors=("notice_outdated",),
)
@require_member
@idempotent
def record_consent():
    data = parse_body(ConsentRequest)
    member = consent.record_consent(g.member, data.version)
    return {"version": member.consent_version, "consented_at": local_iso(member.consent_at)}

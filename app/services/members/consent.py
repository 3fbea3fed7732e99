"""The privacy notice the mini-program shows, and the driver's agreement to it.

The notice's words are here; its version is PRIVACY_NOTICE_VERSION (config) and must be raised
whenever the words or the contact change: every driver is then asked to agree again, and a
phone number is bound only for a driver who agreed to the current version."""

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Chain, Member
from app.models.base import utcnow
from app.services.catalogue.read_model import current_chain_id
from app.services.platform.errors import Conflict
from app.services.platform.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

TITLE = "隐私说明"
DEFAULT_CONTACT = "任一油站的收银台"
SECTIONS = (
    (
        "我们收集哪些信息，用来做什么",
        "微信身份标识（openid）：登录时由微信提供，用来识别您的会员账户。\n"
        "手机号：只有在您点击授权后才由微信提供，用于在油站按手机号找到您的会员账户、"
        "办理充值和退款时与您联系。\n"
        "车牌和车辆：由您自己填写，用于下单时预填和在油站识别您的车辆。\n"
        "订单、支付、钱包和充值记录：加油、退款、开票和对账所必需。\n"
        "位置：只在您查找附近油站时随请求发送，用于计算距离和排序，不记入您的会员资料。",
    ),
    (
        "谁能看到",
        "为您服务的油站员工可以查看您的订单、车牌和会员信息；手机号只显示部分号码"
        "（如 138****5678），确需完整号码的岗位除外。"
        "登录、手机号授权和微信支付由微信（腾讯）处理。"
        "除此之外，除非法律法规要求，我们不向任何第三方提供您的个人信息。",
    ),
    (
        "保存多久",
        "会员信息在您使用会员服务期间保存。订单、充值和钱包等资金记录是会计资料，"
        "按国家规定的会计档案期限保存，解绑手机号不会删除这些记录。",
    ),
    (
        "您的权利",
        "您可以不授权手机号，也可以随时在小程序中解绑，加油下单不受影响。"
        "如需查阅、更正或删除您的个人信息，或注销会员，请联系我们。",
    ),
)


class ConsentRequired(Conflict):
    """The member has not agreed to the current privacy notice."""

    code = "consent_required"


class NoticeOutdated(Conflict):
    """The member agreed to a version of the notice that is no longer current."""

    code = "notice_outdated"


@dataclass(frozen=True)
class Notice:
    version: str
    title: str
    operator: str  # the chain: who processes the data
    contact: str
    sections: tuple[tuple[str, str], ...]


def current_version() -> str:
    return current_app.config["PRIVACY_NOTICE_VERSION"]


def privacy_notice() -> Notice:
    """The current notice, naming the chain that runs the mini-program."""
    with unit_of_work():
        operator = db.session.scalar(select(Chain.name).where(Chain.id == current_chain_id()))
    contact = current_app.config["PRIVACY_CONTACT"] or DEFAULT_CONTACT
    sections = (*SECTIONS, ("联系我们", f"对本说明或您的个人信息有任何问题，请联系：{contact}。"))
    return Notice(current_version(), TITLE, operator or "", contact, sections)


def has_current_consent(member: Member) -> bool:
    return member.consent_at is not None and member.consent_version == current_version()


def record_consent(member: Member, version: str) -> Member:
    """The member agrees to the notice of `version`, which must be the current one (else
    NoticeOutdated: the mini-program shows the new one). Agreeing again keeps the first time."""
    if version != current_version():
        raise NoticeOutdated("隐私说明已更新，请阅读最新版本后再同意")
    with unit_of_work(keep_loaded=True):
        query = select(Member).where(Member.id == member.id).with_for_update()
        member = db.session.scalars(query.execution_options(populate_existing=True)).one()
        if member.consent_version != version or member.consent_at is None:
            member.consent_version, member.consent_at = version, utcnow()
            log.info("member %s agreed to privacy notice %s", member.id, version)
    return member

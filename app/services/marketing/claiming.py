"""The claim centre (领券中心): the templates a driver may claim now, and the claim itself, whose
stock and per-member limit the database decides (issuing.issue_coupon)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select

from app.extensions import db
from app.models import Coupon, CouponTemplate, CouponTemplateStation, Member, Station
from app.models.base import utcnow
from app.services.marketing import issuing, terms
from app.services.marketing.issuing import Ended, NotClaimable, NotStarted
from app.services.platform.clock import to_local
from app.services.platform.errors import NotFound
from app.services.platform.unit_of_work import unit_of_work

SOLD_OUT = "已领完"
LIMIT_REACHED = "已达领取上限"


@dataclass(frozen=True)
class Offer:
    """A template in the claim centre, as this member sees it."""

    template: CouponTemplate
    scope: terms.Scope
    claimed: int  # coupons of it the member has received
    reason: str | None  # why the member may not claim it now; None: they may

    @property
    def may_claim(self) -> bool:
        return self.reason is None


def _open_now(now: datetime) -> tuple:
    """An active, claimable template within its claim window and its validity."""
    return (
        CouponTemplate.status == "active",
        CouponTemplate.claimable.is_(True),
        or_(CouponTemplate.claim_starts_at.is_(None), CouponTemplate.claim_starts_at <= now),
        or_(CouponTemplate.claim_ends_at.is_(None), CouponTemplate.claim_ends_at > now),
        or_(CouponTemplate.valid_until.is_(None), CouponTemplate.valid_until > now),
    )


def offers(member: Member, station_id: int | None = None) -> list[Offer]:
    """What the member may claim now, newest first; with station_id, only templates good at
    that station. Sold-out ones and those the member has claimed up to the limit are listed
    with the reason."""
    now = utcnow()
    query = select(CouponTemplate).where(
        CouponTemplate.chain_id == member.chain_id, *_open_now(now)
    )
    if station_id is not None:
        station = db.session.get(Station, station_id)
        if station is None or station.chain_id != member.chain_id or not station.is_active:
            raise NotFound("油站不存在")
        limited = exists().where(CouponTemplateStation.template_id == CouponTemplate.id)
        here = exists().where(
            CouponTemplateStation.template_id == CouponTemplate.id,
            CouponTemplateStation.station_id == station_id,
        )
        query = query.where(or_(~limited, here))
    found = list(db.session.scalars(query.order_by(CouponTemplate.id.desc())))
    ids = [t.id for t in found]
    claimed = dict(
        db.session.execute(
            select(Coupon.template_id, func.max(Coupon.seq))
            .where(Coupon.member_id == member.id, Coupon.template_id.in_(ids or [-1]))
            .group_by(Coupon.template_id)
        )
        .tuples()
        .all()
    )
    scopes = terms.scopes(ids)
    result = []
    for template in found:
        count = claimed.get(template.id, 0)
        reason = None
        if count >= template.per_member_limit:
            reason = LIMIT_REACHED
        elif template.stock_left == 0:
            reason = SOLD_OUT
        result.append(Offer(template, scopes[template.id], count, reason))
    return result


def claim(member: Member, template_id: int):
    """The member claims one coupon of the template: one transaction. NotFound for no such
    template (or a draft, or another chain's), NotClaimable for one only given by staff,
    NotStarted before its claim window, Ended after it (or when stopped, or its validity is
    over), SoldOut and LimitReached as the database decides."""
    with unit_of_work(keep_loaded=True):
        template = db.session.get(CouponTemplate, template_id, populate_existing=True)
        if template is None or template.chain_id != member.chain_id or template.status == "draft":
            raise NotFound("优惠券不存在")
        name = template.name
        if not template.claimable:
            raise NotClaimable(f"优惠券「{name}」只能由油站发放，不能领取")
        now = utcnow()
        if template.claim_starts_at and template.claim_starts_at > now:
            starts = to_local(template.claim_starts_at).strftime("%Y-%m-%d %H:%M")
            raise NotStarted(f"优惠券「{name}」还未开始领取，{starts} 开始")
        ended = template.claim_ends_at is not None and template.claim_ends_at <= now
        if ended or template.status != "active" or terms.has_ended(template, now):
            raise Ended(f"优惠券「{name}」已结束领取")
        return issuing.issue_coupon(
            member, template, "claim", limit=template.per_member_limit, now=now
        )

"""A driver's own coupons, by what they can do with them: available (可使用, and those held on
an order not finished yet), used, or expired (过期 or voided by staff).

A coupon past its valid_until is expired from that instant, whether or not the hourly job
(marketing.expiry) has marked it yet: reads decide by the time, the job catches up the rows."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from app.extensions import db
from app.models import COUPON_STATUSES, Coupon, CouponTemplate, Member
from app.models.base import utcnow
from app.services.marketing import terms
from app.services.platform.errors import NotFound

FILTERS = {"available": "可使用", "used": "已使用", "expired": "已失效"}


@dataclass(frozen=True)
class MyCoupon:
    coupon: Coupon
    template: CouponTemplate
    scope: terms.Scope
    status: str  # the coupon's status as of now (expired once past valid_until)

    @property
    def status_name(self) -> str:
        return COUPON_STATUSES[self.status]

    @property
    def rule(self) -> str:
        return terms.rule_text(self.template)

    @property
    def validity(self) -> str:
        return terms.window_text(self.coupon.valid_from, self.coupon.valid_until)


def status_now(coupon: Coupon, now: datetime) -> str:
    if coupon.status == "available" and coupon.valid_until <= now:
        return "expired"
    return coupon.status


def _condition(which: str, now: datetime):
    if which == "available":
        return or_(
            Coupon.status == "held", and_(Coupon.status == "available", Coupon.valid_until > now)
        )
    if which == "used":
        return Coupon.status == "used"
    if which == "expired":
        return or_(
            Coupon.status.in_(("expired", "voided")),
            and_(Coupon.status == "available", Coupon.valid_until <= now),
        )
    raise ValueError(which)


ORDERS = {
    "available": (Coupon.valid_until, Coupon.id),  # the soonest to expire first
    "used": (Coupon.used_at.desc(), Coupon.id.desc()),
    "expired": (Coupon.valid_until.desc(), Coupon.id.desc()),
}


def my_coupons(
    member: Member, which: str, page: int = 1, per_page: int = 20
) -> tuple[list[MyCoupon], int]:
    """A page of the member's coupons of one kind (FILTERS), and how many there are in all."""
    now = utcnow()
    where = (Coupon.member_id == member.id, _condition(which, now))
    total = db.session.scalar(select(func.count(Coupon.id)).where(*where))
    rows = db.session.execute(
        select(Coupon, CouponTemplate)
        .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
        .where(*where)
        .order_by(*ORDERS[which])
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    scopes = terms.scopes({template.id for _, template in rows})
    items = [
        MyCoupon(coupon, template, scopes[template.id], status_now(coupon, now))
        for coupon, template in rows
    ]
    return items, total


def my_coupon(member: Member, coupon_id: int) -> MyCoupon:
    """One of the member's own coupons (NotFound for anyone else's)."""
    found = db.session.execute(
        select(Coupon, CouponTemplate)
        .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
        .where(Coupon.id == coupon_id, Coupon.member_id == member.id)
    ).first()
    if found is None:
        raise NotFound("优惠券不存在")
    coupon, template = found
    scope = terms.scopes([template.id])[template.id]
    return MyCoupon(coupon, template, scope, status_now(coupon, utcnow()))

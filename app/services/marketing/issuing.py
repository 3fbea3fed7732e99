"""Issuing a coupon: the one function every way of getting one goes through (the claim centre,
a new member's gift, a top-up package's reward, and later pushes, points and staff).

The database decides the limits, never a count read in Python: the stock is taken by
`UPDATE coupon_template SET stock_left = stock_left - 1 WHERE ... stock_left > 0` (CHECK
stock_left >= 0 behind it; the row stays locked to the end of the transaction, so concurrent
issues of one template queue there), and the member's coupons of a template are numbered by
seq with UNIQUE (template_id, member_id, seq): a claim may only take a seq up to the template's
per-member limit, and of two claims racing for the same seq one waits and then takes the
next, or finds none left under the limit."""

from datetime import datetime

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Coupon, CouponTemplate, Member, Staff
from app.models.base import insert_unless_exists, utcnow
from app.services.marketing import terms
from app.services.platform.errors import Conflict


class SoldOut(Conflict):
    code = "coupon_sold_out"


class LimitReached(Conflict):
    code = "coupon_limit_reached"


class NotStarted(Conflict):
    code = "coupon_not_started"


class Ended(Conflict):
    code = "coupon_ended"


class NotClaimable(Conflict):
    code = "coupon_not_claimable"


def issue_coupon(
    member: Member,
    template: CouponTemplate,
    source: str,
    *,
    limit: int | None = None,
    issued_by: Staff | None = None,
    topup_id: int | None = None,
    now: datetime | None = None,
) -> Coupon:
    """One coupon of an active template to the member, in the caller's transaction (which must
    roll back when this raises: a LimitReached comes after the stock was taken).

    limit: the highest seq the member may reach (a claim passes the template's per-member
    limit; gifts and rewards pass none). Ended when the template is not active or its fixed
    validity is over, SoldOut when no stock is left, LimitReached past the limit."""
    now = now or utcnow()
    if template.chain_id != member.chain_id:
        raise ValueError("a template of another chain")
    if template.status != "active" or terms.has_ended(template, now):
        raise Ended(f"优惠券「{template.name}」已停止发放")
    if template.stock_total is not None:
        taken = db.session.execute(
            update(CouponTemplate)
            .where(
                CouponTemplate.id == template.id,
                CouponTemplate.status == "active",
                CouponTemplate.stock_left > 0,
            )
            .values(stock_left=CouponTemplate.stock_left - 1)
            .returning(CouponTemplate.status)
        ).first()
        if taken is None:
            db.session.refresh(template)
            if template.status != "active":
                raise Ended(f"优惠券「{template.name}」已停止发放")
            raise SoldOut(f"优惠券「{template.name}」已领完")
    valid_from, valid_until = terms.valid_window(template, now)
    row = {
        "chain_id": member.chain_id,
        "template_id": template.id,
        "member_id": member.id,
        "status": "available",
        "source": source,
        "issued_by_id": issued_by.id if issued_by else None,
        "topup_id": topup_id,
        "received_at": now,
        "valid_from": valid_from,
        "valid_until": valid_until,
    }
    seq = _last_seq(template.id, member.id) + 1
    while True:
        if limit is not None and seq > limit:
            raise LimitReached(f"优惠券「{template.name}」每人限领 {limit} 张，您已达领取上限")
        if insert_unless_exists(Coupon, ("template_id", "member_id", "seq"), row | {"seq": seq}):
            break
        seq += 1  # a concurrent issue took this one (and committed): try the next
    query = select(Coupon).where(
        Coupon.template_id == template.id, Coupon.member_id == member.id, Coupon.seq == seq
    )
    return db.session.scalars(query).one()


def _last_seq(template_id: int, member_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.max(Coupon.seq), 0)).where(
            Coupon.template_id == template_id, Coupon.member_id == member_id
        )
    )


def received_count(template_id: int, member_id: int) -> int:
    """How many coupons of the template the member has received, in any state (seqs have no
    gaps: each issue takes the lowest free one above those committed)."""
    return _last_seq(template_id, member_id)

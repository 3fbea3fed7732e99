"""Coupons at checkout: which of a member's coupons an order may use and what each saves (the
saving is marketing.stacking's), holding one on an order when it is placed, using it when the
order is paid, and giving it back. docs/coupons.md has the rules.

Every change of a coupon here is a compare-and-set on its row, in the caller's transaction
(the order's): `available -> held` only WHERE status = 'available' and it is valid now, so of
two orders placed at once with one coupon the second waits for the first's row lock and then
finds it held (CouponUnusable; its order is not placed). A held coupon stays with its order
until the order is paid (`held -> used`), cancelled or expires unpaid (given back), even past
its valid_until: the price the driver was shown holds. Given back means available again, or
expired when its validity is over, with returned_at stamped."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select, update

from app.extensions import db
from app.models import Coupon, CouponTemplate, Member
from app.models.base import utcnow
from app.services.marketing import terms
from app.services.marketing.stacking import Breakdown, CouponRule
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict

MAX_LISTED = 200  # a member's coupons listed for one order (the soonest to expire first)


class CouponUnusable(Conflict):
    code = "coupon_unusable"


@dataclass(frozen=True)
class Option:
    """One of the member's coupons for one order: the order priced with it, or why it cannot
    be used on it."""

    coupon: Coupon
    template: CouponTemplate
    scope: terms.Scope
    breakdown: Breakdown  # the order with this coupon (no saving when it cannot be used)
    reason: str = ""  # why it cannot be used on this order; "" when it can

    @property
    def usable(self) -> bool:
        return not self.reason

    @property
    def saving_fen(self) -> int:
        return self.breakdown.coupon_fen

    @property
    def rule(self) -> CouponRule:
        return CouponRule.of(self.template)

    @property
    def rule_text(self) -> str:
        return terms.rule_text(self.template)


def _reason(option: Option, base: Breakdown, station_id: int, fuel_id: int, now) -> str:
    coupon, template, scope = option.coupon, option.template, option.scope
    if coupon.valid_from > now:
        return f"{to_local(coupon.valid_from):%Y-%m-%d %H:%M} 起可用"
    if template.station_id is not None and template.station_id != station_id:
        return "仅限发券油站使用"
    if scope.station_ids and station_id not in scope.station_ids:
        return "限" + "、".join(name for _, name in scope.stations) + "使用"
    if scope.fuel_ids and fuel_id not in scope.fuel_ids:
        return "限" + "、".join(name for _, _, name in scope.fuels) + "使用"
    value, least = option.breakdown.value_fen, template.min_spend_fen
    if value < least:
        return f"满{terms.yuan(least)}元可用，本单还差{terms.yuan(least - value)}元"
    if option.saving_fen == 0:
        return "本单无法优惠"
    if option.breakdown.pay_fen >= base.pay_fen:  # it leaves out a campaign saving more
        return "本单的活动优惠不与优惠券同享，用券不如活动优惠"
    return ""


def _option(coupon, template, scope, base: Breakdown, station_id, fuel_id, now) -> Option:
    found = Option(coupon, template, scope, base.with_coupon(CouponRule.of(template)))
    reason = _reason(found, base, station_id, fuel_id, now)
    return Option(coupon, template, scope, base, reason) if reason else found


def _rows(member_id: int, now: datetime, coupon_id: int | None = None):
    """The member's coupon, or those good now or later, as the database holds them now."""
    query = (
        select(Coupon, CouponTemplate)
        .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
        .where(Coupon.member_id == member_id)
        .execution_options(populate_existing=True)
    )
    if coupon_id is not None:
        return db.session.execute(query.where(Coupon.id == coupon_id)).all()
    query = query.where(Coupon.status == "available", Coupon.valid_until > now)
    return db.session.execute(query.order_by(Coupon.valid_until, Coupon.id).limit(MAX_LISTED))


def options(
    member: Member, station_id: int, fuel_id: int, base: Breakdown, now: datetime | None = None
) -> list[Option]:
    """The member's coupons good now or later, for an order priced base (without a coupon):
    those it may use first, the least to pay first (then the biggest saving, the soonest to
    expire), then the others with their reason. The first, if usable, is the one to suggest.
    A coupon is priced with the campaigns that stack with coupons (marketing.stacking)."""
    now = now or utcnow()
    rows = list(_rows(member.id, now))
    scopes = terms.scopes({template.id for _, template in rows})
    found = [
        _option(coupon, template, scopes[template.id], base, station_id, fuel_id, now)
        for coupon, template in rows
    ]
    usable = sorted(
        (o for o in found if o.usable),
        key=lambda o: (o.breakdown.pay_fen, -o.saving_fen, o.coupon.valid_until, o.coupon.id),
    )
    return usable + [o for o in found if not o.usable]


def choose(
    member: Member,
    coupon_id: int,
    station_id: int,
    fuel_id: int,
    base: Breakdown,
    now: datetime | None = None,
) -> Option:
    """The member's coupon for this order, or CouponUnusable saying why not."""
    now = now or utcnow()
    rows = _rows(member.id, now, coupon_id)
    if not rows:
        raise CouponUnusable("优惠券不存在")
    coupon, template = rows[0]
    if coupon.status == "held":
        raise CouponUnusable("该优惠券正用于另一笔订单，请先支付或取消那笔订单")
    if coupon.status == "used":
        raise CouponUnusable("该优惠券已使用")
    if coupon.status != "available" or coupon.valid_until <= now:
        raise CouponUnusable("该优惠券已过期或已作废")
    scope = terms.scopes([template.id])[template.id]
    option = _option(coupon, template, scope, base, station_id, fuel_id, now)
    if not option.usable:
        raise CouponUnusable(f"该优惠券不能用于本单：{option.reason}")
    return option


def hold(option: Option, order_id: int, now: datetime) -> None:
    """available -> held on the order, with the saving as placed (compare-and-set)."""
    held = db.session.execute(
        update(Coupon)
        .where(
            Coupon.id == option.coupon.id,
            Coupon.member_id == option.coupon.member_id,
            Coupon.status == "available",
            Coupon.valid_from <= now,
            Coupon.valid_until > now,
        )
        .values(status="held", order_id=order_id, held_at=now, discount_fen=option.saving_fen)
        .execution_options(synchronize_session=False)
    )
    if held.rowcount != 1:
        raise CouponUnusable("该优惠券刚刚已用于另一笔订单或已失效，请重新选择")


def use_now(option: Option, order_id: int, now: datetime) -> None:
    """available -> used on a walk-in sale, settled at once (compare-and-set)."""
    used = db.session.execute(
        update(Coupon)
        .where(
            Coupon.id == option.coupon.id,
            Coupon.member_id == option.coupon.member_id,
            Coupon.status == "available",
            Coupon.valid_from <= now,
            Coupon.valid_until > now,
        )
        .values(
            status="used",
            order_id=order_id,
            held_at=now,
            used_at=now,
            discount_fen=option.saving_fen,
        )
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        raise CouponUnusable("该优惠券刚刚已被使用或已失效，请重新选择")


def consume(order_id: int, now: datetime) -> bool:
    """held -> used when the order is paid; False when no coupon is held on it."""
    used = db.session.execute(
        update(Coupon)
        .where(Coupon.order_id == order_id, Coupon.status == "held")
        .values(status="used", used_at=now)
        .execution_options(synchronize_session=False)
    )
    return used.rowcount == 1


def give_back(order_id: int, now: datetime) -> int:
    """The coupon held or used on the order back to its member: available, or expired if its
    validity is over; how many (0 or 1)."""
    back = db.session.execute(
        update(Coupon)
        .where(Coupon.order_id == order_id, Coupon.status.in_(("held", "used")))
        .values(
            status=case((Coupon.valid_until > now, "available"), else_="expired"),
            returned_at=now,
            order_id=None,
            discount_fen=None,
            held_at=None,
            used_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    return back.rowcount


def settle(order_id: int, discount_fen: int, now: datetime) -> None:
    """At settlement: what the coupon took off the fuel dispensed; a coupon that took nothing
    off (the fuel fell short of its minimum spend) goes back to its member."""
    if discount_fen == 0:
        give_back(order_id, now)
        return
    db.session.execute(
        update(Coupon)
        .where(Coupon.order_id == order_id, Coupon.status == "used")
        .values(discount_fen=discount_fen)
        .execution_options(synchronize_session=False)
    )


def rules_of(coupon_ids) -> dict[int, CouponRule]:
    """What each coupon takes off (its template's rule, fixed since the template was
    activated), by coupon id, in one query."""
    ids = set(coupon_ids) - {None}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Coupon.id, CouponTemplate)
        .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
        .where(Coupon.id.in_(ids))
    )
    return {coupon_id: CouponRule.of(template) for coupon_id, template in rows}


def of_orders(coupon_ids) -> dict[int, tuple[Coupon, CouponTemplate]]:
    """Coupons by id with their templates, for showing orders (one query)."""
    ids = set(coupon_ids) - {None}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Coupon, CouponTemplate)
        .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
        .where(Coupon.id.in_(ids))
    )
    return {coupon.id: (coupon, template) for coupon, template in rows}

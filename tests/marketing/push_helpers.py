"""Helpers for pushes (定向发放): members in a tier, visits made through the real order services,
pushes created and read back."""

from sqlalchemy import select

from app.extensions import db
from app.models import Coupon, CouponPush, CouponPushRecipient, Member, Tier
from app.services import orders, payments
from app.services.marketing import pushes
from app.services.orders import pickup
from tests.factories import make_member
from tests.money.helpers import credit_wallet


def make_tier(world, name: str = "金卡", rank: int = 2) -> Tier:
    tier = Tier(chain_id=world.chain.id, name=name, rank=rank, threshold=rank * 100_000)
    db.session.add(tier)
    db.session.commit()
    return tier


def tier_members(world, count: int, tier: Tier, prefix: str = "o-tier") -> list[int]:
    """count members holding the tier (as the tier job would have placed them), their ids."""
    members = [
        Member(
            chain_id=world.chain.id, openid=f"{prefix}-{n}", nickname=f"车主{n}", tier_id=tier.id
        )
        for n in range(count)
    ]
    db.session.add_all(members)
    db.session.commit()
    return [m.id for m in members]


def driver(world, openid: str) -> Member:
    """A member with 1,000 元 in the wallet."""
    member = make_member(world.chain, openid)
    credit_wallet(member, 100_000)
    return member


def visit(world, member: Member, station, fuelled: bool = True):
    """50 元 of 92# ordered at the station, paid from the wallet and, unless told otherwise,
    fuelled now (the station's manager confirms the litres)."""
    member = db.session.get(Member, member.id, populate_existing=True)
    order = orders.place_order(
        member, station.id, fuel_code="92", nozzle_number=None, mode="amount", amount_fen=5_000
    )
    order = payments.pay_with_wallet(member, order.id)
    if fuelled:
        staff = world.manager_a if station.id == world.station_a.id else world.manager_b
        order = pickup.confirm_fueling(staff, pickup.token_for(order), 6_000)
    return order


def push_to(actor, template, segment: str, **fields) -> CouponPush:
    return pushes.create_push(actor, template_id=template.id, segment=segment, **fields)


def reloaded(push: CouponPush) -> CouponPush:
    db.session.expire_all()
    return db.session.get(CouponPush, push.id)


def recipients(push: CouponPush) -> dict[int, tuple]:
    """member id -> (status, reason, coupon id)."""
    db.session.expire_all()
    query = select(
        CouponPushRecipient.member_id,
        CouponPushRecipient.status,
        CouponPushRecipient.reason,
        CouponPushRecipient.coupon_id,
    ).where(CouponPushRecipient.push_id == push.id)
    return {m: (s, r, c) for m, s, r, c in db.session.execute(query)}


def pushed_coupons() -> dict[int, int]:
    """member id -> how many coupons a push gave them."""
    db.session.expire_all()
    found = db.session.scalars(select(Coupon.member_id).where(Coupon.source == "push")).all()
    counts: dict[int, int] = {}
    for member_id in found:
        counts[member_id] = counts.get(member_id, 0) + 1
    return counts

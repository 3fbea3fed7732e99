"""Helpers for coupons at checkout: a member with money in the wallet and coupons, orders placed,
paid, fuelled and settled through the real services."""

from sqlalchemy import select

from app.extensions import db
from app.models import Coupon, Member, Order
from app.services import ledger, orders, payments
from app.services.marketing import issuing
from app.services.orders import pickup
from app.services.payments import settlement
from tests.factories import make_member
from tests.marketing.helpers import active_template
from tests.money.helpers import credit_wallet


def wallet_member(world, openid: str = "o-coupon-driver", fen: int = 200_000) -> Member:
    member = make_member(world.chain, openid)
    credit_wallet(member, fen)
    return member


def give(world, member: Member, station=None, **template_changes) -> Coupon:
    """A coupon of a new active template (满100减10 unless told otherwise), given by staff."""
    template = active_template(world.admin, station, **template_changes)
    coupon = issuing.issue_coupon(member, template, "staff")
    db.session.commit()
    return coupon


def fresh(member: Member) -> Member:
    return db.session.get(Member, member.id, populate_existing=True)  # as a request loads it


def place(world, member: Member, coupon=None, **how) -> Order:
    """200 元 of 92# at station A, with the coupon if given."""
    how = {"fuel_code": "92", "nozzle_number": None, "mode": "amount", "amount_fen": 20_000} | how
    if coupon is not None:
        how["coupon_id"] = coupon.id if isinstance(coupon, Coupon) else coupon
    return orders.place_order(fresh(member), world.station_a.id, **how)


def paid(world, member: Member, coupon=None, **how) -> Order:
    order = place(world, member, coupon, **how)
    return payments.pay_with_wallet(fresh(member), order.id)


def fuel(world, order: Order, dispensed_ml: int) -> Order:
    return pickup.confirm_fueling(world.attendant_a, pickup.token_for(order), dispensed_ml)


def settle(order: Order) -> Order:
    assert settlement.settle_order(order.id)
    return reload(order)


def reload(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def coupon_now(coupon: Coupon) -> Coupon:
    db.session.expire_all()
    return db.session.get(Coupon, coupon.id)


def held_on(order_id: int) -> list[Coupon]:
    db.session.expire_all()
    return list(db.session.scalars(select(Coupon).where(Coupon.order_id == order_id)))


def wallet(member: Member) -> int:
    db.session.expire_all()
    return ledger.wallet_balance(member.id)

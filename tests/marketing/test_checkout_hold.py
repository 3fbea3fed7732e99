"""A coupon at checkout, held by the order as it is placed, used when it is paid (wallet, and
WeChat through the real notification), given back when the order is cancelled, expires unpaid
or is refunded in full before fuelling; kept when a settled order is partly refunded."""

from datetime import timedelta

import pytest
import time_machine

from app.extensions import db
from app.models import Order
from app.models.base import utcnow
from app.services import payments
from app.services.marketing.redeeming import CouponUnusable
from app.services.orders import PriceChanged
from app.services.payments import cancellation, refunds
from tests.marketing.checkout_helpers import (
    coupon_now,
    fresh,
    fuel,
    give,
    paid,
    place,
    reload,
    settle,
    wallet,
    wallet_member,
)
from tests.money.helpers import assert_ledger_ok, run_jobs
from tests.money.test_wechat_flow import user_pays, wait_for


@pytest.fixture
def member(world):
    return wallet_member(world)


def test_placing_holds_the_coupon_and_prices_the_order_with_it(world, member):
    coupon = give(world, member)  # 满100减10
    order = place(world, member, coupon)
    assert (order.amount_fen, order.coupon_id, order.coupon_fen) == (19_000, coupon.id, 1_000)
    held = coupon_now(coupon)
    assert (held.status, held.order_id, held.discount_fen) == ("held", order.id, 1_000)
    assert held.held_at is not None and held.used_at is None
    assert_ledger_ok()


def test_paying_from_the_wallet_uses_it_and_settling_books_it(world, member):
    coupon = give(world, member)
    order = paid(world, member, coupon)
    assert order.paid_fen == 19_000 and wallet(member) == 200_000 - 19_000
    assert coupon_now(coupon).status == "used" and coupon_now(coupon).used_at is not None
    order = settle(fuel(world, order, 26_700))  # 26.70 L at 7.48: 199.72 元, less 10 元
    assert (order.dispensed_fen, order.dispensed_coupon_fen) == (18_972, 1_000)
    assert order.refunded_fen == 28  # 190.00 - 189.72
    assert wallet(member) == 200_000 - 18_972
    assert (coupon_now(coupon).status, coupon_now(coupon).discount_fen) == ("used", 1_000)
    assert_ledger_ok()


def test_wechat_payment_notified_uses_it(world, member, sandbox):
    coupon = give(world, member)
    order = place(world, member, coupon)
    params = payments.pay_with_wechat(fresh(member), order.id)
    user_pays(sandbox, params)  # the notification comes through our notify endpoint
    assert wait_for(lambda: db.session.get(Order, order.id).status == "paid")
    assert reload(order).paid_fen == 19_000
    assert coupon_now(coupon).status == "used"
    assert_ledger_ok()


def test_cancelling_an_unpaid_order_gives_the_coupon_back(world, member):
    coupon = give(world, member)
    order = place(world, member, coupon)
    cancelled = cancellation.cancel_order(fresh(member), order.id)
    assert cancelled.status == "cancelled" and cancelled.coupon_id == coupon.id
    back = coupon_now(coupon)
    assert (back.status, back.order_id, back.discount_fen) == ("available", None, None)
    assert back.returned_at is not None
    again = place(world, member, coupon)  # good for the next order
    assert coupon_now(coupon).order_id == again.id
    assert_ledger_ok()


def test_cancelling_a_paid_order_refunds_it_and_gives_the_coupon_back(world, member):
    coupon = give(world, member)
    order = paid(world, member, coupon)
    cancellation.cancel_order(fresh(member), order.id)
    assert wallet(member) == 200_000  # the 190 元 paid came back
    assert coupon_now(coupon).status == "available"
    assert_ledger_ok()


def test_a_full_refund_by_staff_before_fuelling_gives_the_coupon_back(world, member):
    coupon = give(world, member)
    order = paid(world, member, coupon)
    refunds.refund_order(world.cashier_a, order.id, 19_000, "车主不加了")
    assert reload(order).status == "cancelled"
    assert coupon_now(coupon).status == "available"
    assert_ledger_ok()


def test_two_partial_refunds_reaching_the_whole_payment_give_it_back_too(world, member):
    coupon = give(world, member)
    order = paid(world, member, coupon)
    refunds.refund_order(world.cashier_a, order.id, 9_000, "少加")
    assert coupon_now(coupon).status == "used"  # still to be fuelled, for less
    refunds.refund_order(world.cashier_a, order.id, 10_000, "不加了")
    assert reload(order).status == "cancelled" and coupon_now(coupon).status == "available"
    assert_ledger_ok()


def test_an_unpaid_order_expiring_gives_the_coupon_back(world, member):
    coupon = give(world, member)
    order = place(world, member, coupon)
    assert run_jobs() == 0  # the expiry job is due in 15 minutes
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        assert run_jobs() >= 1
    assert reload(order).status == "expired"
    back = coupon_now(coupon)
    assert (back.status, back.order_id) == ("available", None) and back.returned_at
    assert_ledger_ok()


@pytest.mark.travel(hour=23, minute=50)
def test_a_coupon_running_out_while_held_stays_with_its_order_until_paid(world, member, travel):
    coupon = give(world, member, valid_days=1)  # good until 00:00 tonight
    order = place(world, member, coupon)
    travel.shift(timedelta(minutes=12))  # 00:02: past its validity, the order still payable
    payments.pay_with_wallet(fresh(member), order.id)
    assert coupon_now(coupon).status == "used"
    assert reload(order).paid_fen == 19_000  # the price the driver was shown
    assert_ledger_ok()


@pytest.mark.travel(hour=23, minute=50)
def test_a_held_coupon_given_back_after_its_validity_is_expired(world, member, travel):
    coupon = give(world, member, valid_days=1)
    order = place(world, member, coupon)
    travel.shift(timedelta(minutes=12))
    cancellation.cancel_order(fresh(member), order.id)
    back = coupon_now(coupon)
    assert (back.status, back.order_id) == ("expired", None) and back.returned_at
    assert_ledger_ok()


def test_a_settled_order_refunded_in_part_keeps_its_coupon_used(world, member):
    coupon = give(world, member)
    order = settle(fuel(world, paid(world, member, coupon), 20_000))  # 149.60 - 10 = 139.60
    refunds.refund_order(world.cashier_a, order.id, 5_000, "油品投诉，部分退款")
    used = coupon_now(coupon)
    assert (used.status, used.order_id, used.discount_fen) == ("used", order.id, 1_000)
    assert wallet(member) == 200_000 - 13_960 + 5_000
    assert_ledger_ok()


def test_a_coupon_that_cannot_be_used_is_refused_naming_why(world, member):
    other = wallet_member(world, "o-someone-else")
    cases = [
        (give(world, other), "优惠券不存在"),
        (give(world, member, fuel_ids=[world.fuels["95"].id]), "限95#汽油使用"),
        (give(world, member, station_ids=[world.station_b.id]), "限大理古城加油站使用"),
        (give(world, member, world.station_b), "仅限发券油站使用"),
        (give(world, member, min_spend_fen=30_000, off_fen=3_000), "满300元可用，本单还差100元"),
    ]
    for coupon, why in cases:
        with pytest.raises(CouponUnusable) as refused:
            place(world, member, coupon)
        assert why in refused.value.message, refused.value.message
    used = give(world, member)
    paid(world, member, used)
    with pytest.raises(CouponUnusable, match="已使用"):
        place(world, member, used)
    held = give(world, member)
    place(world, member, held)
    with pytest.raises(CouponUnusable, match="正用于另一笔订单"):
        place(world, member, held)
    assert db.session.query(Order).count() == 2  # only the two placed on purpose
    assert_ledger_ok()


def test_a_price_other_than_the_one_shown_places_nothing(world, member):
    coupon = give(world, member)
    with pytest.raises(PriceChanged, match=r"190\.00"):
        place(world, member, coupon, expected_amount_fen=20_000)  # shown without the coupon
    assert coupon_now(coupon).status == "available"
    assert place(world, member, coupon, expected_amount_fen=19_000).amount_fen == 19_000
    assert_ledger_ok()

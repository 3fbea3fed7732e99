"""One coupon on several orders at once, on PostgreSQL: the database decides (the coupon's
compare-and-set, the partial unique indexes behind it), so exactly one order gets it, the
wallet pays it once, and an order racing its own cancellation leaves the coupon consistent."""

from functools import partial

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Member, Order
from app.services import orders, payments
from app.services.marketing.redeeming import CouponUnusable
from app.services.payments import cancellation
from app.services.platform.errors import Conflict
from tests.marketing.checkout_helpers import coupon_now, give, place, wallet, wallet_member
from tests.money.helpers import assert_ledger_ok
from tests.threads import run_together, start_line


def race(app, member_id: int, calls: list) -> list[str]:
    """Each call(member) in its own thread, all released at once; what each came to."""
    outcomes, barrier = [], start_line(len(calls))

    def attempt(call):
        with app.app_context():
            member = db.session.get(Member, member_id)
            db.session.expunge(member)
            db.session.close()  # its connection back to the pool
            barrier.wait()
            try:
                outcomes.append(call(member))
            except CouponUnusable:
                outcomes.append("refused")
            except Conflict:
                outcomes.append("conflict")
            finally:
                db.session.remove()

    run_together(*(partial(attempt, call) for call in calls), barrier=barrier)
    return outcomes


def placing(world, coupon_id: int, **how):
    how = {"fuel_code": "92", "nozzle_number": None, "mode": "amount", "amount_fen": 20_000} | how

    def call(member):
        orders.place_order(member, world.station_a.id, coupon_id=coupon_id, **how)
        return "placed"

    return call


def placing_and_paying(world, coupon_id: int):
    def call(member):
        payments.place_and_pay(
            member,
            world.station_a.id,
            "wallet",
            fuel_code="92",
            nozzle_number=None,
            mode="amount",
            amount_fen=20_000,
            coupon_id=coupon_id,
        )
        return "paid"

    return call


def all_orders() -> list[Order]:
    db.session.expire_all()
    return list(db.session.scalars(select(Order).order_by(Order.id)))


def test_one_coupon_on_two_orders_placed_at_once_goes_to_one(app, world):
    member = wallet_member(world)
    coupon = give(world, member)
    outcomes = race(app, member.id, [placing(world, coupon.id), placing(world, coupon.id)])
    assert sorted(outcomes) == ["placed", "refused"]
    (order,) = all_orders()  # the refused order left nothing behind
    held = coupon_now(coupon)
    assert (held.status, held.order_id, order.coupon_id) == ("held", order.id, coupon.id)
    assert order.amount_fen == 19_000
    assert_ledger_ok()


@pytest.mark.parametrize("racers", [5, 12])
def test_one_coupon_cannot_pay_for_many_orders_at_once(app, world, racers):
    member = wallet_member(world)
    coupon = give(world, member)
    calls = [placing_and_paying(world, coupon.id) for _ in range(racers)]
    outcomes = race(app, member.id, calls)
    assert sorted(outcomes) == ["paid"] + ["refused"] * (racers - 1)
    (order,) = all_orders()
    assert (order.status, order.paid_fen) == ("paid", 19_000)
    assert wallet(member) == 200_000 - 19_000  # paid once, with the saving once
    assert coupon_now(coupon).status == "used"
    assert_ledger_ok()


def test_coupons_of_different_members_do_not_wait_for_each_other(app, world):
    drivers = [wallet_member(world, f"o-driver-{i}") for i in range(4)]
    coupons = [give(world, driver) for driver in drivers]
    barrier = start_line(len(drivers))

    def attempt(member_id, coupon_id):
        with app.app_context():
            member = db.session.get(Member, member_id)
            barrier.wait()
            placing(world, coupon_id)(member)
            db.session.remove()

    run_together(
        *(partial(attempt, d.id, c.id) for d, c in zip(drivers, coupons, strict=True)),
        barrier=barrier,
    )
    assert sorted(o.coupon_id for o in all_orders()) == sorted(c.id for c in coupons)
    assert all(coupon_now(c).status == "held" for c in coupons)
    assert_ledger_ok()


@pytest.mark.parametrize("attempt", range(3))
def test_paying_and_cancelling_at_once_leave_the_coupon_with_the_winner(app, world, attempt):
    member = wallet_member(world)
    coupon = give(world, member)
    order = place(world, member, coupon)

    def pay(m):
        payments.pay_with_wallet(m, order.id)
        return "paid"

    def cancel(m):
        cancellation.cancel_order(m, order.id)
        return "cancelled"

    outcomes = race(app, member.id, [pay, cancel])
    (final,) = all_orders()
    back = coupon_now(coupon)
    if final.status == "paid":  # the cancel read it unpaid, then lost the compare-and-set
        assert sorted(outcomes) == ["conflict", "paid"]
        assert back.status == "used" and wallet(member) == 200_000 - 19_000
    else:  # cancelled before the payment, or refunded in full after it: the coupon is back
        assert final.status == "cancelled" and "cancelled" in outcomes
        assert back.status == "available" and wallet(member) == 200_000
    assert_ledger_ok()

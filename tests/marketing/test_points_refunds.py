"""Points taken back in proportion when a settled order is refunded later: cumulative over
partial refunds, from the order's own lot first, never below zero (points already spent are
recorded as a shortfall and audited), nothing for refunds before settlement."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, PointsEntry
from app.models.base import utcnow
from app.services import payments
from app.services.counter.walkin_sale import Payment
from app.services.marketing.points import redeeming
from app.services.orders import pickup
from app.services.payments import refunds, settlement
from app.services.platform.clock import from_local, to_local
from tests.counter.helpers import code_for, member_with_wallet, order_of, sell
from tests.factories import make_member
from tests.marketing.points_helpers import (
    assert_books_ok,
    balance,
    entries,
    lots,
    make_item,
    make_rule,
)
from tests.money.helpers import credit_wallet, place
from tests.money.tier_helpers import settled_order

pytestmark = pytest.mark.travel(hour=10)


@pytest.fixture
def member(world):
    member = make_member(world.chain)
    credit_wallet(member, 200_000)
    return member


def refund(world, order, amount_fen: int):
    return refunds.refund_order(world.cashier_a, order.id, amount_fen, "油品问题，部分退款")


def test_partial_refunds_take_back_points_in_proportion_cumulatively(world, member):
    make_rule(world)
    order = settled_order(world, member)  # 149.60 元 kept: 149 points
    refund(world, order, 7_480)  # half: floor(149 x 7480 / 14960) = 74
    assert entries(member)[-1] == ("reverse", -74, 75)
    refund(world, order, 3_740)  # three quarters in all: floor(111.75) = 111, so 37 more
    assert entries(member)[-1] == ("reverse", -37, 38)
    refund(world, order, 3_740)  # all of it: the rest
    assert entries(member)[-1] == ("reverse", -38, 0)
    assert balance(member) == 0
    assert_books_ok()


def test_a_refund_of_spent_points_stops_at_zero_and_records_the_shortfall(world, member):
    make_rule(world)
    order = settled_order(world, member)  # 149
    item = make_item(world, points=100)
    redeeming.redeem(member, item.id)  # 49 left
    refund(world, order, 14_960)
    assert entries(member)[-1] == ("reverse", -49, 0)
    reverse = db.session.scalar(select(PointsEntry).where(PointsEntry.kind == "reverse"))
    assert reverse.shortfall == 100
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "points.reverse_shortfall"))
    assert audit.after == {"order_no": order.order_no, "points": 149, "taken": 49, "short": 100}
    assert audit.actor_staff_id == world.cashier_a.id
    assert_books_ok()


def test_an_order_refunded_after_its_points_were_spent_takes_nothing_more(world, member):
    make_rule(world)
    order = settled_order(world, member)
    redeeming.redeem(member, make_item(world, points=149).id)
    refund(world, order, 7_480)
    refund(world, order, 7_480)
    kinds = [(kind, delta) for kind, delta, _ in entries(member)]
    assert kinds == [("earn", 149), ("redeem", -149), ("reverse", 0), ("reverse", 0)]
    shortfalls = db.session.scalars(
        select(PointsEntry.shortfall).where(PointsEntry.kind == "reverse").order_by(PointsEntry.id)
    ).all()
    assert shortfalls == [74, 75]  # cumulative: 149 in all, none owed later
    assert balance(member) == 0
    assert_books_ok()


def test_a_refund_before_settlement_lowers_what_is_earned_and_takes_nothing_back(world, member):
    make_rule(world)
    order = place(member, world.station_a, amount_fen=20_000)
    order = payments.pay_with_wallet(member, order.id)
    refund(world, order, 2_000)  # still to be fuelled: 180 元 left
    pickup.confirm_fueling(world.attendant_a, pickup.token_for(order), 20_000)
    settlement.settle_order(order.id)  # 149.60 元 of fuel, 30.40 back
    assert entries(member) == [("earn", 149, 149)]
    assert_books_ok()


def test_a_walk_in_sale_refunded_at_the_counter_takes_its_points_back(world):
    make_rule(world)
    member = member_with_wallet(world)
    sale = sell(world, Payment("cash", received_fen=30_000, code=code_for(member)), litres=30_000)
    order = order_of(sale)  # 224.40 元: 224 points
    refunds.refund_order(world.cashier_a, order.id, 2_244, "少加了3升")  # a tenth: 22
    assert entries(member) == [("earn", 224, 224), ("reverse", -22, 202)]
    assert_books_ok()


def test_reversal_takes_from_the_orders_lot_first(world, member, travel):
    make_rule(world)
    year = to_local(utcnow()).year
    travel.move_to(from_local(datetime(year, 12, 31, 10, 0)))
    settled_order(world, member)  # 149 in this year's lot
    travel.shift(timedelta(days=1))
    order = settled_order(world, member)  # 149 in next year's
    refund(world, order, 7_480)
    assert lots(member) == {year: 149, year + 1: 75}
    assert_books_ok()

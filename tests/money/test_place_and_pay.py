"""payments.place_and_pay: the wallet places and pays in one transaction or leaves nothing; WeChat
leaves a payable order whether or not its prepay was made."""

from datetime import timedelta

import httpx
import pytest
import time_machine
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    LedgerEntry,
    LedgerTransaction,
    Member,
    Order,
    OutboxJob,
    PickupToken,
    StationEvent,
    WeChatPayment,
)
from app.models.base import utcnow
from app.services import ledger, payments
from app.services.orders import pickup
from app.services.platform.errors import Invalid, NotFound
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, credit_wallet, row_counts, run_jobs
from tests.money.test_wechat_flow import user_pays, wait_for
from tests.threads import run_together, start_line

ORDER = {"fuel_code": "92", "nozzle_number": None, "mode": "amount", "amount_fen": 20000}
WRITTEN = (Order, OutboxJob, LedgerTransaction, LedgerEntry, PickupToken, StationEvent)


def test_the_wallet_pays_what_was_placed(world):
    member = make_member(world.chain)
    credit_wallet(member, 50_000)
    placed = payments.place_and_pay(member, world.station_a.id, "wallet", **ORDER)
    assert placed.wechat_pay is None and placed.payment_error is None
    order = placed.order
    assert (order.status, order.paid_fen, order.payment_method) == ("paid", 20000, "wallet")
    assert pickup.confirm_fueling(world.attendant_a, pickup.token_for(order), 15_000)
    run_jobs()  # settles, and refunds what was not dispensed to the wallet
    db.session.expire_all()
    settled = db.session.get(Order, order.id)
    assert (settled.status, settled.dispensed_fen) == ("settled", 11_220)  # 15 L at 7.48 元
    assert ledger.wallet_balance(member.id) == 50_000 - 11_220
    assert_ledger_ok()


def test_a_wallet_short_of_money_leaves_nothing_behind(world):
    member = make_member(world.chain)
    credit_wallet(member, 19_999)
    before = row_counts(*WRITTEN)
    with pytest.raises(ledger.InsufficientBalance):
        payments.place_and_pay(member, world.station_a.id, "wallet", **ORDER)
    assert (
        row_counts(*WRITTEN) == before
    )  # no order, expiry job, posting, pickup token or station event
    assert ledger.wallet_balance(member.id) == 19_999
    assert run_jobs() == 0
    assert_ledger_ok()


@pytest.mark.parametrize("method", ["wallet", "wechat"])
def test_an_order_refused_before_paying_reaches_no_payment(world, method):
    member = make_member(world.chain)
    credit_wallet(member, 50_000)
    before = row_counts(*WRITTEN)
    with pytest.raises(Invalid):  # nozzle 2 does not sell 92#
        payments.place_and_pay(member, world.station_a.id, method, **ORDER | {"nozzle_number": 2})
    with pytest.raises(NotFound):
        payments.place_and_pay(member, 99_999, method, **ORDER)
    assert row_counts(*WRITTEN) == before
    assert db.session.scalar(select(func.count(WeChatPayment.id))) == 0
    assert ledger.wallet_balance(member.id) == 50_000
    assert_ledger_ok()


def test_many_one_call_orders_on_one_wallet_at_once_pay_what_it_holds(app, world):
    member = make_member(world.chain, openid="o-rich-enough-for-five")
    credit_wallet(member, 5 * 20000)
    member_id, outcomes, barrier = member.id, [], start_line(10)

    def place_and_pay():
        with app.app_context():
            payer = db.session.get(Member, member_id)
            barrier.wait()
            try:
                payments.place_and_pay(payer, world.station_a.id, "wallet", **ORDER)
                outcomes.append("paid")
            except ledger.InsufficientBalance:
                outcomes.append("refused")
            db.session.remove()

    run_together(*[place_and_pay] * 10, barrier=barrier)
    assert sorted(outcomes) == ["paid"] * 5 + ["refused"] * 5
    db.session.expire_all()
    assert ledger.wallet_balance(member.id) == 0
    statuses = db.session.scalars(select(Order.status)).all()
    assert statuses == ["paid"] * 5  # a refused payment left no order
    assert_ledger_ok()


def test_wechat_then_the_driver_pays_at_wechat(world, sandbox):
    member = make_member(world.chain)
    placed = payments.place_and_pay(member, world.station_a.id, "wechat", **ORDER)
    assert placed.payment_error is None
    assert (placed.order.status, placed.order.payment_method) == ("created", "wechat")
    user_pays(sandbox, placed.wechat_pay)
    assert wait_for(lambda: db.session.get(Order, placed.order.id).status == "paid")
    assert db.session.scalars(select(WeChatPayment.state)).one() == "SUCCESS"
    assert_ledger_ok()


def test_a_refused_prepay_leaves_an_order_that_pays_or_expires(world, sandbox):
    member = make_member(world.chain)
    httpx.post(sandbox + "/faults", json={"create": "SYSTEM_ERROR", "times": 1})
    placed = payments.place_and_pay(member, world.station_a.id, "wechat", **ORDER)
    assert placed.wechat_pay is None
    assert isinstance(placed.payment_error, payments.PaymentUnavailable)
    assert (placed.order.status, placed.order.payment_method) == ("created", "wechat")
    assert db.session.scalars(select(WeChatPayment.prepay_id)).one() is None
    params = payments.pay_with_wechat(member, placed.order.id)  # the driver tries again
    user_pays(sandbox, params)
    assert wait_for(lambda: db.session.get(Order, placed.order.id).status == "paid")

    httpx.post(sandbox + "/faults", json={"create": "SYSTEM_ERROR", "times": 1})
    unpaid = payments.place_and_pay(member, world.station_a.id, "wechat", **ORDER).order
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        run_jobs()  # the expiry job placed with the order closes it
    db.session.expire_all()
    assert db.session.get(Order, unpaid.id).status == "expired"
    assert_ledger_ok()

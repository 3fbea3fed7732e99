"""WeChat and wallet payment of one order at once, and a prepay that failed: no money is lost,
none is taken twice, and the order can always be paid, cancelled or expired."""

from datetime import timedelta

import httpx
import pytest
import time_machine
from sqlalchemy import select, update

from app.extensions import db
from app.models import LedgerEntry, Member, Order, Refund, WeChatPayment
from app.models.base import utcnow
from app.services import ledger, payments
from app.services.payments import cancellation, paying
from app.services.platform.errors import Conflict
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, credit_wallet, run_jobs
from tests.money.helpers import place as place_at
from tests.money.test_wechat_flow import user_pays, wait_for
from tests.threads import run_together, start_line


@pytest.fixture
def member(world):
    member = make_member(world.chain)
    credit_wallet(member, 50_000)
    return member


def place(world, member, amount_fen=20000):
    return place_at(member, world.station_a, amount_fen=amount_fen)


def test_wechat_money_for_an_order_the_wallet_paid_goes_back_to_wechat(world, member, sandbox, app):
    order = place(world, member)
    good_url = app.config["WECHATPAY_NOTIFY_URL"]
    app.config["WECHATPAY_NOTIFY_URL"] = "http://127.0.0.1:9/nowhere"
    try:
        params = payments.pay_with_wechat(member, order.id)
    finally:
        app.config["WECHATPAY_NOTIFY_URL"] = good_url
    user_pays(sandbox, params)  # ... and its notification is lost
    # The wallet request read the order before the WeChat request chose WeChat for it:
    db.session.execute(update(Order).where(Order.id == order.id).values(payment_method=None))
    db.session.commit()
    paid = payments.pay_with_wallet(member, order.id)
    assert (paid.status, paid.payment_method) == ("paid", "wallet")
    with time_machine.travel(utcnow() + timedelta(minutes=4), tick=False):
        run_jobs()  # the reconcile job learns WeChat was paid too
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert (order.status, order.payment_method, order.paid_fen, order.refunded_fen) == (
        "paid",
        "wallet",
        20000,
        0,
    )
    refund = db.session.scalars(select(Refund)).one()
    assert (refund.method, refund.amount_fen) == ("wechat", 20000)
    assert wait_for(lambda: db.session.get(Refund, refund.id).status == "SUCCESS")
    assert ledger.wallet_balance(member.id) == 30_000
    clearing = db.session.scalars(
        select(LedgerEntry.amount_fen).where(LedgerEntry.account == "wechat_clearing")
    ).all()
    assert sum(clearing) == 0  # what came in from WeChat went back out
    assert_ledger_ok()


def test_wallet_cannot_pay_an_order_that_chose_wechat_meanwhile(world, member):
    order = place(world, member)
    # The WeChat request marked the order after the wallet request had read it.
    db.session.execute(update(Order).where(Order.id == order.id).values(payment_method="wechat"))
    db.session.commit()
    assert not paying._mark_paid(order, "wallet", [], "order.pay.wallet")
    db.session.rollback()
    assert db.session.get(Order, order.id).status == "created"
    assert ledger.wallet_balance(member.id) == 50_000


def test_failed_prepay_leaves_an_order_that_can_still_be_paid_or_cancelled(world, member, sandbox):
    order = place(world, member)
    httpx.post(sandbox + "/faults", json={"create": "SYSTEM_ERROR", "times": 1})
    with pytest.raises(payments.PaymentUnavailable):
        payments.pay_with_wechat(member, order.id)
    assert payments.pay_with_wallet(member, order.id).status == "paid"
    other = place(world, member, 5000)
    httpx.post(sandbox + "/faults", json={"create": "SYSTEM_ERROR", "times": 1})
    with pytest.raises(payments.PaymentUnavailable):
        payments.pay_with_wechat(member, other.id)
    assert cancellation.cancel_order(member, other.id).status == "cancelled"
    third = place(world, member, 5000)
    httpx.post(sandbox + "/faults", json={"create": "SYSTEM_ERROR", "times": 1})
    with pytest.raises(payments.PaymentUnavailable):
        payments.pay_with_wechat(member, third.id)
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        run_jobs()
    db.session.expire_all()
    assert db.session.get(Order, third.id).status == "expired"
    assert_ledger_ok()


def test_after_a_failed_wallet_attempt_wechat_pays_with_a_new_prepay(world, sandbox):
    member = make_member(world.chain, openid="o-short-of-money")
    credit_wallet(member, 1000)
    order = place(world, member)
    first = payments.pay_with_wechat(member, order.id)
    with pytest.raises(ledger.InsufficientBalance):
        payments.pay_with_wallet(member, order.id)  # closes the WeChat prepay first
    second = payments.pay_with_wechat(member, order.id)
    assert second["package"] != first["package"]
    assert httpx.post(sandbox + "/pay", json=first).status_code == 409  # closed at WeChat
    user_pays(sandbox, second)
    assert wait_for(lambda: db.session.get(Order, order.id).status == "paid")
    payment = db.session.scalars(select(WeChatPayment)).one()
    assert payment.out_trade_no.startswith(order.order_no + "P")
    assert ledger.wallet_balance(member.id) == 1000
    with pytest.raises(Conflict):
        payments.pay_with_wallet(member, order.id)
    assert_ledger_ok()


def test_paying_and_cancelling_one_members_orders_at_once_never_deadlock(app, world):
    """Paying takes the order, the wallet, then the station; cancelling a paid order must take
    them in the same order (its wallet refund before its station event), or the two wait on
    each other and the database kills one."""
    member = make_member(world.chain, openid="o-busy-driver")
    credit_wallet(member, 100_000)
    to_pay = [place(world, member, 1000).id for _ in range(20)]
    to_cancel = [
        payments.pay_with_wallet(member, place(world, member, 1000).id).id for _ in range(20)
    ]
    member_id, outcomes, barrier = member.id, [], start_line(4)

    def work(action, ids):
        def run():
            with app.app_context():
                driver = db.session.get(Member, member_id)
                barrier.wait()
                for order_id in ids:
                    outcomes.append(action(driver, order_id).status)
                db.session.remove()

        return run

    run_together(
        work(payments.pay_with_wallet, to_pay[0::2]),
        work(payments.pay_with_wallet, to_pay[1::2]),
        work(cancellation.cancel_order, to_cancel[0::2]),
        work(cancellation.cancel_order, to_cancel[1::2]),
        barrier=barrier,
    )
    assert sorted(outcomes) == ["cancelled"] * 20 + ["paid"] * 20
    db.session.expire_all()
    assert ledger.wallet_balance(member.id) == 100_000 - 20 * 1000
    assert_ledger_ok()

"""WeChat Pay end to end through the sandbox over real HTTP: prepay, the user pays, the signed
notification arrives at our notify endpoint, refunds go back through WeChat."""

import time
from datetime import timedelta

import httpx
import pytest
import time_machine
from sqlalchemy import func, select

from app.extensions import db
from app.models import LedgerEntry, Order, PaymentEvent, Refund, WeChatPayment
from app.models.base import utcnow
from app.services import payments
from app.services.orders import pickup
from app.services.payments import cancellation
from app.services.platform import gateways
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, run_jobs
from tests.money.helpers import place as place_at


@pytest.fixture
def member(world):
    return make_member(world.chain)


def wait_for(predicate, seconds=10.0):
    """Poll (bounded) for an asynchronous delivery from the sandbox."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        if predicate():
            return True
        time.sleep(0.05)
    return False


def place(world, member, amount_fen=20000):
    return place_at(member, world.station_a, amount_fen=amount_fen)


def user_pays(sandbox, params):
    answer = httpx.post(sandbox + "/pay", json=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_pay_notify_confirm_and_refund_the_difference(world, member, sandbox):
    order = place(world, member)
    params = payments.pay_with_wechat(member, order.id)
    assert params["package"].startswith("prepay_id=") and params["signType"] == "RSA"
    assert payments.pay_with_wechat(member, order.id)["package"] == params["package"]
    user_pays(sandbox, params)  # the sandbox checks paySign like the WeChat client
    assert wait_for(lambda: db.session.get(Order, order.id).status == "paid")
    order = db.session.get(Order, order.id)
    assert (order.paid_fen, order.payment_method) == (20000, "wechat")
    assert db.session.scalar(select(func.count(PaymentEvent.id))) == 1
    pickup.confirm_fueling(world.attendant_a, pickup.token_for(order), 20_000)
    run_jobs()  # settles, then sends the refund of 50.40 元 to WeChat
    refund = db.session.scalars(select(Refund)).one()
    assert (refund.method, refund.amount_fen) == ("wechat", 5040)
    assert refund.status in ("PROCESSING", "SUCCESS")
    assert wait_for(lambda: db.session.get(Refund, refund.id).status == "SUCCESS")
    db.session.refresh(order)
    assert (order.status, order.refunded_fen) == ("settled", 5040)
    assert_ledger_ok()


def test_lost_notification_is_settled_by_the_query_job(world, member, sandbox, app):
    order = place(world, member)
    good_url = app.config["WECHATPAY_NOTIFY_URL"]
    app.config["WECHATPAY_NOTIFY_URL"] = "http://127.0.0.1:9/nowhere"  # every delivery is lost
    try:
        params = payments.pay_with_wechat(member, order.id)
    finally:
        app.config["WECHATPAY_NOTIFY_URL"] = good_url
    user_pays(sandbox, params)
    assert not wait_for(lambda: db.session.get(Order, order.id).status != "created", seconds=1)
    with time_machine.travel(utcnow() + timedelta(minutes=4), tick=False):
        run_jobs()  # the reconcile job asks WeChat and finds it paid
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "paid"
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 2
    assert_ledger_ok()


def test_unpaid_order_is_closed_at_wechat_when_it_expires(world, member, sandbox):
    order = place(world, member)
    params = payments.pay_with_wechat(member, order.id)
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        run_jobs()
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "expired"
    assert db.session.scalars(select(WeChatPayment)).one().state == "CLOSED"
    refused = httpx.post(sandbox + "/pay", json=params, timeout=10)
    assert refused.status_code == 409  # WeChat will not take money for a closed order


def test_cancel_paid_wechat_order_refunds_in_full(world, member, sandbox):
    order = place(world, member)
    user_pays(sandbox, payments.pay_with_wechat(member, order.id))
    assert wait_for(lambda: db.session.get(Order, order.id).status == "paid")
    cancelled = cancellation.cancel_order(member, db.session.get(Order, order.id).id)
    assert (cancelled.status, cancelled.refunded_fen) == ("cancelled", 20000)
    run_jobs()
    assert wait_for(lambda: db.session.scalars(select(Refund)).one().status == "SUCCESS")
    assert_ledger_ok()


def test_refund_system_error_is_retried_with_the_same_number(world, member, sandbox):
    order = place(world, member)
    user_pays(sandbox, payments.pay_with_wechat(member, order.id))
    assert wait_for(lambda: db.session.get(Order, order.id).status == "paid")
    httpx.post(sandbox + "/faults", json={"refund": "SYSTEM_ERROR", "times": 1})
    cancellation.cancel_order(member, order.id)
    run_jobs()
    refund = db.session.scalars(select(Refund)).one()
    assert (refund.status, refund.attempts) == ("PENDING", 1)
    assert "SYSTEM_ERROR" in refund.last_error
    with time_machine.travel(utcnow() + timedelta(minutes=1), tick=False):
        run_jobs()
    assert wait_for(lambda: db.session.get(Refund, refund.id).status == "SUCCESS")
    at_wechat = httpx.get(
        sandbox + "/notifications", params={"out_refund_no": refund.out_refund_no}
    ).json()["notifications"]
    assert [n["event_type"] for n in at_wechat] == ["REFUND.SUCCESS"]  # one refund, not two
    assert at_wechat[0]["resource_plain"]["refund_id"] == refund.wechat_refund_id
    assert_ledger_ok()


def test_abnormal_refund_is_tracked_and_money_stays_owed(world, member, sandbox):
    order = place(world, member)
    user_pays(sandbox, payments.pay_with_wechat(member, order.id))
    assert wait_for(lambda: db.session.get(Order, order.id).status == "paid")
    httpx.post(sandbox + "/faults", json={"refund_outcome": "ABNORMAL", "times": 1})
    cancellation.cancel_order(member, order.id)
    run_jobs()
    refund_id = db.session.scalars(select(Refund.id)).one()
    assert wait_for(lambda: db.session.get(Refund, refund_id).status == "ABNORMAL")

    # The refund stays owed to the driver (refunds owed, no longer under way at WeChat), and
    # nothing is taken out of WeChat clearing.
    def balance(account):
        query = select(func.sum(LedgerEntry.amount_fen)).where(LedgerEntry.account == account)
        return db.session.scalar(query)

    assert (balance("refunds_owed"), balance("refunds_payable")) == (-20000, 0)
    assert balance("wechat_clearing") == 20000
    assert_ledger_ok()


def test_refund_with_lost_notifications_is_finished_by_the_query_job(world, member, sandbox, app):
    order = place(world, member)
    user_pays(sandbox, payments.pay_with_wechat(member, order.id))
    assert wait_for(lambda: db.session.get(Order, order.id).status == "paid")
    cancellation.cancel_order(member, order.id)
    good_url = app.config["WECHATPAY_NOTIFY_URL"]
    app.config["WECHATPAY_NOTIFY_URL"] = "http://127.0.0.1:9/nowhere"
    try:
        run_jobs()  # the refund goes to WeChat with a notify_url nobody answers
    finally:
        app.config["WECHATPAY_NOTIFY_URL"] = good_url
    refund = db.session.scalars(select(Refund)).one()
    refund_id, out_refund_no = refund.id, refund.out_refund_no
    assert refund.status == "PROCESSING"
    at_wechat = gateways.wechat_pay()
    # WeChat finishes a refund a moment after accepting it; until our job asks, we don't know.
    assert wait_for(lambda: at_wechat.query_refund(out_refund_no)["status"] == "SUCCESS")
    assert db.session.get(Refund, refund_id).status == "PROCESSING"
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
        run_jobs()
    db.session.expire_all()
    assert db.session.get(Refund, refund_id).status == "SUCCESS"
    assert_ledger_ok()

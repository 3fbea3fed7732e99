"""Trying to break a top-up's crediting through POST /api/v1/payments/wechat/notify: the same
notification 15 times, one after another and all at once, many events for one payment, and a
tampered amount."""

from types import SimpleNamespace

import httpx
import pytest

from app.extensions import db
from app.models import LedgerTransaction, PaymentEvent, Topup, WeChatPayment
from app.services.members import top_ups
from tests.api.wechat_notifications import COPIES, NOTIFY_PATH, deliver_at_once
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, count
from tests.money.topup_helpers import balances, make_package


@pytest.fixture
def topup(world, live_server):
    """A top-up of 500 元 (30 元 bonus) with a real prepay at the sandbox, not paid yet."""
    httpx.delete(live_server.url + "/sandbox/wechatpay/faults").raise_for_status()
    member = make_member(world.chain)
    started = top_ups.start_topup(member, make_package(world.chain, world.station_a).id)
    return started.topup


def transaction(notifier, topup, **changes) -> dict:
    """WeChat's TRANSACTION.SUCCESS resource for the top-up (its number is the out_trade_no)."""
    paid = SimpleNamespace(order_no=topup.topup_no, amount_fen=topup.principal_fen, id=topup.id)
    return notifier.transaction(paid, **changes)


def credited_once(topup) -> None:
    db.session.expire_all()
    stored = db.session.get(Topup, topup.id)
    assert (stored.status, stored.transaction_id is not None) == ("credited", True)
    assert balances(stored.member_id) == (50_000, 3_000)
    assert count(LedgerTransaction, LedgerTransaction.kind == "topup.wechat") == 1
    assert count(LedgerTransaction) == 1
    assert count(WeChatPayment) == 0  # never taken for an order's payment
    assert_ledger_ok()


def not_credited(topup) -> None:
    db.session.expire_all()
    stored = db.session.get(Topup, topup.id)
    assert (stored.status, stored.transaction_id) == ("pending", None)
    assert balances(stored.member_id) == (0, 0)
    assert count(PaymentEvent) == 0 and count(LedgerTransaction) == 0
    assert_ledger_ok()


def deliver(client, notifier, body: bytes):
    return client.post(NOTIFY_PATH, data=body, headers=notifier.headers(body))


def test_same_notification_delivered_15_times_credits_once(client, notifier, topup):
    body = notifier.body(transaction(notifier, topup))
    for _ in range(COPIES):  # each try signed afresh, as WeChat Pay does
        assert deliver(client, notifier, body).status_code == 204
    assert count(PaymentEvent) == 1
    credited_once(topup)


def test_same_notification_delivered_15_times_at_once_credits_once(live_server, notifier, topup):
    body = notifier.body(transaction(notifier, topup))
    signed = [(body, notifier.headers(body)) for _ in range(COPIES)]
    assert deliver_at_once(live_server.url, signed) == [204] * COPIES
    assert count(PaymentEvent) == 1
    credited_once(topup)


def test_one_payment_told_by_many_events_at_once_credits_once(live_server, notifier, topup):
    plain = transaction(notifier, topup)
    bodies = [notifier.body(plain) for _ in range(8)]
    signed = [(body, notifier.headers(body)) for body in bodies]
    assert deliver_at_once(live_server.url, signed) == [204] * len(bodies)
    credited_once(topup)


def test_tampered_amount_is_refused_and_the_genuine_one_still_credits(client, notifier, topup):
    plain = transaction(notifier, topup)
    forged = {**plain, "amount": {**plain["amount"], "total": 5_000_000, "payer_total": 5_000_000}}
    answer = deliver(client, notifier, notifier.body(forged, event_id="EV-topup"))
    assert answer.status_code == 400 and answer.get_json()["code"] == "FAIL"
    not_credited(topup)
    genuine = notifier.body(plain, event_id="EV-topup")
    assert deliver(client, notifier, genuine).status_code == 204
    credited_once(topup)


@pytest.mark.parametrize(
    "changes",
    [{"mchid": "1900000999"}, {"appid": "wx0000000000000bad"}, {"trade_state": "NOTPAY"}],
    ids=["wrong-mchid", "wrong-appid", "not-paid"],
)
def test_validly_signed_but_wrong_transaction_credits_nothing(client, notifier, topup, changes):
    answer = deliver(client, notifier, notifier.body(transaction(notifier, topup, **changes)))
    assert answer.status_code == (204 if "trade_state" in changes else 400)
    not_credited(topup)


def test_unknown_topup_number_is_refused(client, notifier, topup):
    body = notifier.body(transaction(notifier, topup, out_trade_no="T00000000000000000000000"))
    assert deliver(client, notifier, body).status_code == 400
    not_credited(topup)

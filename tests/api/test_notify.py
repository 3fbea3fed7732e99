"""Trying to break POST /api/v1/payments/wechat/notify: repeats, races, forgeries, tampering."""

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    LedgerTransaction,
    Member,
    Order,
    PaymentEvent,
    PickupToken,
    Refund,
    WeChatPayment,
)
from app.services import ledger, payments
from app.services.payments import cancellation
from tests.api.wechat_notifications import COPIES, NOTIFY_PATH, Notifier, deliver_at_once
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, count, place


@pytest.fixture
def order(world, live_server):
    """A created order with a real WeChat prepay at the sandbox (the driver has not paid)."""
    httpx.delete(live_server.url + "/sandbox/wechatpay/faults").raise_for_status()
    member = make_member(world.chain)
    placed = place(member, world.station_a, amount_fen=20000)
    payments.pay_with_wechat(member, placed.id)
    assert db.session.scalars(select(WeChatPayment)).one().prepay_id
    return placed


def deliver(client, body: bytes, headers: dict):
    return client.post(NOTIFY_PATH, data=body, headers=headers)


def paid_once(order: Order) -> None:
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert (order.status, order.paid_fen, order.payment_method) == ("paid", 20000, "wechat")
    assert count(PaymentEvent) == 1
    assert count(LedgerTransaction, LedgerTransaction.kind == "order.pay.wechat") == 1
    assert count(LedgerTransaction) == 1
    assert count(PickupToken) == 1
    assert db.session.scalars(select(WeChatPayment)).one().state == "SUCCESS"
    assert_ledger_ok()


def untouched(order: Order) -> None:
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert (order.status, order.paid_fen, order.paid_at) == ("created", 0, None)
    assert count(PaymentEvent) == 0 and count(LedgerTransaction) == 0
    assert count(PickupToken) == 0
    payment = db.session.scalars(select(WeChatPayment)).one()
    assert (payment.state, payment.transaction_id) == ("NOTPAY", None)
    assert ledger.check() == []


def refused(answer, status: int) -> None:
    assert answer.status_code == status, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["code"] == "FAIL" and body["message"]


def test_same_notification_delivered_15_times_pays_once(client, notifier, order):
    body = notifier.body(notifier.transaction(order))
    for _ in range(COPIES):  # each try signed afresh, as WeChat Pay does
        assert deliver(client, body, notifier.headers(body)).status_code == 204
    paid_once(order)


def test_same_notification_delivered_15_times_at_once_pays_once(live_server, notifier, order):
    body = notifier.body(notifier.transaction(order))
    signed = [(body, notifier.headers(body)) for _ in range(COPIES)]
    assert deliver_at_once(live_server.url, signed) == [204] * COPIES
    paid_once(order)


def test_one_payment_told_by_many_events_at_once_pays_once(live_server, notifier, order):
    """Different event ids for one transaction (e.g. a redelivery racing a query) still pay once."""
    plain = notifier.transaction(order)
    bodies = [notifier.body(plain) for _ in range(8)]
    signed = [(body, notifier.headers(body)) for body in bodies]
    assert deliver_at_once(live_server.url, signed) == [204] * len(bodies)
    db.session.expire_all()
    assert count(LedgerTransaction, LedgerTransaction.kind == "order.pay.wechat") == 1
    assert db.session.get(Order, order.id).paid_fen == 20000
    assert_ledger_ok()


def test_tampered_amount_is_refused_and_does_not_burn_the_event(client, notifier, order):
    plain = notifier.transaction(order)
    forged = {**plain, "amount": {**plain["amount"], "total": 1, "payer_total": 1}}
    body = notifier.body(forged, event_id="EV-same-id")
    refused(deliver(client, body, notifier.headers(body)), 400)
    untouched(order)
    # The genuine notification with that event id is still applied.
    genuine = notifier.body(plain, event_id="EV-same-id")
    assert deliver(client, genuine, notifier.headers(genuine)).status_code == 204
    paid_once(order)


@pytest.mark.parametrize(
    "changes",
    [
        {"mchid": "1900000999"},
        {"appid": "wx0000000000000bad"},
        {"trade_state": "NOTPAY"},
    ],
    ids=["wrong-mchid", "wrong-appid", "not-paid"],
)
def test_validly_signed_but_wrong_transaction_changes_nothing(client, notifier, order, changes):
    body = notifier.body(notifier.transaction(order, **changes))
    answer = deliver(client, body, notifier.headers(body))
    if "trade_state" in changes:
        assert answer.status_code == 204  # acknowledged, but not a payment
    else:
        refused(answer, 400)
    untouched(order)


def test_wrong_currency_is_refused(client, notifier, order):
    plain = notifier.transaction(order)
    body = notifier.body({**plain, "amount": {**plain["amount"], "currency": "USD"}})
    refused(deliver(client, body, notifier.headers(body)), 400)
    untouched(order)


def test_body_altered_after_signing_is_401(client, notifier, order):
    body = notifier.body(notifier.transaction(order))
    headers = notifier.headers(body)
    altered = body.replace(b'"summary":"', b'"summary":"X')
    assert altered != body
    refused(deliver(client, altered, headers), 401)
    untouched(order)


def test_body_signed_by_someone_else_is_401(app, client, notifier, order):
    from cryptography.hazmat.primitives.asymmetric import rsa

    body = notifier.body(notifier.transaction(order))
    impostor = Notifier(app.config)
    impostor.keys = type(notifier.keys)(
        **{**vars(notifier.keys), "platform_key": rsa.generate_private_key(65537, 2048)}
    )
    refused(deliver(client, body, impostor.headers(body)), 401)
    untouched(order)


@pytest.mark.parametrize("minutes", [6, -6])
def test_stale_or_future_timestamp_is_401(client, notifier, order, minutes):
    body = notifier.body(notifier.transaction(order))
    refused(deliver(client, body, notifier.headers(body, age=timedelta(minutes=minutes))), 401)
    untouched(order)


def test_timestamp_four_minutes_old_is_still_accepted(client, notifier, order):
    body = notifier.body(notifier.transaction(order))
    assert (
        deliver(client, body, notifier.headers(body, age=timedelta(minutes=4))).status_code == 204
    )
    paid_once(order)


def test_signtest_probe_is_401(client, notifier, order):
    body = notifier.body(notifier.transaction(order))
    headers = notifier.headers(body)
    headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"]
    refused(deliver(client, body, headers), 401)
    untouched(order)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Wechatpay-Serial", "PUB_KEY_ID_0000000000000000000000000000"),
        ("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA1024"),
        ("Wechatpay-Nonce", None),
        ("Wechatpay-Timestamp", "not-a-time"),
    ],
)
def test_bad_signature_headers_are_401(client, notifier, order, header, value):
    body = notifier.body(notifier.transaction(order))
    headers = notifier.headers(body)
    if value is None:
        del headers[header]
    else:
        headers[header] = value
    refused(deliver(client, body, headers), 401)
    untouched(order)


def test_certificate_mode_signature_is_accepted(client, notifier, order):
    body = notifier.body(notifier.transaction(order))
    headers = notifier.headers(body, mode="certificate")
    assert not headers["Wechatpay-Serial"].startswith("PUB_KEY_ID_")
    assert deliver(client, body, headers).status_code == 204
    paid_once(order)


def test_resource_sealed_with_another_key_is_refused(client, notifier, order):
    body = notifier.body(notifier.transaction(order), apiv3_key=b"k" * 32)
    refused(deliver(client, body, notifier.headers(body)), 400)
    untouched(order)


def test_unknown_out_trade_no_is_refused(client, notifier, order):
    body = notifier.body(notifier.transaction(order, out_trade_no="JY00000000000000000000"))
    refused(deliver(client, body, notifier.headers(body)), 400)
    untouched(order)


def test_refund_success_is_applied_once(world, client, notifier, order):
    pay = notifier.body(notifier.transaction(order))
    assert deliver(client, pay, notifier.headers(pay)).status_code == 204
    member = db.session.get(Member, order.member_id)
    cancelled = cancellation.cancel_order(member, order.id)
    assert (cancelled.status, cancelled.refunded_fen) == ("cancelled", 20000)
    refund = db.session.scalars(select(Refund)).one()
    assert (refund.method, refund.status) == ("wechat", "PENDING")

    forged = notifier.body(
        notifier.refund(refund, cancelled, amount={"total": 20000, "refund": 30000}),
        "REFUND.SUCCESS",
    )
    refused(deliver(client, forged, notifier.headers(forged)), 400)
    db.session.expire_all()
    assert db.session.get(Refund, refund.id).status == "PENDING"
    assert ledger.check() == []

    body = notifier.body(notifier.refund(refund, cancelled), "REFUND.SUCCESS")
    for _ in range(3):
        assert deliver(client, body, notifier.headers(body)).status_code == 204
    # The same refund told again under a new event id changes nothing either.
    again = notifier.body(notifier.refund(refund, cancelled), "REFUND.SUCCESS")
    assert deliver(client, again, notifier.headers(again)).status_code == 204
    db.session.expire_all()
    refund = db.session.get(Refund, refund.id)
    assert refund.status == "SUCCESS" and refund.wechat_refund_id and refund.finished_at
    assert count(LedgerTransaction, LedgerTransaction.kind == "refund.wechat.success") == 1
    # One row per event id: the repeats of the first and the second; the forgery left none.
    assert count(PaymentEvent, PaymentEvent.event_type == "REFUND.SUCCESS") == 2
    assert db.session.get(Order, order.id).refunded_fen == 20000
    assert_ledger_ok()

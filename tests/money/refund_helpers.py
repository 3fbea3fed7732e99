"""WeChat refunds that end CLOSED or ABNORMAL, for the follow-up tests (money, console, browser).

`owed_refund` answers for WeChat with the refund's final state, as a query answer would carry it;
`owed_refund_at_wechat` plays the whole thing through the fake WeChat Pay over HTTP."""

import secrets
import time

import httpx
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Member, Order, Refund, Station, WeChatPayment
from app.services import payments
from app.services.payments import cancellation, refunds
from tests.money.helpers import place, run_jobs


def digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


def wait_for(predicate, seconds: float = 10.0) -> bool:
    """Poll (bounded) for something the fake WeChat Pay does in its own time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        if predicate():
            return True
        time.sleep(0.05)
    return False


def wechat_paid(member: Member, station: Station, amount_fen: int = 20000) -> Order:
    """An order paid with WeChat: the prepay at the fake WeChat Pay, then the transaction as
    WeChat reports it (the fake's user does not pay it, so it cannot be refunded there)."""
    config = current_app.config
    order = place(member, station, amount_fen=amount_fen)
    payments.pay_with_wechat(member, order.id)
    payment = db.session.scalars(select(WeChatPayment).where(WeChatPayment.order_id == order.id))
    transaction = {
        "appid": config["WECHATPAY_APPID"],
        "mchid": config["WECHATPAY_MCHID"],
        "out_trade_no": payment.one().out_trade_no,
        "transaction_id": "4200" + digits(24),
        "trade_state": "SUCCESS",
        "amount": {"total": amount_fen, "payer_total": amount_fen, "currency": "CNY"},
    }
    assert payments.apply_transaction(transaction) == "paid"
    return db.session.get(Order, order.id)


def wechat_says(refund: Refund, status: str) -> dict:
    """WeChat's refund object in a given state (as a refund query answers)."""
    return {
        "out_refund_no": refund.out_refund_no,
        "refund_id": "50" + digits(27),
        "status": status,
        "amount": {"refund": refund.amount_fen, "total": refund.amount_fen, "currency": "CNY"},
    }


def owed_refund(member: Member, station: Station, status: str, amount_fen: int = 20000):
    """A paid order the driver cancelled, whose WeChat refund ended `status`."""
    order = wechat_paid(member, station, amount_fen)
    cancellation.cancel_order(member, order.id)
    refund = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).one()
    assert refunds.apply_result(wechat_says(refund, status)) == status.lower()
    return db.session.get(Refund, refund.id)


def owed_refund_at_wechat(sandbox: str, member: Member, station: Station, status: str) -> Refund:
    """The same through the fake WeChat Pay: the user pays, the refund is sent and ends
    `status` there, and its notification reaches our notify endpoint."""
    order = place(member, station, amount_fen=20000)
    params = payments.pay_with_wechat(member, order.id)
    httpx.post(sandbox + "/pay", json=params, timeout=10).raise_for_status()
    assert wait_for(lambda: db.session.get(Order, order.id).status == "paid")
    planned = httpx.post(sandbox + "/faults", json={"refund_outcome": status}, timeout=10)
    planned.raise_for_status()
    cancellation.cancel_order(member, order.id)
    run_jobs()
    refund = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).one()
    assert wait_for(lambda: db.session.get(Refund, refund.id).status == status)
    return db.session.get(Refund, refund.id)

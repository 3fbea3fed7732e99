"""Placing an order and paying it in one call, for a driver on a slow network: the rules are
those of orders.place_order and of paying; this module only puts them in one use case."""

from collections.abc import Callable
from dataclasses import dataclass

from app.models import Member, Order
from app.services import orders
from app.services.payments.paying import (
    PREPAY_FAILED,
    PaymentUnavailable,
    pay_from_wallet,
    wechat_params,
)
from app.services.platform.unit_of_work import unit_of_work

METHODS = ("wallet", "wechat")


@dataclass(frozen=True)
class Placed:
    """The order as placed and paid (wallet), or placed with WeChat chosen: its
    wx.requestPayment parameters, or the reason WeChat could not take the payment (the order
    stays, unpaid, and can be paid or cancelled like any other)."""

    order: Order
    wechat_pay: dict | None = None
    payment_error: PaymentUnavailable | None = None


def place_and_pay(
    member: Member,
    station_id: int,
    method: str,
    before_wechat: Callable[[Order], None] | None = None,
    **order_fields,
) -> Placed:
    """Place an order (order_fields as orders.place_order takes them) and pay it.

    wallet: one transaction (the order, its expiry job, the debit and its posting, the pickup
    token, the station's event); if the wallet cannot pay, nothing of the order is left.
    wechat: the steps of paying.wechat_params: (1) place the order, choose WeChat and record the
    payment; (2) WeChat creates the prepay, outside any transaction, and it is recorded with the
    reconciliation job. A prepay WeChat refused leaves the order placed and unpaid: the answer
    says why, and is not an error (the order exists). before_wechat(order) runs in step (1),
    so what it records commits with the order (the caller's answer should the request die
    while WeChat answers)."""
    if method not in METHODS:
        raise ValueError(f"no such way of paying: {method}")
    with unit_of_work(keep_loaded=True):
        order = orders.place_order(member, station_id, **order_fields)
        if method == "wallet":
            return Placed(pay_from_wallet(member, order))
        if before_wechat is not None:
            before_wechat(order)
        params = wechat_params(member, order)
        order = orders.get_order(member, order.id)  # as the steps left it
        if params is None:
            return Placed(order, payment_error=PaymentUnavailable(PREPAY_FAILED))
        return Placed(order, wechat_pay=params)

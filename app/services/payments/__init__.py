"""Payments: paying an order from the wallet or with WeChat Pay (`paying`), placing and paying
an order in one call (`checkout`), WeChat's notifications (`notifications`), refunds
(`refunds`) and the follow-up of WeChat refunds that never reached the driver
(`refund_followup`), refunds asked for at the counter (`counter_refunds`) or by the driver of a
fuelled order (`driver_refunds`) and decided by a manager, cancelling and expiring orders
(`cancellation`) and settling fuelled ones (`settlement`)."""

from app.services.payments.checkout import Placed, place_and_pay
from app.services.payments.notifications import handle_wechat_notification
from app.services.payments.paying import (
    PaymentUnavailable,
    apply_transaction,
    pay_with_wallet,
    pay_with_wechat,
    reconcile,
)

__all__ = [
    "PaymentUnavailable",
    "Placed",
    "apply_transaction",
    "handle_wechat_notification",
    "pay_with_wallet",
    "pay_with_wechat",
    "place_and_pay",
    "reconcile",
]

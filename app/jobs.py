"""Background jobs: thin wrappers that call services (registered with the outbox)."""

from app.services import cancellation, payments, refunds, settlement
from app.services.outbox import handler


@handler("expire_order")
def expire_order(payload: dict) -> None:
    cancellation.expire_order(payload["order_id"])


@handler("reconcile_payment")
def reconcile_payment(payload: dict) -> None:
    payments.reconcile(payload["order_id"])


@handler("settle_order")
def settle_order(payload: dict) -> None:
    settlement.settle_order(payload["order_id"])


@handler("submit_refund")
def submit_refund(payload: dict) -> None:
    refunds.submit(payload["refund_id"])


@handler("query_refund")
def query_refund(payload: dict) -> None:
    refunds.query(payload["refund_id"])

"""What an order answer says about the driver's refund requests (申请退款): whether one may be
asked now and for how much, and those asked so far with the station's answer."""

from app.api.order_refund_schemas import REQUEST_STATUS_NAMES
from app.jsonapi.render import local_iso
from app.models import CounterRefundRequest, Order, Refund
from app.models.base import utcnow
from app.services.payments import driver_refunds


def requests_of(order_ids: list[int]) -> dict[int, list[CounterRefundRequest]]:
    """The refund requests of a page of orders, in one query."""
    return driver_refunds.requests_by_order(order_ids)


def refund_request_json(request: CounterRefundRequest, refunds: dict[int, Refund]) -> dict:
    refund = refunds.get(request.refund_id) if request.refund_id else None
    return {
        "id": request.id,
        "amount_fen": request.amount_fen,
        "reason_code": request.reason_code,
        "reason_name": request.reason_name,
        "note": request.note,
        "status": request.status,
        "status_name": REQUEST_STATUS_NAMES[request.status],
        "reject_reason": request.reject_reason,
        "refund_status": refund.status if refund else None,
        "requested_at": local_iso(request.requested_at),
        "decided_at": local_iso(request.decided_at),
    }


def offer_json(order: Order, requests: list[CounterRefundRequest], refunds: list[Refund]) -> dict:
    """The order answer's fields about refund requests (OrderOut's can_request_refund ...):
    the offer counts every waiting request; the list is the driver's own."""
    offer = driver_refunds.offer(order, requests, utcnow())
    by_id = {r.id: r for r in refunds}
    return {
        "can_request_refund": offer.allowed,
        "refundable_fen": offer.max_fen,
        "refund_request_until": local_iso(offer.until),
        "refund_request_hint": offer.why_not,
        "refund_requests": [
            refund_request_json(r, by_id) for r in requests if r.channel == "driver"
        ],
    }

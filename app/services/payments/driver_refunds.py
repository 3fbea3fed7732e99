"""A driver's refund request of a fuelled order (车主申请退款): asked in the mini-program (charged
for fuel not received, the fuel's quality, paid twice ...), decided by a manager of the order's
station or a chain admin in the console's refunds queue.

- Which orders: the driver's own (anyone else's is "not found"), paid online (wallet or WeChat:
  a walk-in sale's money goes back at the counter, 柜台退款), settled (fuelled, and the
  difference already back: what is left is what the driver was charged for the fuel), and at
  most REQUEST_DAYS after its settlement. An order not fuelled yet is cancelled instead
  (cancellation.cancel_order: all of it back at once).
- How much: at most what the order may still give back less what the requests waiting for a
  decision hold (the counter's and the driver's). It is decided with the order's row locked
  (SELECT ... FOR UPDATE), as a counter refund decides it, so the requests and refunds of one
  order are decided one after the other and never add up past what was paid; on approval
  refunds.refund_order decides it again against the row (its guarded UPDATE, and
  CHECK refunded_fen <= paid_fen).
- One request waiting per order, decided by the database (the partial unique index
  uq_counter_refund_request_driver_open): another is refused (RequestOpen, 409) until the first
  is decided. A rejected request may be followed by a new one within the window.
- The request is a CounterRefundRequest with channel 'driver' and the member as requester. It
  waits (pending) whatever its amount: a manager approves it (counter_refunds.approve: the money
  back the way the order was paid, to the wallet at once or to WeChat by the submit_refund job,
  with its ledger postings and the audit log) or rejects it with a reason the driver reads.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import DRIVER_REFUND_REASONS, CounterRefundRequest, Member, Order
from app.models.base import utcnow
from app.services import orders
from app.services.orders import order_state
from app.services.payments import refund_rules
from app.services.platform.errors import Conflict, Invalid
from app.services.platform.money import fen_to_yuan
from app.services.platform.unit_of_work import unit_of_work

# How long after its settlement a driver may ask for a refund of an order (a constant for every
# chain; docs/driver-refunds.md).
REQUEST_DAYS = 7
NOTE_MAX = refund_rules.NOTE_MAX
ONLINE_METHODS = ("wechat", "wallet")  # refunds of other orders are made at the counter


class RequestOpen(Conflict):
    code = "refund_request_open"


@dataclass(frozen=True)
class Offer:
    """Whether the driver may ask for a refund of the order now and up to how much; until when
    (a settled order paid online); why not, where a driver would look for the button (None for
    an order not fuelled: it is cancelled instead)."""

    allowed: bool
    max_fen: int
    until: datetime | None
    why_not: str | None


def _until(order: Order) -> datetime | None:
    if order.settled_at is None or order.payment_method not in ONLINE_METHODS:
        return None
    return order.settled_at + timedelta(days=REQUEST_DAYS)


def _left(order: Order, requests: list[CounterRefundRequest]) -> int:
    """What the order may still give back less what waiting requests hold."""
    waiting = sum(r.amount_fen for r in requests if r.status == "pending")
    return order.paid_fen - order.refunded_fen - waiting


def _open(requests: list[CounterRefundRequest]) -> CounterRefundRequest | None:
    return next((r for r in requests if r.channel == "driver" and r.status == "pending"), None)


def _why_not(order: Order, requests: list[CounterRefundRequest], now: datetime) -> str | None:
    if order.status == "fueled":
        return "订单正在结算，结算完成后可申请退款"
    if order.status != "settled":
        return None
    if order.payment_method not in ONLINE_METHODS:
        return "在油站柜台付款的订单，请到油站收银台办理退款"
    if _open(requests) is not None:
        return "该订单已有待处理的退款申请，请等待油站处理"
    if _left(order, requests) <= 0:
        return "该订单已没有可退的金额"
    until = _until(order)
    if until is None or now > until:  # (a settled order has its settled_at)
        return f"已超过申请期限：加油完成后 {REQUEST_DAYS} 天内可申请退款，请联系油站"
    return None


def offer(order: Order, requests: list[CounterRefundRequest], now: datetime) -> Offer:
    """What the order's page tells the driver about asking for a refund, as read (the request
    itself decides again under the order's lock)."""
    why = _why_not(order, requests, now)
    allowed = why is None and order.status == "settled"
    return Offer(allowed, _left(order, requests) if allowed else 0, _until(order), why)


def requests_by_order(order_ids: list[int]) -> dict[int, list[CounterRefundRequest]]:
    """Every refund request of these orders (the counter's too: they hold amounts), oldest
    first, in one query."""
    found: dict[int, list[CounterRefundRequest]] = {order_id: [] for order_id in order_ids}
    query = (
        select(CounterRefundRequest)
        .where(CounterRefundRequest.order_id.in_(order_ids or [-1]))
        .order_by(CounterRefundRequest.id)
    )
    for request in db.session.scalars(query):
        found[request.order_id].append(request)
    return found


def request_refund(
    member: Member, order_id: int, amount_fen: int, reason_code: str, note: str | None
) -> CounterRefundRequest:
    """The driver asks for amount_fen of their settled order back; the request waits for the
    station. One transaction, under the order's row lock (see the module's rules).

    Raises NotFound (not their order), Invalid naming the field (amount_fen, reason_code,
    note, order_id: the order may not be refunded this way now) or RequestOpen."""
    note = refund_rules.request_note(amount_fen, reason_code, note, DRIVER_REFUND_REASONS)
    with unit_of_work(keep_loaded=True):
        orders.get_order(member, order_id)  # anyone else's order: not found, and not locked
        order = db.session.get(Order, order_id, with_for_update=True, populate_existing=True)
        requests = requests_by_order([order.id])[order.id]
        if _open(requests) is not None:
            raise RequestOpen("该订单已有待处理的退款申请，请等待油站处理")
        why = _why_not(order, requests, utcnow())
        if why is None and order.status == "paid":
            why = "订单还没加油：请直接取消订单，已付金额将全额退回"
        elif why is None and order.status != "settled":
            why = f"订单{order_state.STATUS_NAMES[order.status]}，不能申请退款"
        if why is not None:
            raise Invalid({"order_id": why})
        left = _left(order, requests)
        if amount_fen > left:
            raise Invalid(
                {"amount_fen": f"退款金额不能超过 {fen_to_yuan(left)} 元（该订单最多可申请的金额）"}
            )
        request = CounterRefundRequest(
            chain_id=order.chain_id,
            station_id=order.station_id,
            order_id=order.id,
            amount_fen=amount_fen,
            reason_code=reason_code,
            note=note,
            status="pending",
            channel="driver",
            member_id=member.id,
            requested_at=utcnow(),
        )
        try:
            with db.session.begin_nested():  # the partial unique index: one waiting per order
                db.session.add(request)
        except IntegrityError:
            raise RequestOpen("该订单已有待处理的退款申请，请等待油站处理") from None
        return request

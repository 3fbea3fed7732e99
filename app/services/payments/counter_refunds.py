"""Refunds at the counter (柜台退款): a cashier, manager or chain admin gives back part or all of
a paid order of their station, choosing a reason and re-entering their password or PIN.

- Who is at the keyboard is confirmed first (staff.reauth), in its own transaction: a wrong
  password or PIN is counted towards the lockout and the refund refused, nothing else written.
- The order's row is locked (FOR UPDATE) for the rest of the transaction, so counter refunds of
  one order are decided one after the other; what may still be refunded is the database's word
  (refunds.create_refund's guarded UPDATE, and CHECK refunded_fen <= paid_fen).
- If the order's counter refunds already sent plus this one stay at or below the station's
  refund_approval_threshold_fen, the money goes at once through refunds.refund_order, in the
  same transaction as its record (status sent). Above it, the record waits (pending) for a
  manager of the station or a chain admin who is not the requester (the database checks that
  too); approving runs refund_order and the status change in one transaction, and if the order
  can no longer be refunded that much, both roll back and the request stays pending. Rejecting
  records why.
- The money goes back the way the order was paid: the wallet or WeChat, or for a walk-in
  sale cash out of the station's drawer, or a reversal on its POS or terminal whose reference
  is typed when the money goes (with the request when it goes at once, else on approval).
- Each step is audited with who, the station, and before and after.

A driver's refund request (driver_refunds, channel 'driver') waits here too and is approved or
rejected the same way: it holds its amount while it waits, as a counter refund waiting for
approval does, and never counts towards the threshold (that is for refunds staff send at once).
"""

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import (
    COUNTER_REFUND_REASONS,
    REFUND_REASONS,
    CounterRefundRequest,
    Order,
    Staff,
    Station,
)
from app.models.base import utcnow
from app.services.payments import refund_rules, refunds
from app.services.platform import audit
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.services.platform.money import fen_to_yuan
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff import reauth
from app.services.staff.access import visible_station_ids

DECIDE_ROLES = ("manager", "chain_admin")
NOTE_MAX = refund_rules.NOTE_MAX


def _refund_reason(request: CounterRefundRequest) -> str:
    """The refund's own reason (WeChat shows it to the driver): the reason, then the note; a
    driver's request says it was theirs."""
    name = REFUND_REASONS[request.reason_code]
    if request.channel == "driver":
        name = f"车主申请退款：{name}"
    return f"{name}：{request.note}" if request.note else name


def request_refund(
    actor: Staff,
    order_id: int,
    amount_fen: int,
    reason_code: str,
    note: str | None,
    secret: str | None,
    reference: str | None = None,
) -> CounterRefundRequest:
    """Refund at once (status sent) or ask for approval (pending), see the module's rules.

    Raises Invalid (fields amount_fen, reason_code, note, reference, secret),
    reauth.LockedOut, PermissionDenied (role, another station) or NotFound; on any of them no
    money moves."""
    if actor.role not in refund_rules.REFUND_ROLES:
        raise PermissionDenied("只有收银员、站长和总部管理员可以退款")
    note = refund_rules.request_note(amount_fen, reason_code, note, COUNTER_REFUND_REASONS)
    # Checked as read first, so that a mistyped amount costs no try of the password or PIN.
    order = refund_rules.staff_order(actor, order_id)
    refund_rules.check_refundable(order, amount_fen)
    _check_unreserved(order, amount_fen)
    at_once, _ = _at_once(order, amount_fen)
    refund_rules.reversal_reference(order, reference, required=at_once)
    reauth.confirm(actor, secret)
    with unit_of_work(keep_loaded=True):
        order = refund_rules.staff_order(actor, order_id, for_update=True)
        refund_rules.check_refundable(order, amount_fen)
        _check_unreserved(order, amount_fen)
        at_once, threshold = _at_once(order, amount_fen)
        reference = refund_rules.reversal_reference(order, reference, required=at_once)
        request = CounterRefundRequest(
            chain_id=order.chain_id,
            station_id=order.station_id,
            order_id=order.id,
            amount_fen=amount_fen,
            reason_code=reason_code,
            note=note,
            status="pending",
            channel="counter",
            requested_by_id=actor.id,
            requested_at=utcnow(),
            reference=reference,
        )
        if at_once:
            reason = _refund_reason(request)
            refund = refunds.refund_order(actor, order.id, amount_fen, reason, reference)
            request.status, request.refund_id = "sent", refund.id
        db.session.add(request)
        db.session.flush()
        audit.record(
            actor,
            "counter_refund.request",
            "counter_refund_request",
            request.id,
            chain_id=request.chain_id,
            station_id=request.station_id,
            after={
                "order_no": order.order_no,
                "amount_fen": amount_fen,
                "reason": _refund_reason(request),
                "status": request.status,
                "threshold_fen": threshold,
            },
        )
        return request


def _at_once(order: Order, amount_fen: int) -> tuple[bool, int]:
    """Whether this refund goes without approval (the order's counter refunds sent so far plus
    this one stay within the station's threshold), and the threshold."""
    threshold = db.session.scalar(
        select(Station.refund_approval_threshold_fen).where(Station.id == order.station_id)
    )
    return sent_fen(order.id) + amount_fen <= threshold, threshold


def _fen_in(order_id: int, status: str, *where) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(CounterRefundRequest.amount_fen), 0)).where(
            CounterRefundRequest.order_id == order_id, CounterRefundRequest.status == status, *where
        )
    )


def sent_fen(order_id: int) -> int:
    """What counter refunds of this order have given back so far (drivers' requests aside)."""
    return _fen_in(order_id, "sent", CounterRefundRequest.channel == "counter")


def waiting_fen(order_id: int) -> int:
    """What the order's requests waiting for a decision hold, the counter's and the driver's."""
    return _fen_in(order_id, "pending")


def _check_unreserved(order: Order, amount_fen: int) -> None:
    """Invalid if this refund and the order's requests waiting for approval together exceed
    what the order may still give back: a waiting request holds its amount."""
    waiting = waiting_fen(order.id)
    left = order.paid_fen - order.refunded_fen - waiting
    if waiting and amount_fen > left:
        raise Invalid(
            {
                "amount_fen": f"该订单已有待审批的退款 {fen_to_yuan(waiting)} 元，"
                f"最多还可申请 {fen_to_yuan(max(left, 0))} 元"
            }
        )


def _for_decider(actor: Staff, request_id: int) -> CounterRefundRequest:
    if actor.role not in DECIDE_ROLES:
        raise PermissionDenied("只有站长和总部管理员可以审批退款")
    request = db.session.get(CounterRefundRequest, request_id)
    if request is None or request.chain_id != actor.chain_id:
        raise NotFound("退款申请不存在")
    if request.station_id not in visible_station_ids(actor):
        raise PermissionDenied("该退款不属于您的油站")
    if request.requested_by_id == actor.id:
        raise PermissionDenied("不能审批自己发起的退款，请由本站其他站长或总部审批")
    return request


def _locked_pending(request: CounterRefundRequest) -> None:
    """Lock the order, then the request (the order first, as request_refund takes it), and
    Conflict unless the request still waits."""
    db.session.get(Order, request.order_id, with_for_update=True, populate_existing=True)
    db.session.refresh(request, with_for_update=True)
    if request.status != "pending":
        raise Conflict("该退款申请已处理，请刷新页面")


def approve(actor: Staff, request_id: int, reference: str | None = None) -> CounterRefundRequest:
    """Send a pending refund through refund_order and mark it sent, in one transaction. A
    walk-in sale paid by card or on the terminal needs the reversal's reference, given now or
    with the request (Invalid naming the field, and the request keeps waiting)."""
    with unit_of_work(keep_loaded=True):
        request = _for_decider(actor, request_id)
        _locked_pending(request)
        reference = (reference or "").strip() or request.reference
        reason = _refund_reason(request)
        refund = refunds.refund_order(
            actor, request.order_id, request.amount_fen, reason, reference
        )
        _decide(request, "sent", actor, refund_id=refund.id, reference=refund.reference)
        return request


def reject(actor: Staff, request_id: int, reason: str | None) -> CounterRefundRequest:
    """Refuse a pending refund with the reason; no money moves."""
    with unit_of_work(keep_loaded=True):
        request = _for_decider(actor, request_id)
        reason = (reason or "").strip()
        if not reason:
            raise Invalid({"reject_reason": "请填写驳回原因"})
        if len(reason) > NOTE_MAX:
            raise Invalid({"reject_reason": f"驳回原因最多 {NOTE_MAX} 个字"})
        _locked_pending(request)
        _decide(request, "rejected", actor, reject_reason=reason)
        return request


def _decide(request: CounterRefundRequest, status: str, actor: Staff, **values) -> None:
    """pending -> status by compare-and-set (the row is locked; this is the backstop)."""
    won = db.session.execute(
        update(CounterRefundRequest)
        .where(CounterRefundRequest.id == request.id, CounterRefundRequest.status == "pending")
        .values(status=status, decided_by_id=actor.id, decided_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise Conflict("该退款申请已处理，请刷新页面")
    db.session.refresh(request)
    audit.record(
        actor,
        f"{request.channel}_refund.{'approve' if status == 'sent' else 'reject'}",
        "counter_refund_request",
        request.id,
        chain_id=request.chain_id,
        station_id=request.station_id,
        before={
            "status": "pending",
            "amount_fen": request.amount_fen,
            "asked_by": request.channel,
        },
        after={"status": status, **values},
    )

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
"""

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    COUNTER_REFUND_REASONS,
    CounterRefundRequest,
    Order,
    Refund,
    Staff,
    Station,
)
from app.models.base import utcnow
from app.services.payments import refund_rules, refunds
from app.services.platform import audit
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff import reauth
from app.services.staff.access import visible_station_ids

DECIDE_ROLES = ("manager", "chain_admin")
NOTE_MAX = 200
# What people see for each state of the list, those needing attention first.
STATES = {
    "pending": "待审批",
    "failed": "退款失败",
    "processing": "退款中",
    "sent": "已退款",
    "rejected": "已驳回",
}
FAILED = ("CLOSED", "ABNORMAL")  # WeChat's final word: the money did not reach the driver


def _clean(amount_fen, reason_code: str, note: str | None) -> str:
    errors, note = {}, (note or "").strip()
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        errors["amount_fen"] = "退款金额必须大于 0"
    if reason_code not in COUNTER_REFUND_REASONS:
        errors["reason_code"] = "请选择退款原因"
    elif reason_code == "other" and not note:
        errors["note"] = "选择“其他”时请写明原因"
    if len(note) > NOTE_MAX:
        errors["note"] = f"说明最多 {NOTE_MAX} 个字"
    if errors:
        raise Invalid(errors)
    return note


def _refund_reason(request: CounterRefundRequest) -> str:
    """The refund's own reason (WeChat shows it to the driver): the reason, then the note."""
    name = COUNTER_REFUND_REASONS[request.reason_code]
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
    note = _clean(amount_fen, reason_code, note)
    # Checked as read first, so that a mistyped amount costs no try of the password or PIN.
    order = refund_rules.staff_order(actor, order_id)
    refund_rules.check_refundable(order, amount_fen)
    at_once, _ = _at_once(order, amount_fen)
    refund_rules.reversal_reference(order, reference, required=at_once)
    reauth.confirm(actor, secret)
    with unit_of_work(keep_loaded=True):
        order = refund_rules.staff_order(actor, order_id, for_update=True)
        refund_rules.check_refundable(order, amount_fen)
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


def sent_fen(order_id: int) -> int:
    """What counter refunds of this order have given back so far."""
    return db.session.scalar(
        select(func.coalesce(func.sum(CounterRefundRequest.amount_fen), 0)).where(
            CounterRefundRequest.order_id == order_id, CounterRefundRequest.status == "sent"
        )
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
        f"counter_refund.{'approve' if status == 'sent' else 'reject'}",
        "counter_refund_request",
        request.id,
        chain_id=request.chain_id,
        station_id=request.station_id,
        before={"status": "pending", "amount_fen": request.amount_fen},
        after={"status": status, **values},
    )


# --- reading -------------------------------------------------------------------------------


@dataclass
class Row:
    request: CounterRefundRequest
    order_no: str
    station_name: str
    requested_by: str
    decided_by: str | None
    refund: Refund | None
    state: str
    may_decide: bool
    payment_method: str  # the order's: a card or terminal refund needs the reversal's reference

    @property
    def needs_reference(self) -> bool:
        return self.payment_method in refund_rules.REVERSALS


def _state_of():
    """The list's state as SQL, from the request and its refund's status."""
    return case(
        (CounterRefundRequest.status == "pending", "pending"),
        (CounterRefundRequest.status == "rejected", "rejected"),
        (Refund.status.in_(FAILED), "failed"),
        (Refund.status == "SUCCESS", "sent"),
        else_="processing",
    )


def _select(actor: Staff, stations: set[int]):
    """The list's rows at these stations of the actor's chain, attention first."""
    requester, decider = aliased(Staff), aliased(Staff)
    state_sql = _state_of()
    rank = case((state_sql == "pending", 0), (state_sql == "failed", 1), else_=2)
    query = (
        select(
            CounterRefundRequest,
            Order.order_no,
            Order.payment_method,
            Station.name,
            requester.display_name,
            decider.display_name,
            Refund,
            state_sql,
        )
        .join(Order, Order.id == CounterRefundRequest.order_id)
        .join(Station, Station.id == CounterRefundRequest.station_id)
        .join(requester, requester.id == CounterRefundRequest.requested_by_id)
        .outerjoin(decider, decider.id == CounterRefundRequest.decided_by_id)
        .outerjoin(Refund, Refund.id == CounterRefundRequest.refund_id)
        .where(
            CounterRefundRequest.chain_id == actor.chain_id,
            CounterRefundRequest.station_id.in_(stations or {-1}),
        )
        .order_by(rank, CounterRefundRequest.id.desc())
    )
    return query, state_sql


def _row(actor: Staff, found) -> Row:
    request, order_no, method, station_name, requested_by, decided_by, refund, state = found
    may_decide = (
        state == "pending" and actor.role in DECIDE_ROLES and request.requested_by_id != actor.id
    )
    return Row(
        request, order_no, station_name, requested_by, decided_by, refund, state, may_decide, method
    )


def _stations(actor: Staff) -> set[int]:
    if actor.role not in refund_rules.REFUND_ROLES:
        raise PermissionDenied("只有收银员、站长和总部管理员可以查看退款")
    return visible_station_ids(actor)


def list_requests(
    actor: Staff,
    state: str | None = None,
    station_id: int | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[Row], bool]:
    """Counter refunds at the actor's stations, those needing attention first (pending, then
    failed), newest first within; and whether there is a next page."""
    stations = _stations(actor)
    if station_id is not None:
        if station_id not in stations:
            raise PermissionDenied("该油站不是您的油站")
        stations = {station_id}
    query, state_sql = _select(actor, stations)
    if state in STATES:
        query = query.where(state_sql == state)
    query = query.limit(per_page + 1).offset((max(page, 1) - 1) * per_page)
    rows = [_row(actor, found) for found in db.session.execute(query).all()]
    return rows[:per_page], len(rows) > per_page


def get_row(actor: Staff, request_id: int) -> Row:
    """One counter refund as the list shows it (after a decision)."""
    query, _ = _select(actor, _stations(actor))
    found = db.session.execute(query.where(CounterRefundRequest.id == request_id)).first()
    if found is None:
        raise NotFound("退款申请不存在")
    return _row(actor, found)


def count_waiting(actor: Staff) -> int:
    """Pending refunds this manager may decide (not their own); 0 for other roles."""
    if actor.role not in DECIDE_ROLES:
        return 0
    return db.session.scalar(
        select(func.count(CounterRefundRequest.id)).where(
            and_(
                CounterRefundRequest.chain_id == actor.chain_id,
                CounterRefundRequest.station_id.in_(visible_station_ids(actor) or {-1}),
                CounterRefundRequest.status == "pending",
                CounterRefundRequest.requested_by_id != actor.id,
            )
        )
    )


@dataclass
class OrderForRefund:
    order: Order
    station: Station
    left_fen: int
    sent_fen: int
    history: list[CounterRefundRequest]


def order_for_refund(actor: Staff, order_id: int) -> OrderForRefund:
    """What the refund form shows: the order (if the actor may refund it), what is left, the
    station's threshold and the order's counter refunds so far."""
    order = refund_rules.staff_order(actor, order_id)
    history = db.session.scalars(
        select(CounterRefundRequest)
        .where(CounterRefundRequest.order_id == order.id)
        .order_by(CounterRefundRequest.id.desc())
    ).all()
    return OrderForRefund(
        order=order,
        station=db.session.get(Station, order.station_id),
        left_fen=order.paid_fen - order.refunded_fen,
        sent_fen=sent_fen(order.id),
        history=list(history),
    )


def find_order(actor: Staff, order_no: str) -> Order:
    """An order of the actor's stations by its number (the receipt's 订单号)."""
    order = db.session.scalar(
        select(Order).where(
            Order.chain_id == actor.chain_id, Order.order_no == (order_no or "").strip()
        )
    )
    if order is None:
        raise Invalid({"order_no": "没有这个订单号，请核对小票上的订单号"})
    return refund_rules.staff_order(actor, order.id)

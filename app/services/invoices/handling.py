"""开票: the station's side of invoice requests. A cashier, manager or chain admin of the
order's station sees the requests, issues the invoice by hand (on the tax office's platform)
and marks the request issued with the invoice's number and date, or rejects it with a reason.

- Each decision is one transaction: the order's row is locked first (as a refund takes it),
  then the request's; requested -> issued/rejected is a compare-and-set, so two staff at once
  decide once and the other is told to refresh.
- Marking issued computes the amount again: a refund since the request lowers it, and an order
  refunded in full can no longer be invoiced (the request is to be rejected).
- Every decision goes to the audit log with who, the station, and before and after.
"""

import re
from datetime import date

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import InvoiceRequest, Order, Staff
from app.services.invoices.requests import invoiceable_fen
from app.services.platform import audit
from app.services.platform.clock import to_local, utcnow
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.access import visible_station_ids

ROLES = ("cashier", "manager", "chain_admin")
REASON_MAX = 200
_INVOICE_NO = re.compile(r"[0-9A-Z]{8,40}")
DONE = "该开票申请已处理，请刷新页面"


def stations(actor: Staff) -> set[int]:
    """The stations whose requests the actor handles; PermissionDenied for other roles."""
    if actor.role not in ROLES:
        raise PermissionDenied("只有收银员、站长和总部管理员可以处理开票申请")
    return visible_station_ids(actor)


def _for_staff(actor: Staff, request_id: int) -> InvoiceRequest:
    visible = stations(actor)
    request = db.session.get(InvoiceRequest, request_id)
    if request is None or request.chain_id != actor.chain_id:
        raise NotFound("开票申请不存在")
    if request.station_id not in visible:
        raise PermissionDenied("该开票申请不属于您的油站")
    return request


def _locked(request: InvoiceRequest) -> Order:
    """Lock the order, then the request; Conflict unless the request still waits."""
    order = db.session.get(
        Order, request.order_id, with_for_update={"key_share": True}, populate_existing=True
    )
    db.session.refresh(request, with_for_update=True)
    if request.status != "requested":
        raise Conflict(DONE)
    return order


def clean_invoice_no(value: str | None) -> str:
    number = re.sub(r"\s", "", value or "").upper()
    if not number:
        raise Invalid({"invoice_no": "请填写发票号码"})
    if not _INVOICE_NO.fullmatch(number):
        raise Invalid({"invoice_no": "发票号码应为 8 到 40 位数字或字母（数电票为 20 位数字）"})
    return number


def mark_issued(
    actor: Staff, request_id: int, invoice_no: str | None, issued_on: date | None
) -> InvoiceRequest:
    """The invoice was issued by hand: keep its number and date, and the amount it was for.

    Raises Invalid (invoice_no, issued_on), Conflict (already handled, or the order is now
    refunded in full), PermissionDenied or NotFound."""
    number = clean_invoice_no(invoice_no)
    with unit_of_work(keep_loaded=True):
        request = _for_staff(actor, request_id)
        order = _locked(request)
        today = to_local(utcnow()).date()
        sold_on = to_local(order.settled_at or order.created_at).date()
        if issued_on is None:
            raise Invalid({"issued_on": "请填写开票日期"})
        if issued_on > today:
            raise Invalid({"issued_on": "开票日期不能晚于今天"})
        if issued_on < sold_on:
            raise Invalid({"issued_on": "开票日期不能早于加油日期"})
        amount = invoiceable_fen(order)
        if amount <= 0:
            raise Conflict("该订单已全部退款，不能开票，请驳回该申请")
        before = {"status": "requested", "amount_fen": request.amount_fen}
        values = {"invoice_no": number, "issued_on": issued_on, "amount_fen": amount}
        _decide(actor, request, "issued", before, values)
        return request


def reject(actor: Staff, request_id: int, reason: str | None) -> InvoiceRequest:
    """Refuse the request with the reason (the driver sees it and may ask again)."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reject_reason": "请填写驳回原因"})
    if len(reason) > REASON_MAX:
        raise Invalid({"reject_reason": f"驳回原因最多 {REASON_MAX} 个字"})
    with unit_of_work(keep_loaded=True):
        request = _for_staff(actor, request_id)
        _locked(request)
        before = {"status": "requested", "amount_fen": request.amount_fen}
        _decide(actor, request, "rejected", before, {"reject_reason": reason})
        return request


def _decide(actor: Staff, request: InvoiceRequest, status: str, before: dict, values: dict):
    """requested -> status by compare-and-set (the row is locked; this is the backstop)."""
    won = db.session.execute(
        update(InvoiceRequest)
        .where(InvoiceRequest.id == request.id, InvoiceRequest.status == "requested")
        .values(status=status, handled_by_id=actor.id, handled_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise Conflict(DONE)
    db.session.refresh(request)
    shown = {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
    audit.record(
        actor,
        f"invoice.{'issue' if status == 'issued' else 'reject'}",
        "invoice_request",
        request.id,
        chain_id=request.chain_id,
        station_id=request.station_id,
        before=before,
        after={"status": status, **shown},
    )


def count_waiting(actor: Staff) -> int:
    """Requests waiting at the actor's stations (the menu's count); 0 for other roles."""
    if actor.role not in ROLES:
        return 0
    return db.session.scalar(
        select(func.count(InvoiceRequest.id)).where(
            InvoiceRequest.chain_id == actor.chain_id,
            InvoiceRequest.station_id.in_(visible_station_ids(actor) or {-1}),
            InvoiceRequest.status == "requested",
        )
    )

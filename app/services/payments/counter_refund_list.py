"""The refunds list (柜台退款): every refund request of the staff member's stations, the
counter's and drivers' (driver_refunds), with its state, those needing attention first; the
order a refund form is for. Reads only; the use cases are in counter_refunds and
driver_refunds."""

from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    REFUND_REQUEST_CHANNELS,
    CounterRefundRequest,
    Member,
    Order,
    Refund,
    Staff,
    Station,
)
from app.services.payments import refund_rules
from app.services.payments.counter_refunds import DECIDE_ROLES, sent_fen, waiting_fen
from app.services.platform.errors import Invalid, NotFound, PermissionDenied
from app.services.staff.access import visible_station_ids

# What people see for each state of the list, those needing attention first.
STATES = {
    "pending": "待审批",
    "failed": "退款失败",
    "processing": "退款中",
    "sent": "已退款",
    "rejected": "已驳回",
}
FAILED = ("CLOSED", "ABNORMAL")  # WeChat's final word: the money did not reach the driver


@dataclass
class Row:
    request: CounterRefundRequest
    order_no: str
    station_name: str
    requested_by: str | None  # the member of staff; None for a driver's request (member)
    decided_by: str | None
    refund: Refund | None
    state: str
    may_decide: bool
    payment_method: str  # the order's: a card or terminal refund needs the reversal's reference
    member: Member | None = None  # the driver who asked (a driver's request)

    @property
    def by_driver(self) -> bool:
        return self.request.channel == "driver"

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
            Member,
        )
        .join(Order, Order.id == CounterRefundRequest.order_id)
        .join(Station, Station.id == CounterRefundRequest.station_id)
        .outerjoin(requester, requester.id == CounterRefundRequest.requested_by_id)
        .outerjoin(Member, Member.id == CounterRefundRequest.member_id)
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
    request, order_no, method, station_name, requested_by, decided_by, refund, state, member = found
    may_decide = (
        state == "pending" and actor.role in DECIDE_ROLES and request.requested_by_id != actor.id
    )
    return Row(
        request,
        order_no,
        station_name,
        requested_by,
        decided_by,
        refund,
        state,
        may_decide,
        method,
        member,
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
    channel: str | None = None,
) -> tuple[list[Row], bool]:
    """Refund requests at the actor's stations (channel: the counter's or drivers' only),
    those needing attention first (pending, then failed), newest first within; and whether
    there is a next page."""
    stations = _stations(actor)
    if station_id is not None:
        if station_id not in stations:
            raise PermissionDenied("该油站不是您的油站")
        stations = {station_id}
    query, state_sql = _select(actor, stations)
    if state in STATES:
        query = query.where(state_sql == state)
    if channel in REFUND_REQUEST_CHANNELS:
        query = query.where(CounterRefundRequest.channel == channel)
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
    """Pending refunds this manager may decide (not their own; drivers' have no staff
    requester); 0 for other roles."""
    if actor.role not in DECIDE_ROLES:
        return 0
    return db.session.scalar(
        select(func.count(CounterRefundRequest.id)).where(
            and_(
                CounterRefundRequest.chain_id == actor.chain_id,
                CounterRefundRequest.station_id.in_(visible_station_ids(actor) or {-1}),
                CounterRefundRequest.status == "pending",
                or_(
                    CounterRefundRequest.requested_by_id.is_(None),
                    CounterRefundRequest.requested_by_id != actor.id,
                ),
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
    waiting_fen: int = 0  # held by requests waiting for a decision (the counter's, drivers')


def order_for_refund(actor: Staff, order_id: int) -> OrderForRefund:
    """What the refund form shows: the order (if the actor may refund it), what is left and
    what waiting requests hold, the station's threshold and the order's refund requests so
    far (the counter's and the driver's)."""
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
        waiting_fen=waiting_fen(order.id),
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

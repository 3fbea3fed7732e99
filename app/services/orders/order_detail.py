"""One order as staff see it: what happened to it and when, its WeChat payment, refunds, the
ledger legs booked for it, who acted and the audit entries about it. For a chain admin, or a
manager or cashier of the order's station (another station's order: PermissionDenied)."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_, select

from app.extensions import db
from app.models import (
    ACCOUNTS,
    AuditLog,
    CounterRefundRequest,
    Fuel,
    LedgerEntry,
    LedgerTransaction,
    Member,
    Nozzle,
    Order,
    Refund,
    Staff,
    Station,
    WeChatPayment,
)
from app.models.order import REFUND_ROUTES
from app.services.marketing import live_campaigns, redeeming, terms
from app.services.members.privacy import phone_for_member_page
from app.services.orders.order_search import PAYMENT_METHODS, ROLES
from app.services.orders.quoting import bill_of
from app.services.platform.errors import NotFound, PermissionDenied
from app.services.platform.money import fen_to_yuan
from app.services.staff.access import visible_station_ids

REFUND_KINDS = {
    "settlement": "加油差额退款",
    "cancel": "取消订单退款",
    "manual": "人工退款",
    "topup": "充值本金退款",
}
REFUND_STATUSES = {
    "PENDING": "待发起",
    "PROCESSING": "退款中",
    "SUCCESS": "已到账",
    "ABNORMAL": "退款异常",
    "CLOSED": "退款关闭",
}
# The ledger transactions booked for an order, by kind (the longest prefix that fits).
LEDGER_KINDS = {
    "order.pay.wallet": "钱包支付",
    "order.pay.wechat": "微信支付",
    "order.settle": "结算",
    "coupon.discount": "优惠券抵扣",
    "campaign.discount": "活动优惠",
    "refund.cancel": "取消订单退款",
    "refund.settlement": "加油差额退款",
    "refund.manual": "人工退款",
    "refund.wechat.success": "微信退款到账",
    "refund.wechat": "微信退款未到账",
    "refund.reissue": "重新发起微信退款",
    "refund.to_wallet": "微信退款改退钱包",
    "refund.stray_payment": "多余的微信付款退回",
    "refund": "退款",
}


def ledger_kind_name(kind: str) -> str:
    parts = kind.split(".")
    for end in range(len(parts), 0, -1):
        name = LEDGER_KINDS.get(".".join(parts[:end]))
        if name:
            return name
    return kind


@dataclass(frozen=True)
class Step:
    at: datetime
    title: str
    detail: str = ""


@dataclass(frozen=True)
class LedgerLeg:
    transaction_id: int
    at: datetime
    kind: str
    memo: str
    account: str
    amount_fen: int  # debit positive, credit negative


@dataclass(frozen=True)
class OrderCoupon:
    """The coupon an order holds or held, as staff read it."""

    id: int
    name: str
    rule: str
    status: str  # 已锁定 (unpaid), 已使用, 已退回
    saving_fen: int  # as placed before fuelling, on the fuel dispensed after; 0 if given back


@dataclass
class Detail:
    order: Order
    station: Station
    fuel_name: str
    nozzle: int | None
    member: Member | None  # None: a walk-in sale without a member
    phone: str  # whole for a manager or chain admin, masked for a cashier
    payment: WeChatPayment | None
    refunds: list[Refund]
    timeline: list[Step]
    ledger: list[LedgerLeg]
    staff: dict[int, Staff]  # who acted: the attendant, refunding staff
    audit: list[AuditLog]
    coupon: OrderCoupon | None = None
    # Refunds asked for at the counter or by the driver, waiting, sent or rejected.
    requests: list[CounterRefundRequest] = field(default_factory=list)
    campaigns: list[tuple[str, int]] | None = None  # (name, what it saved), campaign_lines

    @property
    def fueled_by(self) -> Staff | None:
        return self.staff.get(self.order.fueled_by_id)


def get_order(actor: Staff, order_id: int) -> Order:
    """The order if the actor may read it: NotFound outside the chain, PermissionDenied at a
    station that is not theirs."""
    if actor.role not in ROLES:
        raise PermissionDenied("只有收银员、站长和总部管理员可以查看订单")
    order = db.session.get(Order, order_id)
    if order is None or order.chain_id != actor.chain_id:
        raise NotFound("订单不存在")
    if order.station_id not in visible_station_ids(actor):
        raise PermissionDenied("该订单不属于您的油站")
    return order


def detail(actor: Staff, order_id: int) -> Detail:
    order = get_order(actor, order_id)
    refunds = list(
        db.session.scalars(select(Refund).where(Refund.order_id == order.id).order_by(Refund.id))
    )
    payment = db.session.scalar(select(WeChatPayment).where(WeChatPayment.order_id == order.id))
    requests = list(
        db.session.scalars(
            select(CounterRefundRequest)
            .where(CounterRefundRequest.order_id == order.id)
            .order_by(CounterRefundRequest.id)
        )
    )
    asked = (who for r in requests for who in (r.requested_by_id, r.decided_by_id))
    ids = {order.fueled_by_id, *(r.actor_staff_id for r in refunds), *asked} - {None}
    staff = {s.id: s for s in db.session.scalars(select(Staff).where(Staff.id.in_(ids)))}
    nozzle = db.session.get(Nozzle, order.nozzle_id) if order.nozzle_id else None
    return Detail(
        order=order,
        station=db.session.get(Station, order.station_id),
        fuel_name=db.session.get(Fuel, order.fuel_id).name,
        nozzle=nozzle.number if nozzle else None,
        member=order.member,
        phone=phone_for_member_page(actor, order.member.phone) if order.member else "",
        payment=payment,
        refunds=refunds,
        timeline=timeline(order, refunds, staff),
        ledger=_ledger(order),
        staff=staff,
        audit=_audit(order, refunds),
        coupon=order_coupon(order),
        requests=requests,
        campaigns=campaign_lines(order),
    )


def campaign_lines(order: Order) -> list[tuple[str, int]]:
    """The campaigns the order got and what each saved (as placed; on the fuel dispensed once
    fuelled; nothing once it ended without fuel)."""
    ids = (order.day_campaign_id, order.campaign_id)
    if ids == (None, None) or order.status in ("cancelled", "expired"):
        return []
    bill, names = bill_of(order), live_campaigns.names_of(ids)
    lines = []
    if order.day_campaign_id is not None:
        lines.append((names.get(order.day_campaign_id, ""), bill.day_fen))
    if order.campaign_id is not None:
        lines.append((names.get(order.campaign_id, ""), bill.campaign_fen))
    return lines


def order_coupon(order: Order) -> OrderCoupon | None:
    if order.coupon_id is None:
        return None
    coupon, template = redeeming.of_orders([order.coupon_id])[order.coupon_id]
    on_order = coupon.order_id == order.id and coupon.status in ("held", "used")
    status = {"held": "已锁定（待支付）", "used": "已使用"}.get(coupon.status) if on_order else None
    saving = (order.coupon_fen if order.dispensed_ml is None else order.dispensed_coupon_fen) or 0
    return OrderCoupon(
        coupon.id,
        template.name,
        terms.rule_text(template),
        status or "已退回",
        saving if on_order else 0,
    )


def timeline(order: Order, refunds: list[Refund], staff: dict[int, Staff]) -> list[Step]:
    """What happened, oldest first: placed, paid, fuelled, settled, cancelled or expired, and
    each refund with where it stands."""
    placed = f"应付 {fen_to_yuan(order.amount_fen)} 元"
    if order.campaign_fen:
        placed += f"（活动减 {fen_to_yuan(order.campaign_fen)} 元）"
    if order.coupon_fen:
        placed += f"（优惠券减 {fen_to_yuan(order.coupon_fen)} 元）"
    steps = [Step(order.created_at, "下单", placed)]
    if order.paid_at:
        method = PAYMENT_METHODS.get(order.payment_method or "", "")
        steps.append(Step(order.paid_at, "支付", f"{method} {fen_to_yuan(order.paid_fen)} 元"))
    if order.fueled_at:
        who = staff.get(order.fueled_by_id)
        litres = f"{(order.dispensed_ml or 0) / 1000:.2f} 升"
        text = f"{litres}，{fen_to_yuan(order.dispensed_fen)} 元"
        if order.dispensed_campaign_fen:
            text += f"（活动减 {fen_to_yuan(order.dispensed_campaign_fen)} 元）"
        if order.dispensed_coupon_fen:
            text += f"（优惠券减 {fen_to_yuan(order.dispensed_coupon_fen)} 元）"
        steps.append(
            Step(order.fueled_at, "加油确认", text + (f"，{who.display_name}" if who else ""))
        )
    if order.settled_at:
        steps.append(Step(order.settled_at, "结算完成"))
    if order.cancelled_at:
        steps.append(Step(order.cancelled_at, "取消"))
    if order.status == "expired":
        steps.append(Step(order.expires_at, "超时未支付，已过期"))
    for refund in refunds:
        kind = REFUND_KINDS.get(refund.kind, refund.kind)
        where = REFUND_ROUTES.get(refund.method, refund.method)
        text = f"{kind} {fen_to_yuan(refund.amount_fen)} 元，{where}"
        steps.append(Step(refund.created_at, "退款", text))
        if refund.finished_at:
            status = REFUND_STATUSES.get(refund.status, refund.status)
            steps.append(Step(refund.finished_at, f"退款{status}", refund.out_refund_no))
    return sorted(steps, key=lambda step: step.at)


def _ledger(order: Order) -> list[LedgerLeg]:
    query = (
        select(LedgerTransaction, LedgerEntry)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.order_id == order.id)
        .order_by(LedgerTransaction.id, LedgerEntry.id)
    )
    return [
        LedgerLeg(
            t.id,
            t.created_at,
            ledger_kind_name(t.kind),
            t.memo,
            ACCOUNTS.get(e.account, e.account),
            e.amount_fen,
        )
        for t, e in db.session.execute(query)
    ]


def _audit(order: Order, refunds: list[Refund]) -> list[AuditLog]:
    """Entries about the order or one of its refunds, oldest first."""
    about = AuditLog.entity_type == "order", AuditLog.entity_id == order.id
    conditions = [and_(*about)]
    if refunds:
        refund_ids = [r.id for r in refunds]
        conditions.append(
            and_(AuditLog.entity_type == "refund", AuditLog.entity_id.in_(refund_ids))
        )
    query = select(AuditLog).where(AuditLog.chain_id == order.chain_id, or_(*conditions))
    return list(db.session.scalars(query.order_by(AuditLog.id)))

"""A driver cancelling an order, and unpaid orders expiring."""

from app.extensions import db
from app.models import Member, Order
from app.models.base import utcnow
from app.services import orders
from app.services.orders import order_state, station_events
from app.services.payments import paying, refunds
from app.services.platform import outbox
from app.services.platform.errors import Conflict


def cancel_order(member: Member, order_id: int) -> Order:
    """Unpaid: closed (and its WeChat prepay too). Paid, not yet fuelled: refunded in full."""
    order = orders.get_order(member, order_id)
    if order.status == "created" and paying.close_wechat(order) != "paid":
        order_state.must_move(
            order.id, "created", "cancelled", "订单状态已变化，请刷新", cancelled_at=utcnow()
        )
        db.session.commit()
    else:
        db.session.refresh(order)
        if order.status != "paid":
            raise Conflict(f"订单{order_state.STATUS_NAMES[order.status]}，不能取消")
        order_state.must_move(
            order.id, "paid", "cancelled", "订单已开始加油，不能取消", cancelled_at=utcnow()
        )
        station_events.record(order, "order.cancelled")
        left = order.paid_fen - order.refunded_fen
        if left > 0:
            refunds.create_refund(order, left, "cancel", "司机取消订单，全额退款")
        db.session.commit()
    db.session.refresh(order)
    return order


def expire_order(order_id: int) -> str:
    """Job: an order still unpaid at its deadline is closed at WeChat and marked expired."""
    order = db.session.get(Order, order_id)
    if order is None or order.status != "created":
        return "nothing"
    if order.expires_at > utcnow():
        raise outbox.RetryLater("not due yet", order.expires_at - utcnow())
    if paying.close_wechat(order) == "paid":
        return "paid"
    moved = order_state.move(order.id, "created", "expired")
    db.session.commit()
    return "expired" if moved else "nothing"

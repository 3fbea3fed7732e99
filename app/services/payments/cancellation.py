"""A driver cancelling an order, and unpaid orders expiring."""

from app.extensions import db
from app.models import Member, Order
from app.models.base import utcnow
from app.services import orders
from app.services.orders import order_state, station_events
from app.services.payments import paying, refunds
from app.services.platform import outbox
from app.services.platform.errors import Conflict
from app.services.platform.unit_of_work import unit_of_work


def cancel_order(member: Member, order_id: int) -> Order:
    """Unpaid: closed (and its WeChat prepay too). Paid, not yet fuelled: refunded in full.

    One transaction; an unpaid order with a WeChat prepay takes two named steps: (1) read it and
    end the transaction; (2) close the prepay at WeChat, outside any transaction, then cancel."""
    with unit_of_work():  # expired at the commit: the refund changed the order after take()
        order = orders.get_order(member, order_id)
        if order.status == "created" and paying.close_wechat(order) != "paid":
            cancelled = order_state.take(order.id, "created", "cancelled", cancelled_at=utcnow())
            if cancelled is None:
                raise Conflict("订单状态已变化，请刷新")
            return cancelled
        if order.status == "created":  # WeChat had the money: now paid, refunded below
            order = orders.get_order(member, order_id)
        if order.status != "paid":
            raise Conflict(f"订单{order_state.STATUS_NAMES[order.status]}，不能取消")
        cancelled = order_state.take(order.id, "paid", "cancelled", cancelled_at=utcnow())
        if cancelled is None:
            raise Conflict("订单已开始加油，不能取消")
        left = cancelled.paid_fen - cancelled.refunded_fen
        if left > 0:
            refunds.create_refund(cancelled, left, "cancel", "司机取消订单，全额退款")
        station_events.record(cancelled, "order.cancelled")  # last: see its lock order
        return cancelled


def expire_order(order_id: int) -> str:
    """Job: an order still unpaid at its deadline is closed at WeChat and marked expired (two
    steps when it has a prepay, see paying.close_wechat)."""
    with unit_of_work():
        order = db.session.get(Order, order_id)
        if order is None or order.status != "created":
            return "nothing"
        if order.expires_at > utcnow():
            raise outbox.RetryLater("not due yet", order.expires_at - utcnow())
        if paying.close_wechat(order) == "paid":
            return "paid"
        moved = order_state.move(order.id, "created", "expired")
        return "expired" if moved else "nothing"

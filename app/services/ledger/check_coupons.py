"""The coupons' part of the ledger check: what coupons took off settled sales is promotion
expense, booked in a coupon.discount transaction per sale, and the three records of it agree
(the ledger, the coupon's discount, the order's dispensed_coupon_fen); and no coupon is held or
used on an order in a state that cannot have it."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Coupon, LedgerEntry, LedgerTransaction, Order

# The order states a coupon may be held on, and used on.
HELD_ON = ("created",)
USED_ON = ("paid", "fueled", "settled")


def coupon_problems() -> list[str]:
    booked = dict(
        db.session.execute(
            select(LedgerTransaction.order_id, func.sum(LedgerEntry.amount_fen))
            .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
            .where(
                LedgerTransaction.kind == "coupon.discount",
                LedgerEntry.account == "promotion_expense",
            )
            .group_by(LedgerTransaction.order_id)
        ).all()
    )
    on_coupons = dict(
        db.session.execute(
            select(Coupon.order_id, Coupon.discount_fen)
            .join(Order, Order.id == Coupon.order_id)
            .where(Coupon.status == "used", Order.status == "settled")
        ).all()
    )
    on_orders = dict(
        db.session.execute(
            select(Order.id, Order.dispensed_coupon_fen).where(
                Order.status == "settled", Order.dispensed_coupon_fen > 0
            )
        ).all()
    )
    problems = [
        f"coupon of order {order_id}: {booked.get(order_id, 0)} in the ledger, "
        f"{on_coupons.get(order_id, 0)} on the coupon, {on_orders.get(order_id, 0)} on the order"
        for order_id in sorted(set(booked) | set(on_coupons) | set(on_orders))
        if not booked.get(order_id, 0) == on_coupons.get(order_id, 0) == on_orders.get(order_id, 0)
    ]
    misplaced = db.session.execute(
        select(Coupon.id, Coupon.status, Order.id, Order.status)
        .join(Order, Order.id == Coupon.order_id)
        .where(
            ((Coupon.status == "held") & Order.status.not_in(HELD_ON))
            | ((Coupon.status == "used") & Order.status.not_in(USED_ON))
            | (Coupon.status.in_(("held", "used")) & Order.coupon_id.is_distinct_from(Coupon.id))
        )
    )
    return problems + [
        f"coupon {coupon_id} is {status} on order {order_id}, which is {order_status}"
        for coupon_id, status, order_id, order_status in misplaced
    ]

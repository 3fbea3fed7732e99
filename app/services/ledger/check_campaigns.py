"""The campaigns' part of the ledger check: what campaigns took off settled sales is promotion
expense, booked in a campaign.discount transaction per sale, and it agrees with the order's
dispensed_day_fen + dispensed_campaign_fen; and a first-order discount is held or used by an
order in a state that may have it, with that campaign (and every such order has it)."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Campaign, FirstOrderClaim, LedgerEntry, LedgerTransaction, Order

# The order states a first-order discount may be held on, and used on.
HELD_ON = ("created",)
USED_ON = ("paid", "fueled", "settled")


def campaign_problems() -> list[str]:
    booked = dict(
        db.session.execute(
            select(LedgerTransaction.order_id, func.sum(LedgerEntry.amount_fen))
            .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
            .where(
                LedgerTransaction.kind == "campaign.discount",
                LedgerEntry.account == "promotion_expense",
            )
            .group_by(LedgerTransaction.order_id)
        ).all()
    )
    saved = func.coalesce(Order.dispensed_day_fen, 0) + func.coalesce(
        Order.dispensed_campaign_fen, 0
    )
    on_orders = dict(
        db.session.execute(
            select(Order.id, saved).where(Order.status == "settled", saved > 0)
        ).all()
    )
    problems = [
        f"campaigns of order {order_id}: {booked.get(order_id, 0)} in the ledger, "
        f"{on_orders.get(order_id, 0)} on the order"
        for order_id in sorted(set(booked) | set(on_orders))
        if booked.get(order_id, 0) != on_orders.get(order_id, 0)
    ]
    return problems + _claims()


def _claims() -> list[str]:
    misplaced = db.session.execute(
        select(FirstOrderClaim.member_id, FirstOrderClaim.status, Order.id, Order.status)
        .join(Order, Order.id == FirstOrderClaim.order_id)
        .where(
            ((FirstOrderClaim.status == "held") & Order.status.not_in(HELD_ON))
            | ((FirstOrderClaim.status == "used") & Order.status.not_in(USED_ON))
            | Order.campaign_id.is_distinct_from(FirstOrderClaim.campaign_id)
            | Order.member_id.is_distinct_from(FirstOrderClaim.member_id)
        )
    )
    problems = [
        f"first-order discount of member {member} is {status} on order {order}, which is {state}"
        for member, status, order, state in misplaced
    ]
    missing = db.session.execute(
        select(Order.id)
        .join(Campaign, Campaign.id == Order.campaign_id)
        .outerjoin(FirstOrderClaim, FirstOrderClaim.order_id == Order.id)
        .where(
            Campaign.kind == "first_order",
            Order.status.in_(HELD_ON + USED_ON),
            FirstOrderClaim.id.is_(None),
        )
    )
    return problems + [
        f"order {order} has a first-order discount nobody holds" for (order,) in missing
    ]

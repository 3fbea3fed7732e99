"""A member's first-order discount (首单立减), taken by one order: the database decides it is
once. An order priced with a first_order campaign inserts the member's first_order_claim row in
its own transaction (INSERT ... ON CONFLICT (member_id) DO NOTHING): of two orders placed at
once, the second waits for the first's commit and then finds the row taken, and is refused
(FirstOrderTaken; nothing is placed). Held when placed, used when paid, deleted (given back)
when the order ends without fuel, in the transaction that moves the order; a walk-in sale at
the counter takes it used at once."""

from datetime import datetime

from sqlalchemy import delete, update

from app.extensions import db
from app.models import FirstOrderClaim, Order
from app.models.base import insert_unless_exists
from app.services.platform.errors import Conflict


class FirstOrderTaken(Conflict):
    """The price the driver saw had a first-order discount another order took meanwhile."""

    code = "price_changed"


def take(order: Order, campaign_id: int, now: datetime, used: bool = False) -> None:
    """The member's first-order discount on this order (held, or used for a sale settled at
    once), in the order's transaction; FirstOrderTaken if another order has it."""
    row = {
        "chain_id": order.chain_id,
        "member_id": order.member_id,
        "campaign_id": campaign_id,
        "order_id": order.id,
        "status": "used" if used else "held",
        "held_at": now,
        "used_at": now if used else None,
    }
    if not insert_unless_exists(FirstOrderClaim, ("member_id",), row):
        raise FirstOrderTaken("首单优惠已用于您的另一笔订单，应付金额已变化，请确认后重新下单")


def use(order_id: int, now: datetime) -> int:
    """held -> used when the order is paid; how many (0 when the order has none)."""
    used = db.session.execute(
        update(FirstOrderClaim)
        .where(FirstOrderClaim.order_id == order_id, FirstOrderClaim.status == "held")
        .values(status="used", used_at=now)
        .execution_options(synchronize_session=False)
    )
    return used.rowcount


def give_back(order_id: int) -> int:
    """The order's first-order discount back to its member (the order ended without fuel)."""
    back = db.session.execute(
        delete(FirstOrderClaim)
        .where(FirstOrderClaim.order_id == order_id)
        .execution_options(synchronize_session=False)
    )
    return back.rowcount

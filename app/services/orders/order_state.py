"""The order state machine, in one place; every transition is a compare-and-set.

An order that ends without fuel (cancelled, or expired unpaid) gives its coupon and its
first-order discount back in the same transaction (marketing.redeeming, first_orders), whoever
moved it: the driver, staff refunding it in full, or the expiry job."""

from sqlalchemy import update

from app.extensions import db
from app.models import Order
from app.models.base import utcnow
from app.models.order import ORDER_STATUSES
from app.services.marketing import first_orders, redeeming
from app.services.orders import statements
from app.services.platform.errors import Conflict

# created -> paid -> fueled -> settled; created -> cancelled | expired; paid -> cancelled
TRANSITIONS = {
    "created": {"paid", "cancelled", "expired"},
    "paid": {"fueled", "cancelled"},
    "fueled": {"settled"},
    "settled": set(),
    "cancelled": set(),
    "expired": set(),
}
if TRANSITIONS.keys() != ORDER_STATUSES.keys() or set().union(*TRANSITIONS.values()) - set(
    ORDER_STATUSES
):
    raise RuntimeError("the state machine names a status the order model does not know")

STATUS_NAMES = ORDER_STATUSES
# Ends without fuel: the order's coupon and first-order discount go back to its member.
COUPON_BACK = ("cancelled", "expired")


def move(order_id: int, from_status: str, to_status: str, *guards, **values) -> bool:
    """UPDATE ... WHERE status = from_status [AND guards]; False when someone else moved it
    first (or a guard no longer holds)."""
    if to_status not in TRANSITIONS[from_status]:
        raise ValueError(f"no transition {from_status} -> {to_status}")
    result = db.session.execute(
        update(Order)
        .where(Order.id == order_id, Order.status == from_status, *guards)
        .values(status=to_status, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    if to_status in COUPON_BACK:
        redeeming.give_back(order_id, utcnow())
        first_orders.give_back(order_id)
    return True


def take(
    order_id: int,
    from_status: str,
    to_status: str,
    *guards: str,
    params: dict | None = None,
    **values,
) -> Order | None:
    """move(), returning the order as the update left it (locked until commit), or None.

    guards: this module's named ones (COVERS, ...), their bind parameters in params."""
    if to_status not in TRANSITIONS[from_status]:
        raise ValueError(f"no transition {from_status} -> {to_status}")
    order = statements.move_returning(
        order_id, from_status, to_status, guards, params or {}, values
    )
    if order is not None and to_status in COUPON_BACK:
        if order.coupon_id is not None:
            redeeming.give_back(order_id, utcnow())
        if order.campaign_id is not None:
            first_orders.give_back(order_id)
    return order


# The guards take() accepts, by name (statements.GUARDS holds their SQL).
# What is left of the payment still covers the fuel (params: needed_fen).
COVERS = "covers"
NO_PAYMENT_METHOD_YET = "no_payment_method_yet"
PAYMENT_METHOD_IS = "payment_method_is"  # params: payment_method_is


def must_move(
    order_id: int, from_status: str, to_status: str, message: str, *guards, **values
) -> None:
    if not move(order_id, from_status, to_status, *guards, **values):
        raise Conflict(message)

"""The order state machine, in one place; every transition is a compare-and-set."""

from sqlalchemy import inspect, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.extensions import db
from app.models import Order
from app.services.errors import Conflict

# created -> paid -> fueled -> settled; created -> cancelled | expired; paid -> cancelled
TRANSITIONS = {
    "created": {"paid", "cancelled", "expired"},
    "paid": {"fueled", "cancelled"},
    "fueled": {"settled"},
    "settled": set(),
    "cancelled": set(),
    "expired": set(),
}

STATUS_NAMES = {
    "created": "待支付",
    "paid": "已支付，待加油",
    "fueled": "已加油，结算中",
    "settled": "已完成",
    "cancelled": "已取消",
    "expired": "已过期",
}


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
    return result.rowcount == 1


def take(order_id: int, from_status: str, to_status: str, *guards, **values) -> Order | None:
    """move(), returning the order as the update left it (locked until commit), or None."""
    if to_status not in TRANSITIONS[from_status]:
        raise ValueError(f"no transition {from_status} -> {to_status}")
    table = Order.__table__
    statement = _UPDATE_RETURNING.where(
        table.c.id == order_id, table.c.status == from_status, *guards
    ).values(status=to_status, **values)
    loaded = db.session.identity_map.get(identity_key(Order, order_id))
    if loaded is None:  # read the returned row into a new order
        return db.session.scalars(select(Order).from_statement(statement)).one_or_none()
    # The order is in the session already (the caller read it): refresh it from the returned
    # row, which costs less than the ORM loading it again.
    row = db.session.execute(statement).first()
    if row is None:
        return None
    for key, value in zip(_KEYS, row, strict=True):
        set_committed_value(loaded, key, value)
    return loaded


_KEYS = [prop.key for prop in inspect(Order).column_attrs]
# The RETURNING list built once: coercing its columns on every call cost more than the rest.
_UPDATE_RETURNING = update(Order.__table__).returning(
    *(prop.columns[0] for prop in inspect(Order).column_attrs)
)


def must_move(
    order_id: int, from_status: str, to_status: str, message: str, *guards, **values
) -> None:
    if not move(order_id, from_status, to_status, *guards, **values):
        db.session.rollback()
        raise Conflict(message)

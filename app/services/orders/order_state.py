"""The order state machine, in one place; every transition is a compare-and-set."""

from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.extensions import db
from app.models import Order
from app.models.order import ORDER_STATUSES
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


def take(
    order_id: int, from_status: str, to_status: str, *guards, params: dict | None = None, **values
) -> Order | None:
    """move(), returning the order as the update left it (locked until commit), or None.

    guards: this module's constants (COVERS, ...), their bind parameters in params, so the
    statement for each kind of move is built once."""
    if to_status not in TRANSITIONS[from_status]:
        raise ValueError(f"no transition {from_status} -> {to_status}")
    statement, load = _take_statements(from_status, to_status, guards, tuple(values))
    bound = {"order_id": order_id, **(params or {})}
    bound.update((f"new_{key}", value) for key, value in values.items())
    loaded = db.session.identity_map.get(identity_key(Order, order_id))
    if loaded is None:  # read the returned row into a new order
        return db.session.scalars(load, bound).one_or_none()
    # The order is in the session already (the caller read it): refresh it from the returned
    # row, which costs less than the ORM loading it again.
    row = db.session.execute(statement, bound).first()
    if row is None:
        return None
    for key, value in zip(_KEYS, row, strict=True):
        set_committed_value(loaded, key, value)
    return loaded


# The guards take() accepts, built once. A refund may land between reading an order and
# fuelling it: what is left must still cover the fuel (bind needed_fen).
COVERS = Order.paid_fen - Order.refunded_fen >= bindparam("needed_fen")
NO_PAYMENT_METHOD_YET = Order.payment_method.is_(None)
PAYMENT_METHOD_IS = Order.payment_method == bindparam("payment_method_is")
_GUARD_IDS = {id(COVERS), id(NO_PAYMENT_METHOD_YET), id(PAYMENT_METHOD_IS)}

_KEYS = [prop.key for prop in inspect(Order).column_attrs]
_COLUMNS = [prop.columns[0] for prop in inspect(Order).column_attrs]
_statements: dict = {}


def _take_statements(from_status: str, to_status: str, guards: tuple, keys: tuple) -> tuple:
    """UPDATE ... RETURNING for one kind of move, and the same read into an order. Built once:
    building one per call (with its 30-column RETURNING) cost more than running it."""
    key = (from_status, to_status, tuple(map(id, guards)), keys)
    found = _statements.get(key)
    if found is None:
        if not {id(guard) for guard in guards} <= _GUARD_IDS:
            raise ValueError("take() accepts the guards of order_state only")
        table = Order.__table__
        statement = (
            update(table)
            .where(table.c.id == bindparam("order_id"), table.c.status == from_status, *guards)
            .values(
                status=to_status,
                **{name: bindparam(f"new_{name}", type_=table.c[name].type) for name in keys},
            )
            .returning(*_COLUMNS)
        )
        found = _statements[key] = (statement, select(Order).from_statement(statement))
    return found


def must_move(
    order_id: int, from_status: str, to_status: str, message: str, *guards, **values
) -> None:
    if not move(order_id, from_status, to_status, *guards, **values):
        raise Conflict(message)

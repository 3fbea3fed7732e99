"""The Order aggregate's statements that the order flow runs on every order, built once.

Building one of these per call cost more than running it (docs/benchmarks.md has the figures):
SQLAlchemy caches the compiled SQL, not the statement object or its cache key. The other
statements about orders are built where they are used."""

from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.extensions import db
from app.models import Order, PickupToken, Station
from app.models.base import insert_ignoring, with_defaults

# The conditions a move may add to its compare-and-set, by the names order_state gives them.
GUARDS = {
    # A refund may land between reading an order and fuelling it: what is left must still
    # cover the fuel.
    "covers": Order.paid_fen - Order.refunded_fen >= bindparam("needed_fen"),
    "no_payment_method_yet": Order.payment_method.is_(None),
    "payment_method_is": Order.payment_method == bindparam("payment_method_is"),
}

_order = Order.__table__.c


def insert_order(row: dict) -> Order | None:
    """INSERT ... ON CONFLICT (order_no) DO NOTHING RETURNING, read into the order (no ORM
    flush); None when the order number was taken (the transaction goes on)."""
    table = Order.__table__
    row = with_defaults(table, row)
    statement = insert_ignoring(table, tuple(row), ("order_no",), tuple(table.c))
    return db.session.scalars(select(Order).from_statement(statement), row).one_or_none()


_KEYS = [prop.key for prop in inspect(Order).column_attrs]
_COLUMNS = [prop.columns[0] for prop in inspect(Order).column_attrs]


@cache
def _move(from_status: str, to_status: str, guards: tuple[str, ...], keys: tuple[str, ...]):
    """UPDATE ... RETURNING for one kind of move, and the same read into an order."""
    statement = (
        update(Order.__table__)
        .where(
            _order.id == bindparam("order_id"),
            _order.status == from_status,
            *(GUARDS[name] for name in guards),
        )
        .values(
            status=to_status,
            **{key: bindparam(f"new_{key}", type_=_order[key].type) for key in keys},
        )
        .returning(*_COLUMNS)
    )
    return statement, select(Order).from_statement(statement)


def move_returning(
    order_id: int, from_status: str, to_status: str, guards: tuple, params: dict, values: dict
) -> Order | None:
    """Move the order if it is still in from_status and the named guards hold (their bind
    parameters in params), setting values too; the order as the UPDATE left it, or None.

    An order this session holds already (the caller read it) is refreshed from the returned
    row, and keeps what was loaded with it (its driver, its token); populate_existing would
    reset those, and reading them again costs a query."""
    if not all(isinstance(name, str) and name in GUARDS for name in guards):
        raise ValueError(f"a move's guards are named ones: {', '.join(GUARDS)}")
    statement, load = _move(from_status, to_status, guards, tuple(values))
    bound = {"order_id": order_id, **params}
    bound.update((f"new_{key}", value) for key, value in values.items())
    loaded = db.session.identity_map.get(identity_key(Order, order_id))
    if loaded is None:
        return db.session.scalars(load, bound).one_or_none()
    row = db.session.execute(statement, bound).first()
    if row is None:
        return None
    for key, value in zip(_KEYS, row, strict=True):
        set_committed_value(loaded, key, value)
    return loaded


_ADD_REFUNDED = (
    update(Order.__table__)
    .where(
        _order.id == bindparam("order"),
        _order.refunded_fen + bindparam("amount") <= _order.paid_fen,
        _order.status == bindparam("expected"),
    )
    .values(refunded_fen=_order.refunded_fen + bindparam("amount"))
)
_ADD_REFUNDED_ANY_STATUS = (
    update(Order.__table__)
    .where(
        _order.id == bindparam("order"),
        _order.refunded_fen + bindparam("amount") <= _order.paid_fen,
    )
    .values(refunded_fen=_order.refunded_fen + bindparam("amount"))
)


def add_refunded(order_id: int, amount_fen: int, expected_status: str | None) -> bool:
    """Count a refund against the order, unless refunds would then exceed what was paid, or the
    order has left expected_status (when given)."""
    params = {"order": order_id, "amount": amount_fen, "expected": expected_status}
    statement = _ADD_REFUNDED_ANY_STATUS if expected_status is None else _ADD_REFUNDED
    return db.session.execute(statement, params).rowcount == 1


_token = PickupToken.__table__.c
_TOKEN_WITH_ORDER = (
    select(PickupToken, Order)
    .join(Order, Order.id == PickupToken.order_id)
    .join(Order.member)  # the driver's name too, for the attendant's screen
    .options(contains_eager(Order.member))
    .where(PickupToken.token_hash == bindparam("hash"))
)
_BURN_TOKEN = (  # the short code is freed with it
    update(PickupToken.__table__)
    .where(_token.order_id == bindparam("order"), _token.used_at.is_(None))
    .values(used_at=bindparam("now"), used_by_id=bindparam("staff"), code_hash=None)
)


def token_with_order(token_hash: str) -> tuple[PickupToken, Order] | tuple[None, None]:
    """A scanned token's row and its order with the driver, as every scan reads them."""
    found = db.session.execute(_TOKEN_WITH_ORDER, {"hash": token_hash}).first()
    return (found[0], found[1]) if found else (None, None)


def burn_token(order_id: int, staff_id: int, now: datetime) -> bool:
    """Mark the order's token used, unless it was already."""
    params = {"order": order_id, "now": now, "staff": staff_id}
    return db.session.execute(_BURN_TOKEN, params).rowcount == 1


# NO KEY UPDATE: other transactions may still insert rows that refer to the station.
_LOCK_STATION = (
    select(Station.id).where(Station.id == bindparam("station")).with_for_update(key_share=True)
)


def lock_station(station_id: int) -> None:
    """Hold the station row until commit (station_events: events become visible in order)."""
    db.session.execute(_LOCK_STATION, {"station": station_id})

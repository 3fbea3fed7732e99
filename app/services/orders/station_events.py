"""Station events in sequence (paid, fuelled, cancelled orders) for the handhelds' live list."""

from sqlalchemy import func, insert, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Order, PickupToken, Staff, StationEvent
from app.services.orders import statements
from app.services.platform.errors import PermissionDenied
from app.services.staff.access import visible_station_ids

# The handheld's people, and the console's 线上订单 page (a chain admin reads it there: the
# handheld refuses a chain admin at login).
STATION_ROLES = ("attendant", "cashier", "manager", "chain_admin")


def record(order: Order, kind: str) -> None:
    """Add an event in the caller's transaction, so it exists exactly when the change does.

    Handhelds read a station's events by id ("everything after the last one I saw"), so the
    events of one station must become visible in id order: a transaction that took id 11 must
    not commit before the one holding id 10, or a reader at 11 would never see 10. The station
    row's lock, held until commit, keeps them in line (SQLite has one writer at a time anyway).

    Callers record the event last, after the order row and any wallet are theirs: every use
    case takes its locks in the order order -> wallet -> station, so two never wait on each
    other in a circle (a deadlock)."""
    statements.lock_station(order.station_id)
    db.session.execute(
        insert(StationEvent.__table__),
        {
            "chain_id": order.chain_id,
            "station_id": order.station_id,
            "order_id": order.id,
            "kind": kind,
        },
    )


def _check(staff: Staff, station_id: int) -> None:
    if staff.role not in STATION_ROLES or station_id not in visible_station_ids(staff):
        raise PermissionDenied("您不属于该油站")


def waiting_orders(staff: Staff, station_id: int) -> tuple[list[Order], int]:
    """Paid orders not yet fuelled, oldest first, and the sequence number they are current to."""
    _check(staff, station_id)
    cursor = db.session.scalar(
        select(func.coalesce(func.max(StationEvent.id), 0)).where(
            StationEvent.station_id == station_id
        )
    )
    rows = db.session.scalars(
        select(Order)
        .options(selectinload(Order.member))  # each row names its driver
        .where(Order.station_id == station_id, Order.status == "paid")
        .order_by(Order.paid_at, Order.id)
    )
    return list(rows), cursor


def orders_of(events: list[StationEvent]) -> dict[int, Order]:
    """The events' orders with their drivers, by id, in two queries whatever their number."""
    ids = {event.order_id for event in events}
    if not ids:
        return {}
    query = select(Order).options(selectinload(Order.member)).where(Order.id.in_(ids))
    return {order.id: order for order in db.session.scalars(query)}


def since(staff: Staff, station_id: int, after: int, limit: int = 200) -> list[StationEvent]:
    _check(staff, station_id)
    query = (
        select(StationEvent)
        .where(StationEvent.station_id == station_id, StationEvent.id > after)
        .order_by(StationEvent.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def token_hashes(order_ids) -> dict[int, str]:
    """The stored pickup-token hashes of these orders, for matching a scan offline."""
    ids = set(order_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(PickupToken.order_id, PickupToken.token_hash).where(PickupToken.order_id.in_(ids))
    )
    return dict(rows.all())

"""Which shift an order belongs to: exactly one, decided by the database's row locks.

An order belongs to the shift that was open at its station when its fuel was dispensed
(`attach_order`, called in the transaction that records the pump reading): its shift_id is set
there while that transaction holds the open shift's row FOR KEY SHARE. close_shift takes the
same row FOR UPDATE, which conflicts: a fuelling in flight makes the close wait until it has
committed (then the close counts it), and a fuelling that comes after the close began waits for
the close, then finds no open shift. So a sale is counted before the close or after it, never
both and never neither.

While no shift is open (between a handover and its acceptance, say), an order keeps shift_id
NULL and the next shift to open takes it (`take_waiting`). Opening locks the station row FOR NO
KEY UPDATE and attach_order, finding no open shift, takes the same lock and looks again: one
waits for the other, so no order slips between "no shift open" and the sweep. It is the lock the
station's events feed takes later in the same transaction (orders.statements.lock_station): a
weaker one here (FOR SHARE) would be upgraded there, and two fuellings upgrading at once
deadlock.
Walk-in and cash sales call attach_order in their own sale transaction the same way.

Money is attached the same way: every ledger entry on a station's cash drawer, card clearing or
terminal clearing gets the shift in progress in the transaction that posts it (ledger.post, with
ledger/shifts.py's shift_in_progress: the same two locks, in the same order), and an opening
takes the entries that waited with the orders (take_waiting).

The pump reading is the moment, not settlement: the litres leave the nozzle then, so the
shift's totalizers and its sold litres count the same fuel even when the settlement job runs
late (a stopped worker would otherwise push an hour of sales into the next shift).
"""

from datetime import datetime

from sqlalchemy import update

from app.extensions import db
from app.models import Order, Shift
from app.services.ledger import shifts as money
from app.services.ledger.shifts import lock_station

__all__ = ["attach_order", "lock_station", "take_waiting"]


def attach_order(order_id: int, station_id: int) -> int | None:
    """Give a just-fuelled order the station's open shift, in the caller's transaction; the
    shift's id, or None when no shift is open (the next one to open takes the order)."""
    shift_id = money.shift_in_progress(station_id)
    if shift_id is not None:
        db.session.execute(
            update(Order)
            .where(Order.id == order_id, Order.shift_id.is_(None))
            .values(shift_id=shift_id)
            .execution_options(synchronize_session=False)
        )
    return shift_id


def take_waiting(shift: Shift, since: datetime) -> int:
    """Orders of the station fuelled from `since` on that no shift holds yet go to this new
    shift, and so do its counter ledger entries posted meanwhile, in the caller's transaction;
    how many orders."""
    money.take_waiting(shift, since)
    result = db.session.execute(
        update(Order)
        .where(
            Order.station_id == shift.station_id,
            Order.shift_id.is_(None),
            Order.fueled_at.is_not(None),
            Order.fueled_at >= since,
        )
        .values(shift_id=shift.id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount

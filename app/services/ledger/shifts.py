"""Which shift a counter ledger entry belongs to: money into or out of a station's cash drawer,
card clearing or terminal clearing lands in exactly one shift, decided by the database's row
locks the way a fuelled order's shift is (counter/shifts/attach.py tells the whole story).

- post() calls shift_in_progress for each station its counter legs name, in the money's own
  transaction: it holds the open shift's row FOR KEY SHARE until commit. close_shift takes that
  row FOR UPDATE, so a movement in flight lands before the close counts the drawer, and one that
  comes later waits and finds no open shift.
- No open shift: the station row FOR NO KEY UPDATE (the lock an opening takes, and the one the
  station's events feed takes later in a fuelling: never a weaker one that would be upgraded),
  then a second look; still none, the entries wait with shift_id NULL and the next shift to open
  takes them (take_waiting).
- The close's own postings (over/short, corrections of a closed shift) name their shift."""

from datetime import datetime

from sqlalchemy import exists, select, update

from app.extensions import db
from app.models import SHIFT_ACCOUNTS, LedgerEntry, LedgerTransaction, Shift, Station


def _open_shift_id(station_id: int) -> int | None:
    return db.session.scalar(
        select(Shift.id)
        .where(Shift.station_id == station_id, Shift.status == "open")
        .with_for_update(read=True, key_share=True)  # FOR KEY SHARE
    )


def shift_in_progress(station_id: int) -> int | None:
    """The station's open shift, held FOR KEY SHARE until commit; None when no shift is open
    (the station row is then held, so that no opening slips in before the caller commits)."""
    shift_id = _open_shift_id(station_id)
    if shift_id is None:
        # An opening in progress holds the station row: wait for it, then look again.
        lock_station(station_id)
        shift_id = _open_shift_id(station_id)
    return shift_id


def lock_station(station_id: int) -> None:
    """FOR NO KEY UPDATE on the station row, until commit: orders may still be placed."""
    db.session.execute(
        select(Station.id).where(Station.id == station_id).with_for_update(key_share=True)
    )


def take_waiting(shift: Shift, since: datetime) -> int:
    """Counter entries of the station posted from `since` on while no shift was open go to
    this new shift, in the caller's transaction (which holds the station row); how many."""
    posted_since = exists().where(
        LedgerTransaction.id == LedgerEntry.transaction_id, LedgerTransaction.created_at >= since
    )
    result = db.session.execute(
        update(LedgerEntry)
        .where(
            LedgerEntry.station_id == shift.station_id,
            LedgerEntry.shift_id.is_(None),
            LedgerEntry.account.in_(SHIFT_ACCOUNTS),
            posted_since,
        )
        .values(shift_id=shift.id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount

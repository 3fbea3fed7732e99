"""The points book: every change of a member's points goes through here, in the caller's
transaction, under the lock of the member's points account row (SELECT ... FOR UPDATE), so the
changes of one member run one after another: a daily cap, a per-member limit or a balance read
under the lock stays true until the commit.

- `lock` takes the lock (making the account on first use) and first expires the member's lots
  that are due, so no one spends points that are past their time, whether or not the hourly
  job has come by.
- `credit` adds points to the lot of the local year (the lot's expiry set when it is made).
- `debit` takes points from the lots that expire first (FIFO), a given lot first if asked.
- `write_entry` records the line of the points ledger with the balance after it.
Every change of a balance or a lot is a guarded UPDATE (balance - n WHERE balance >= n), with
CHECK balance >= 0 and CHECK remaining >= 0 behind them: never negative, even if a caller
forgot the lock."""

from datetime import datetime

from sqlalchemy import case, func, insert, select, update

from app.extensions import db
from app.models import PointsAccount, PointsEntry, PointsEntryLot, PointsLot
from app.models.base import insert_unless_exists
from app.services.platform.clock import from_local, to_local

DEFAULT_EXPIRY_MONTHS = 12


class NotEnough(Exception):
    """The balance is below what a debit asked for (the caller says it in words)."""


def lot_expiry(year: int, months: int) -> datetime:
    """When the lot of `year` expires: local midnight starting year+1, plus `months` months
    (12: the end of the next year)."""
    month_index = months  # months after January 1st of year + 1
    return from_local(datetime(year + 1 + month_index // 12, 1 + month_index % 12, 1))


def lock(member_id: int, chain_id: int, now: datetime) -> int:
    """Lock the member's account (made on first use) and expire its due lots; the balance."""
    return lock_and_expire(member_id, chain_id, now)[0]


def lock_and_expire(member_id: int, chain_id: int, now: datetime) -> tuple[int, int]:
    """lock(): (the balance, how many lots expired)."""
    values = {"member_id": member_id, "chain_id": chain_id, "balance": 0, "updated_at": now}
    insert_unless_exists(PointsAccount, ("member_id",), values)
    balance = db.session.execute(
        select(PointsAccount.balance).where(PointsAccount.member_id == member_id).with_for_update()
    ).scalar_one()
    due = db.session.execute(
        select(PointsLot.id, PointsLot.year, PointsLot.remaining)
        .where(
            PointsLot.member_id == member_id,
            PointsLot.remaining > 0,
            PointsLot.expires_at <= now,
        )
        .order_by(PointsLot.expires_at, PointsLot.id)
    ).all()
    for lot_id, year, remaining in due:
        balance = expire_lot(member_id, chain_id, lot_id, year, remaining, now)
    return balance, len(due)


def balance_of(member_id: int) -> int:
    return (
        db.session.scalar(select(PointsAccount.balance).where(PointsAccount.member_id == member_id))
        or 0
    )


def _move_balance(member_id: int, delta: int, now: datetime) -> int | None:
    """balance + delta, guarded so it never goes below zero; the new balance, or None."""
    guards = [PointsAccount.member_id == member_id]
    if delta < 0:
        guards.append(PointsAccount.balance >= -delta)
    return db.session.execute(
        update(PointsAccount)
        .where(*guards)
        .values(balance=PointsAccount.balance + delta, updated_at=now)
        .returning(PointsAccount.balance)
        .execution_options(synchronize_session=False)
    ).scalar()


def expire_lot(
    member_id: int, chain_id: int, lot_id: int, year: int, remaining: int, now: datetime
) -> int:
    """What is left of a due lot expires (the caller holds the lock); the balance after."""
    taken = db.session.execute(
        update(PointsLot)
        .where(PointsLot.id == lot_id, PointsLot.remaining == remaining)
        .values(remaining=0)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise RuntimeError(f"points lot {lot_id} changed under its account's lock")
    balance = _move_balance(member_id, -remaining, now)
    if balance is None:
        raise RuntimeError(f"points account {member_id} holds less than its lots")
    write_entry(
        member_id,
        chain_id,
        "expire",
        -remaining,
        balance,
        [(lot_id, -remaining)],
        now,
        lot_id=lot_id,
        note=f"{year} 年获得的积分到期",
    )
    return balance


def credit(
    member_id: int, chain_id: int, points: int, now: datetime, expiry_months: int
) -> tuple[int, int]:
    """Add points to the lot of this local year (made with its expiry if new); (lot id,
    balance after). The caller holds the lock and writes the entry."""
    year = to_local(now).year
    lot = {
        "chain_id": chain_id,
        "member_id": member_id,
        "year": year,
        "remaining": 0,
        "expires_at": lot_expiry(year, expiry_months),
        "created_at": now,
    }
    insert_unless_exists(PointsLot, ("member_id", "year"), lot)
    lot_id = db.session.execute(
        update(PointsLot)
        .where(PointsLot.member_id == member_id, PointsLot.year == year)
        .values(remaining=PointsLot.remaining + points)
        .returning(PointsLot.id)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return lot_id, _move_balance(member_id, points, now)


def debit(
    member_id: int, points: int, now: datetime, first_lot_id: int | None = None
) -> tuple[list[tuple[int, int]], int]:
    """Take points from the member's live lots, those that expire first first (first_lot_id
    before all, if given); ([(lot id, -points taken)], balance after). NotEnough when the
    balance is short. The caller holds the lock (see `lock`) and writes the entry."""
    balance = _move_balance(member_id, -points, now)
    if balance is None:
        raise NotEnough()
    first = case((PointsLot.id == first_lot_id, 0), else_=1)
    lots = db.session.execute(
        select(PointsLot.id, PointsLot.remaining)
        .where(
            PointsLot.member_id == member_id,
            PointsLot.remaining > 0,
            PointsLot.expires_at > now,
        )
        .order_by(first, PointsLot.expires_at, PointsLot.id)
    ).all()
    parts, left = [], points
    for lot_id, remaining in lots:
        if left == 0:
            break
        take = min(left, remaining)
        done = db.session.execute(
            update(PointsLot)
            .where(PointsLot.id == lot_id, PointsLot.remaining >= take)
            .values(remaining=PointsLot.remaining - take)
            .execution_options(synchronize_session=False)
        ).rowcount
        if done != 1:
            raise RuntimeError(f"points lot {lot_id} changed under its account's lock")
        parts.append((lot_id, -take))
        left -= take
    if left:
        raise RuntimeError(f"points account {member_id} holds more than its live lots")
    return parts, balance


def write_entry(
    member_id: int,
    chain_id: int,
    kind: str,
    delta: int,
    balance_after: int,
    parts: list[tuple[int, int]],
    now: datetime,
    **fields,
) -> int:
    """One line of the points ledger and how it moved the lots; its id."""
    row = {
        "chain_id": chain_id,
        "member_id": member_id,
        "kind": kind,
        "delta": delta,
        "balance_after": balance_after,
        "shortfall": 0,
        "note": "",
        "created_at": now,
    } | fields
    entry_id = db.session.execute(
        insert(PointsEntry).values(**row).returning(PointsEntry.id)
    ).scalar_one()
    if parts:
        db.session.execute(
            insert(PointsEntryLot),
            [
                {"chain_id": chain_id, "entry_id": entry_id, "lot_id": lot, "points": points}
                for lot, points in parts
            ],
        )
    return entry_id


def outstanding(chain_id: int, now: datetime) -> list[tuple[datetime, int]]:
    """The points the chain's members hold, by when they expire, soonest first. Points are not
    in the money ledger (docs/points.md), so this is the figure finance watches."""
    lot = PointsLot
    rows = db.session.execute(
        select(lot.expires_at, func.sum(lot.remaining))
        .where(lot.chain_id == chain_id, lot.remaining > 0, lot.expires_at > now)
        .group_by(lot.expires_at)
        .order_by(lot.expires_at)
    )
    return [(expires_at, int(points)) for expires_at, points in rows]

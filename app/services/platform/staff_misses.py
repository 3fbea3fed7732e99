"""Wrong codes typed by a staff member (a member code, a redemption code): MAX_MISSES unknown
codes within MISS_WINDOW lock that person out of typing that kind of code for LOCK_FOR.

Each kind counts in its own MissGuard row, keyed "<kind>-staff:<staff id>". A miss is counted
in one statement, so misses sent at once all count; the caller commits the count before it
refuses the code."""

import logging
import math
from datetime import datetime, timedelta

from sqlalchemy import case, update

from app.extensions import db
from app.models import MissGuard, Staff
from app.models.base import insert_unless_exists
from app.services.platform import audit

log = logging.getLogger(__name__)

MAX_MISSES = 5
MISS_WINDOW = timedelta(minutes=10)  # misses further apart than this start the count again
LOCK_FOR = timedelta(minutes=10)


def guard_key(kind: str, actor: Staff) -> str:
    return f"{kind}-staff:{actor.id}"


def locked_until(kind: str, actor: Staff, now: datetime) -> datetime | None:
    """When the lockout of actor for this kind of code ends, if it is on at `now`."""
    guard = db.session.get(MissGuard, guard_key(kind, actor), populate_existing=True)
    if guard is None or guard.locked_until is None or guard.locked_until <= now:
        return None
    return guard.locked_until


def minutes_left(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def count_miss(
    kind: str, actor: Staff, station_id: int, now: datetime
) -> tuple[int, datetime | None]:
    """This miss counted: (misses in the current window, locked until). The miss that reaches
    MAX_MISSES writes a "<kind>.lockout" audit entry."""
    key = guard_key(kind, actor)
    row = {"key": key, "chain_id": actor.chain_id, "misses": 0, "window_started_at": now}
    insert_unless_exists(MissGuard, ("key",), row)
    c = MissGuard.__table__.c
    current = (c.window_started_at > now - MISS_WINDOW) & (c.misses < MAX_MISSES)
    counted = case((current, c.misses + 1), else_=1)
    misses, until = db.session.execute(
        update(MissGuard.__table__)
        .where(c.key == key)
        .values(
            misses=counted,
            window_started_at=case((current, c.window_started_at), else_=now),
            locked_until=case((counted >= MAX_MISSES, now + LOCK_FOR), else_=c.locked_until),
        )
        .returning(c.misses, c.locked_until)
    ).one()
    log.warning("%s miss: staff %s at station %s, %s in a row", kind, actor.id, station_id, misses)
    if misses == MAX_MISSES:
        audit.record(
            actor,
            f"{kind.replace('-', '_')}.lockout",
            "staff",
            actor.id,
            chain_id=actor.chain_id,
            station_id=station_id,
            after={"misses": misses, "minutes": int(LOCK_FOR.total_seconds() // 60)},
        )
    return misses, until


def start_count_again(kind: str, actor: Staff, now: datetime) -> None:
    """A hit starts the count again, in one guarded statement: misses counted meanwhile by
    another request are never overwritten from a stale read, and a lockout that one of them
    set keeps its count until it ends."""
    c = MissGuard.__table__.c
    db.session.execute(
        update(MissGuard.__table__)
        .where(
            c.key == guard_key(kind, actor),
            c.misses > 0,
            c.locked_until.is_(None) | (c.locked_until <= now),
        )
        .values(misses=0)
    )

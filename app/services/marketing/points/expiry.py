"""Points expiring by lot: an hourly job through the outbox, queued by the hourly housekeeping
(app/jobs.py) once per hour whatever the number of processes, carried on in batches.

Running it twice expires nothing twice: a lot is expired under its member's account lock by a
compare-and-set on what remains (remaining = n -> 0), and UNIQUE (lot_id) on expire entries
backs that. Nothing waits for it: book.lock expires a member's due lots before any change, and
the driver's reads leave due lots out (points.mine)."""

from datetime import datetime, timedelta

from sqlalchemy import exists, select

from app.extensions import db
from app.models import PointsLot, PointsRule
from app.models.base import utcnow
from app.services.marketing.points import book
from app.services.platform import outbox
from app.services.platform.clock import to_local
from app.services.platform.unit_of_work import unit_of_work

BATCH = 500
JOB = "points_expire"


def expire_batch(now: datetime | None = None, limit: int | None = None) -> int:
    """Expire up to `limit` due lots in one transaction; how many. Members are locked in the
    order of their ids, as every batch does, so two batches never wait on each other in turn."""
    now, limit = now or utcnow(), limit or BATCH
    with unit_of_work():
        due = db.session.execute(
            select(PointsLot.member_id, PointsLot.chain_id)
            .where(PointsLot.remaining > 0, PointsLot.expires_at <= now)
            .order_by(PointsLot.expires_at, PointsLot.id)
            .limit(limit)
        ).all()
        expired = 0
        for member_id, chain_id in sorted(set(due)):
            expired += book.lock_and_expire(member_id, chain_id, now)[1]
        return expired


def run_job(payload: dict) -> None:
    """Job: one batch; when it was full, the next batch as a job of its own."""
    if expire_batch() >= BATCH:
        part = payload.get("part", 0) + 1
        hour = payload["hour"]
        outbox.enqueue(JOB, {"hour": hour, "part": part}, dedupe_key=f"{JOB}:{hour}:{part}")


def next_hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def schedule_hourly(now: datetime | None = None) -> None:
    """Hourly (housekeeping): make sure the expiry at the next full hour is queued, once (its
    dedupe key names the hour). Nothing while no chain has points rules."""
    with unit_of_work():
        if not db.session.scalar(select(exists().where(PointsRule.id.is_not(None)))):
            return
        run_at = next_hour(now or utcnow())
        hour = to_local(run_at).strftime("%Y-%m-%dT%H")
        outbox.enqueue(
            JOB, {"hour": hour, "part": 0}, dedupe_key=f"{JOB}:{hour}:0", run_after=run_at
        )

"""The job outbox: jobs are rows written with the change that needs them, then run at least
once (in-process in the embedded mode, through RQ in production) by claiming them with a
compare-and-set. Every handler is idempotent."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import OutboxJob
from app.models.base import insert_unless_exists, utcnow
from app.services.platform import statements
from app.services.platform.unit_of_work import retrying, unit_of_work

log = logging.getLogger(__name__)
HANDLERS: dict[str, Callable[[dict], None]] = {}
MAX_ATTEMPTS = 12
# A claimed job whose worker died is handed out again after this long (the worker's relay hands
# out sooner the jobs whose lease it no longer renews: JOBS_LEASE_S).
STUCK_AFTER = timedelta(minutes=10)


class RetryLater(Exception):
    """Raised by a handler that must run again later (e.g. the outside service is busy)."""

    def __init__(self, reason: str, delay: timedelta | None = None):
        super().__init__(reason)
        self.delay = delay


def handler(kind: str):
    def register(func: Callable[[dict], None]):
        HANDLERS[kind] = func
        return func

    return register


def enqueue(
    kind: str, payload: dict, *, dedupe_key: str | None = None, run_after: datetime | None = None
) -> None:
    """Add a job in the caller's transaction; a job with the same dedupe_key is kept as is."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for job kind {kind!r}")
    values = {"kind": kind, "payload": payload, "dedupe_key": dedupe_key}
    values["run_after"] = run_after or utcnow()
    insert_unless_exists(OutboxJob, ("dedupe_key",), values)


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    payload: dict
    attempts: int


def claim(job_id: int, from_status: str = "pending") -> Claimed | None:
    """Take a job by compare-and-set (committed); None when someone else has it."""
    with unit_of_work():
        row = statements.claim_job(job_id, from_status, utcnow())
    return Claimed(job_id, row.kind, dict(row.payload), row.attempts) if row else None


def _due(limit: int, now: datetime | None = None):
    """The ids of pending jobs whose time has come, oldest first."""
    return (
        select(OutboxJob.id)
        .where(OutboxJob.status == "pending", OutboxJob.run_after <= (now or utcnow()))
        .order_by(OutboxJob.run_after, OutboxJob.id)
        .limit(limit)
    )


def due_ids(limit: int, now: datetime | None = None) -> list[int]:
    return list(db.session.scalars(_due(limit, now)))


def run_due(limit: int = 50) -> int:
    """Claim and run the jobs that are due, here and now; returns how many ran."""
    ran = 0
    for job_id in due_ids(limit):
        if job := claim(job_id):
            execute(job)
            ran += 1
    return ran


def execute(job: Claimed) -> None:
    """Run a claimed job and mark it done in the job's own transaction (one commit, unless the
    handler is written in steps); failures are retried with backoff."""

    def run() -> None:
        with unit_of_work():
            HANDLERS[job.kind](job.payload)
            statements.job_done(job.id, utcnow())

    try:
        retrying(run)
    except RetryLater as later:
        _reschedule(job.id, job.attempts, str(later), later.delay)
    except Exception as err:
        log.exception("job %s (%s) failed on attempt %s", job.id, job.kind, job.attempts)
        _reschedule(job.id, job.attempts, f"{type(err).__name__}: {err}"[:500])


def _reschedule(job_id: int, attempts: int, error: str, delay: timedelta | None = None) -> None:
    failed = attempts >= MAX_ATTEMPTS
    delay = delay or timedelta(seconds=min(5 * 2 ** (attempts - 1), 3600))
    with unit_of_work():
        db.session.execute(
            update(OutboxJob)
            .where(OutboxJob.id == job_id)
            .values(
                status="failed" if failed else "pending",
                run_after=utcnow() + delay,
                last_error=error[:500],
                finished_at=utcnow() if failed else None,
            )
        )
    if failed:
        log.error("job %s gave up after %s attempts: %s", job_id, attempts, error)


def given_up(dedupe_key: str) -> str | None:
    """The last error of the job with this dedupe key once the runner gave up on it, else None."""
    job = OutboxJob
    found = select(job.last_error).where(job.dedupe_key == dedupe_key, job.status == "failed")
    error = db.session.scalar(found)
    return None if error is None else error or "未知错误"


def retry_given_up(dedupe_key: str) -> bool:
    """Hand a job the runner gave up on out again from its first attempt (the cause fixed), in
    the caller's transaction; False when there is no such job (by compare-and-set: of two
    retries at once, one wins)."""
    job = OutboxJob
    result = db.session.execute(
        update(job)
        .where(job.dedupe_key == dedupe_key, job.status == "failed")
        .values(status="pending", attempts=0, run_after=utcnow(), finished_at=None)
    )
    return result.rowcount == 1


def sweep_stuck(
    now: datetime | None = None,
    after: timedelta = STUCK_AFTER,
    waiting: Callable[[], set[int]] | None = None,
) -> int:
    """Hand out again the jobs queued or running with no sign of life for `after`: their worker
    was killed, or Redis lost them. `waiting()` names the jobs still waiting in Redis, which keep
    their turn (asked only when some job looks stuck)."""
    stuck = (
        OutboxJob.status.in_(("queued", "running")),
        OutboxJob.claimed_at < (now or utcnow()) - after,
    )
    with unit_of_work():
        ids = set(db.session.scalars(select(OutboxJob.id).where(*stuck)))
    if ids and waiting is not None:
        ids -= waiting()  # asked of Redis with no transaction open
    if not ids:
        return 0
    with unit_of_work():
        result = db.session.execute(
            update(OutboxJob).where(OutboxJob.id.in_(ids), *stuck).values(status="pending")
        )
    log.warning("handed out again %s job(s) with no sign of life", result.rowcount)
    return result.rowcount


def renew(job_ids: list[int]) -> None:
    """A worker's sign of life for the jobs it holds (queued in its RQ job, or running)."""
    if not job_ids:
        return
    with unit_of_work():
        db.session.execute(
            update(OutboxJob)
            .where(OutboxJob.id.in_(job_ids), OutboxJob.status.in_(("queued", "running")))
            .values(claimed_at=utcnow())
        )


def relay(limit: int, send: Callable[[list[int]], None]) -> int:
    """Relay step, one transaction: up to `limit` due jobs pending -> queued, and their ids to
    `send` (RQ) before the commit. If sending fails (Redis down) they stay pending for the next
    pass; a worker taking one meanwhile waits on its row until the commit. Concurrent relays
    skip each other's rows. Returns how many were sent."""
    due = _due(limit).with_for_update(skip_locked=True).scalar_subquery()
    with unit_of_work():
        ids = db.session.scalars(
            update(OutboxJob)
            .where(OutboxJob.id.in_(due))
            .values(status="queued", claimed_at=utcnow())
            .returning(OutboxJob.id)
        ).all()
        if ids:
            send(sorted(ids))
    return len(ids)


def backlog(now: datetime | None = None) -> tuple[dict[str, int], timedelta]:
    """For operators: jobs by status, and how late the latest job not done yet is (due and
    pending, handed to RQ, or running)."""
    now = now or utcnow()
    with unit_of_work():
        counts = dict(
            db.session.execute(
                select(OutboxJob.status, func.count()).group_by(OutboxJob.status)
            ).all()
        )
        oldest = db.session.scalar(
            select(func.min(OutboxJob.run_after)).where(
                OutboxJob.status.in_(("queued", "running"))
                | ((OutboxJob.status == "pending") & (OutboxJob.run_after <= now))
            )
        )
    return counts, max(now - oldest, timedelta(0)) if oldest else timedelta(0)

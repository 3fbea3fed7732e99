"""The outbox statements that every job runs, built once: building them per call cost more
than running them (docs/benchmarks.md has the figures)."""

from datetime import datetime

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Row

from app.extensions import db
from app.models import OutboxJob

_job = OutboxJob.__table__.c
_CLAIM_JOB = (
    update(OutboxJob.__table__)
    .where(_job.id == bindparam("job"), _job.status == bindparam("from_status"))
    .values(status="running", claimed_at=bindparam("now"), attempts=_job.attempts + 1)
    .returning(_job.kind, _job.payload, _job.attempts)
)
_JOB_DONE = (
    update(OutboxJob.__table__)
    .where(_job.id == bindparam("job"))
    .values(status="done", finished_at=bindparam("now"), last_error="")
)


def claim_job(job_id: int, from_status: str, now: datetime) -> Row | None:
    """from_status -> running, one attempt more; the job's kind, payload and attempts, or None
    when it was not in from_status."""
    params = {"job": job_id, "from_status": from_status, "now": now}
    return db.session.execute(_CLAIM_JOB, params).first()


def job_done(job_id: int, now: datetime) -> None:
    db.session.execute(_JOB_DONE, {"job": job_id, "now": now})

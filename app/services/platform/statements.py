"""The platform's statements that every job or driver write runs, built once: building them
per call cost more than running them (docs/benchmarks.md has the figures)."""

from datetime import datetime

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Row

from app.extensions import db
from app.models import IdempotencyRecord, OutboxJob

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


_record = IdempotencyRecord.__table__.c
_STORE_ANSWER = (
    update(IdempotencyRecord.__table__)
    .where(
        _record.member_id == bindparam("member"),
        _record.endpoint == bindparam("at"),
        _record.key == bindparam("k"),
    )
    .values(status_code=bindparam("status"), response=bindparam("body"))
)


def store_answer(member_id: int, endpoint: str, key: str, status: int, body: dict) -> bool:
    """The answer into the key's claim (replacing an interim answer the request stored before a
    step); False when there is no such claim."""
    params = {"member": member_id, "at": endpoint, "k": key, "status": status, "body": body}
    return db.session.execute(_STORE_ANSWER, params).rowcount == 1

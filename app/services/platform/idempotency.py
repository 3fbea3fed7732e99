"""Idempotency-Key for driver writes: the first answer is stored and replayed on repeats."""

import hashlib
from dataclasses import asdict, dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import IdempotencyRecord
from app.models.base import insert_unless_exists, utcnow
from app.services.platform import statements
from app.services.platform.errors import Conflict
from app.services.platform.unit_of_work import unit_of_work

KEEP_FOR = timedelta(hours=48)
# A first request still unanswered after this long died with its process: a repeat takes over.
STALE_AFTER = timedelta(minutes=2)


class KeyReused(Conflict):
    code = "idempotency_key_reused"


class StillRunning(Conflict):
    code = "request_in_progress"


def fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


_KEY_COLUMNS = ("member_id", "endpoint", "key")


@dataclass(frozen=True)
class Claim:
    member_id: int
    endpoint: str
    key: str
    request_hash: str


def begin(member_id: int, endpoint: str, key: str, request_hash: str):
    """(claim, None) for a first request; (None, (status, body)) for a repeat.

    In the caller's unit of work: the claim is a row inserted, not committed. It commits with
    the request's own work and its answer (finish), so a process killed at any point leaves
    either nothing (a retry runs the request) or the work with its answer (a retry gets the
    answer). A concurrent twin waits on the unique index until then. Only a use case written in
    steps commits the claim early; if its process dies before the answer, a repeat takes over
    after STALE_AFTER."""
    claim = Claim(member_id, endpoint, key, request_hash)
    claimed = insert_unless_exists(
        IdempotencyRecord, _KEY_COLUMNS, {**asdict(claim), "created_at": utcnow()}
    )
    if claimed:
        return claim, None
    first = db.session.execute(
        select(
            IdempotencyRecord.request_hash,
            IdempotencyRecord.status_code,
            IdempotencyRecord.response,
            IdempotencyRecord.created_at,
        ).where(*_same(claim))
    ).one()
    if first.request_hash != request_hash:
        raise KeyReused("同一个 Idempotency-Key 不能用于不同的请求")
    if first.status_code is not None:
        return None, (first.status_code, first.response)
    if first.created_at > utcnow() - STALE_AFTER:
        raise StillRunning("相同的请求正在处理，请稍后再试")
    took_over = db.session.execute(
        update(IdempotencyRecord)
        .where(
            *_same(claim),
            IdempotencyRecord.status_code.is_(None),
            IdempotencyRecord.created_at == first.created_at,
        )
        .values(created_at=utcnow())
    )
    if took_over.rowcount != 1:
        raise StillRunning("相同的请求正在处理，请稍后再试")
    return claim, None


def _same(claim: Claim) -> tuple:
    return (
        IdempotencyRecord.member_id == claim.member_id,
        IdempotencyRecord.endpoint == claim.endpoint,
        IdempotencyRecord.key == claim.key,
    )


def finish(claim: Claim, status: int, body: dict) -> None:
    """Store the answer in the caller's unit of work, with the work it answers for. The claim
    row is there unless the work was rolled back (a refusal): then a new row holds the answer.
    Also for an interim answer, stored before a step of the request commits: a retry after the
    request died in a later step gets it; the request's own answer replaces it."""
    stored = statements.store_answer(claim.member_id, claim.endpoint, claim.key, status, body)
    if not stored:
        values = {**asdict(claim), "status_code": status, "response": body}
        insert_unless_exists(IdempotencyRecord, _KEY_COLUMNS, values)


def abandon(claim: Claim) -> None:
    """The request failed on our side or a partner's (5xx): a retry with the key may run it
    again. Removes a claim that a step of the request committed early."""
    db.session.execute(
        delete(IdempotencyRecord).where(*_same(claim), IdempotencyRecord.status_code.is_(None))
    )


def purge_old() -> int:
    """Drop answers older than KEEP_FOR (at least 24 h are kept, as promised to clients)."""
    cutoff = utcnow() - KEEP_FOR
    with unit_of_work():
        result = db.session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)
        )
    return result.rowcount

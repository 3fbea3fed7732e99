"""Idempotency-Key for driver writes: the first answer is stored and replayed on repeats."""

import hashlib
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import IdempotencyRecord
from app.models.base import utcnow
from app.services.errors import Conflict

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


def begin(member_id: int, endpoint: str, key: str, request_hash: str):
    """(record id, None) for a first request; (None, (status, body)) for a repeat."""
    record = IdempotencyRecord(
        member_id=member_id, endpoint=endpoint, key=key, request_hash=request_hash
    )
    db.session.add(record)
    try:
        db.session.flush()
        record_id = record.id  # read now: after the commit it would cost a reload
        db.session.commit()  # concurrent twins wait here on the unique index
        return record_id, None
    except IntegrityError:
        db.session.rollback()
    first = db.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.member_id == member_id,
            IdempotencyRecord.endpoint == endpoint,
            IdempotencyRecord.key == key,
        )
    )
    if first.request_hash != request_hash:
        raise KeyReused("同一个 Idempotency-Key 不能用于不同的请求")
    if first.status_code is not None:
        return None, (first.status_code, first.response)
    if first.created_at > utcnow() - STALE_AFTER:
        raise StillRunning("相同的请求正在处理，请稍后再试")
    took_over = db.session.execute(
        update(IdempotencyRecord)
        .where(
            IdempotencyRecord.id == first.id,
            IdempotencyRecord.status_code.is_(None),
            IdempotencyRecord.created_at == first.created_at,
        )
        .values(created_at=utcnow())
    )
    db.session.commit()
    if took_over.rowcount != 1:
        raise StillRunning("相同的请求正在处理，请稍后再试")
    return first.id, None


def finish(record_id: int, status: int, body: dict) -> None:
    db.session.rollback()  # whatever the view left open is not part of this
    db.session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id)
        .values(status_code=status, response=body)
    )
    db.session.commit()


def abandon(record_id: int) -> None:
    """The request failed on our side (5xx): a retry with the key may run it again."""
    db.session.rollback()
    db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
    db.session.commit()


def purge_old() -> int:
    """Drop answers older than KEEP_FOR (at least 24 h are kept, as promised to clients)."""
    cutoff = utcnow() - KEEP_FOR
    result = db.session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)
    )
    db.session.commit()
    return result.rowcount

"""The members' statement that every driver request runs, built once: building it per call
cost more than running it (docs/benchmarks.md has the figures)."""

from datetime import datetime

from sqlalchemy import bindparam, select

from app.extensions import db
from app.models import Member, MemberToken

_MEMBER_WITH_LIVE_TOKEN = (
    select(Member)
    .join(MemberToken, MemberToken.member_id == Member.id)
    .where(
        MemberToken.token_hash == bindparam("hash"),
        MemberToken.chain_id == bindparam("chain"),
        MemberToken.revoked_at.is_(None),
        MemberToken.expires_at > bindparam("now"),
    )
)


def member_with_live_token(token_hash: str, chain_id: int, now: datetime) -> Member | None:
    """The member an unexpired, unrevoked token of this chain belongs to."""
    params = {"hash": token_hash, "chain": chain_id, "now": now}
    return db.session.scalars(_MEMBER_WITH_LIVE_TOKEN, params).one_or_none()

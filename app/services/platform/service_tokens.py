"""The tokens of outside services (WeChat's access_token) in the database, shared by every
process: a TokenCache for app.adapters.wechat_phone.AccessTokenClient.

Each read and each write runs on a connection of its own, outside the caller's session: the
adapter reads while no transaction may stay open (WeChat is asked next), and a token it fetched
is committed at once, whatever becomes of the use case that needed it, so every process sees
it. Two processes refreshing at once both write; the last write wins, which is safe because
WeChat's stable_token answers the same token to both (and an older one stays valid until its
own expiry). The value is a secret: it is never logged and never in a repr."""

from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, select, text

from app.extensions import db
from app.models import ServiceToken

NAME_MAX = ServiceToken.__table__.c.name.type.length


class DatabaseTokenCache:
    """get(name) -> (value, expires_at) | None and put(name, value, expires_at) on the
    service_token table."""

    def get(self, name: str) -> tuple[str, datetime] | None:
        query = select(ServiceToken.value, ServiceToken.expires_at).where(ServiceToken.name == name)
        with db.engine.connect() as conn:  # returned to the pool on leaving: no open transaction
            row = conn.execute(query).first()
        return (row.value, row.expires_at) if row is not None else None

    def put(self, name: str, value: str, expires_at: datetime) -> None:
        if len(name) > NAME_MAX:
            raise ValueError(f"token name longer than {NAME_MAX} characters")
        with db.engine.begin() as conn:  # committed here, on its own
            conn.execute(_upsert(), {"name": name, "value": value, "expires_at": expires_at})

    def __repr__(self) -> str:
        return "<DatabaseTokenCache>"


@cache
def _upsert():
    """INSERT ... ON CONFLICT (name) DO UPDATE, the same text on PostgreSQL and SQLite."""
    columns = ServiceToken.__table__.c
    sql = (
        "INSERT INTO service_token (name, value, expires_at)"
        " VALUES (:name, :value, :expires_at)"
        " ON CONFLICT (name) DO UPDATE"
        " SET value = excluded.value, expires_at = excluded.expires_at"
    )
    return text(sql).bindparams(
        *(bindparam(c.key, type_=c.type) for c in (columns.name, columns.value, columns.expires_at))
    )

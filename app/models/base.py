"""Column types shared by all models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """timestamptz on PostgreSQL; on SQLite stored as UTC and read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def insert_unless_exists(model, values: dict, *unique_columns: str):
    """INSERT ... ON CONFLICT (unique_columns) DO NOTHING, on PostgreSQL or SQLite: no savepoint,
    and a concurrent twin waits for the first writer instead of failing."""
    from sqlalchemy.dialects import postgresql, sqlite

    from app.extensions import db

    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return (
        dialect.insert(model).values(values).on_conflict_do_nothing(index_elements=unique_columns)
    )

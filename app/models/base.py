"""Column types and statement helpers shared by the models and services."""

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


def insert_unless_exists(model, unique_columns: tuple[str, ...], values: dict) -> bool:
    """INSERT ... ON CONFLICT (unique_columns) DO NOTHING of one row, on PostgreSQL or SQLite, in
    the session's transaction: no savepoint, and a concurrent twin waits for the first writer
    instead of failing. True if the row was inserted."""
    from sqlalchemy.dialects import postgresql, sqlite

    from app.extensions import db

    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    table = model.__table__
    statement = (
        dialect.insert(table)
        .values(values)
        .on_conflict_do_nothing(index_elements=unique_columns)
        .returning(*table.primary_key)
    )
    return db.session.execute(statement).first() is not None


def one_of(column: str, values) -> str:
    """The SQL of a CHECK that the column holds one of the values (plain words, no quotes)."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"

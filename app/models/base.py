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


_inserts_unless_exists: dict = {}


def insert_unless_exists(model, unique_columns: tuple[str, ...], values: dict) -> bool:
    """INSERT ... ON CONFLICT (unique_columns) DO NOTHING of one row, on PostgreSQL or SQLite, in
    the session's transaction: no savepoint, and a concurrent twin waits for the first writer
    instead of failing. True if the row was inserted."""
    from sqlalchemy.dialects import postgresql, sqlite

    from app.extensions import db

    connection = db.session.connection()
    dialect = connection.dialect
    key = (model, dialect.name, unique_columns, tuple(values))
    compiled = _inserts_unless_exists.get(key)
    if compiled is None:
        module = postgresql if dialect.name == "postgresql" else sqlite
        statement = module.insert(model.__table__).on_conflict_do_nothing(
            index_elements=unique_columns
        )
        # SQLAlchemy never caches a dialect's own INSERT: compiled on every call, it cost more
        # than running it. Compiled here once per table, database and set of columns.
        compiled = statement.compile(dialect=dialect, column_keys=list(values))
        _inserts_unless_exists[key] = compiled
    result = connection.execute(compiled, values)
    if result.returns_rows:  # PostgreSQL: the new key comes back by RETURNING, or nothing does
        return result.inserted_primary_key is not None
    return result.rowcount == 1


def one_of(column: str, values) -> str:
    """The SQL of a CHECK that the column holds one of the values (plain words, no quotes)."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"

"""Column types and statement helpers shared by the models and services."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import DateTime, bindparam, text
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


# Where the clock stands when someone stopped it (clock_stopped_at); None: the real clock.
_stopped_at: ContextVar[datetime | None] = ContextVar("jiayou_clock_stopped_at", default=None)


def utcnow() -> datetime:
    return _stopped_at.get() or datetime.now(UTC)


@contextmanager
def clock_stopped_at(moment: datetime) -> Iterator[None]:
    """utcnow() answers `moment` inside the block, in this context only (other threads and
    requests keep the real clock): the demo loader runs the real use cases of a past week with
    it, each at its own moment (app/demo_history.py)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use timezone-aware UTC")
    token = _stopped_at.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _stopped_at.reset(token)


def insert_unless_exists(model, unique_columns: tuple[str, ...], values: dict) -> bool:
    """INSERT ... ON CONFLICT (unique_columns) DO NOTHING of one row, on PostgreSQL or SQLite, in
    the session's transaction: no savepoint, and a concurrent twin waits for the first writer
    instead of failing. True if the row was inserted."""
    from app.extensions import db

    table = model.__table__
    values = with_defaults(table, values)
    statement = insert_ignoring(table, tuple(values), unique_columns, tuple(table.primary_key.c))
    return db.session.execute(statement, values).first() is not None


def with_defaults(table, values: dict) -> dict:
    """values with the Python-side defaults of the columns they leave out (a written-out
    INSERT does not apply them, as SQLAlchemy's own INSERT does)."""
    missing = {}
    for column in table.c:
        default = column.default
        if (
            column.key in values
            or default is None
            or not (default.is_scalar or default.is_callable)
        ):
            continue
        missing[column.key] = default.arg(None) if default.is_callable else default.arg
    return {**values, **missing}


@cache
def insert_ignoring(table, keys: tuple[str, ...], unique_columns: tuple[str, ...], returning):
    """The SQL of insert_unless_exists, RETURNING the given columns, built once per table and
    set of columns. Written out because SQLAlchemy does not cache the dialects' own INSERT ...
    ON CONFLICT: compiled on every call, it cost more than running it. The same text runs on
    PostgreSQL and SQLite (3.35 and later); bind parameters keep their columns' types."""
    columns = [table.c[name] for name in keys]  # names of the table's columns, or KeyError

    def quoted(names) -> str:
        return ", ".join(f'"{name}"' for name in names)

    into = f'"{table.name}" ({quoted(c.name for c in columns)})'
    values = ", ".join(f":{column.key}" for column in columns)
    # Identifiers from the table's own metadata, values bound: nothing from outside.
    sql = f"INSERT INTO {into} VALUES ({values}) ON CONFLICT ({quoted(unique_columns)})"  # noqa: S608
    sql += f" DO NOTHING RETURNING {quoted(column.name for column in returning)}"
    statement = text(sql).bindparams(*(bindparam(c.key, type_=c.type) for c in columns))
    return statement.columns(*returning)


def one_of(column: str, values) -> str:
    """The SQL of a CHECK that the column holds one of the values (plain words, no quotes)."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"

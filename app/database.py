"""Connection-level behaviour: SQLite settings, checking idle pooled connections, and ending
read-only transactions with COMMIT so PostgreSQL keeps the prepared statements."""

import time

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

from app.extensions import db

# A pooled connection idle for longer than this is checked before use (the database may have
# restarted meanwhile). One in steady use is not: a ping on every checkout cost a round trip per
# commit, about a tenth of the order flow's database work.
PING_IDLE_AFTER_S = 10.0


def init_app(app: Flask) -> None:
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first (teardowns run last
    # registered, first called).
    app.teardown_appcontext(_end_read_only_transaction)


def _end_read_only_transaction(error: BaseException | None) -> None:
    """A request that only read ends its transaction with COMMIT instead of the ROLLBACK of the
    session's close: psycopg forgets every prepared statement of a connection on ROLLBACK
    (and sends DEALLOCATE ALL), which cost the order flow its prepared statements. A
    transaction that wrote anything, or a request that failed, is still rolled back."""
    if error is not None or not db.session.registry.has():
        return
    session = db.session()
    transaction = session.get_transaction()
    if transaction is None or session.new or session.dirty or session.deleted:
        return
    # The connections the transaction began on (none if it never ran a statement).
    connections = {entry[0] for entry in transaction._connections.values()}
    if connections and not any(conn.info.get("wrote", True) for conn in connections):
        session.commit()


@event.listens_for(Engine, "begin")
def _note_begin(connection):
    connection.info["wrote"] = False


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(connection, _cursor, statement, _parameters, _context, _executemany):
    if statement.lstrip()[:6].upper() != "SELECT" or " FOR " in statement:
        connection.info["wrote"] = True  # anything but a plain read, locking reads too


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite: enforce foreign keys, use WAL and wait on locks instead of failing at once."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


@event.listens_for(Pool, "checkin")
def _note_checkin(_dbapi_connection, record):
    record.info["checked_in_at"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(dbapi_connection, record, _proxy):
    checked_in = record.info.get("checked_in_at")
    if checked_in is None or time.monotonic() - checked_in < PING_IDLE_AFTER_S:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()
    except Exception as err:
        raise DisconnectionError("stale pooled connection") from err  # the pool reconnects

"""Connection-level behaviour: SQLite settings, checking pooled connections before use, and how
the transaction of a request (or any app context) ends: COMMIT when it only read, so PostgreSQL
keeps the prepared statements, and the session always removed."""

import logging
import select
import time

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from app.extensions import db

log = logging.getLogger(__name__)

# A pooled connection idle for longer than this is checked before use (the database may have
# restarted meanwhile). One in steady use is checked only if the server wrote to it while it sat
# in the pool: a ping on every checkout cost a round trip per commit, about a tenth of the order
# flow's database work.
PING_IDLE_AFTER_S = 10.0
# session.info key: the session's transaction has begun on a connection.
_BEGUN = "jiayou.begun"
NOTHING_WRITTEN = "SELECT pg_current_xact_id_if_assigned() IS NULL"


def init_app(app: Flask) -> None:
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first (teardowns run last
    # registered, first called) and leaves that one nothing to do.
    app.teardown_appcontext(end_session)


def end_session(error: BaseException | None) -> None:
    """End the app context's transaction and remove its session; never raises.

    A request that only read ends with COMMIT instead of the ROLLBACK of the session's close:
    psycopg forgets every prepared statement of a connection on ROLLBACK (and sends DEALLOCATE
    ALL), which cost the order flow its prepared statements. A transaction that wrote or locked
    anything, or a request that failed, is rolled back. A teardown that raised (a connection the
    database had dropped) used to leave its broken session behind for later requests."""
    if not db.session.registry.has():
        return
    session = db.session()
    try:
        if error is None and _only_read(session):
            session.commit()
    except Exception as err:
        log.warning("a read-only transaction could not be committed: %s", err)
    finally:
        try:
            session.close()
        except Exception as err:
            log.warning("closing the session failed, its connections are dropped: %s", err)
            _invalidate(session)
        db.session.registry.clear()


def _only_read(session: Session) -> bool:
    """The transaction began on a connection and changed nothing: PostgreSQL assigns a
    transaction id at the first write or row lock, whatever the statement or the path it took."""
    if not session.info.get(_BEGUN) or session.new or session.dirty or session.deleted:
        return False
    connection = session.connection()
    if connection.invalidated:
        return False  # the database dropped it: nothing to commit, the close cleans up
    if connection.dialect.name != "postgresql":
        return False  # SQLite keeps its statements across a rollback
    return bool(connection.exec_driver_sql(NOTHING_WRITTEN).scalar())


def _invalidate(session: Session) -> None:
    try:
        session.invalidate()
    except Exception as err:
        log.warning("invalidating the session failed: %s", err)


@event.listens_for(Session, "after_begin")
def _note_begun(session, _transaction, _connection):
    session.info[_BEGUN] = True


@event.listens_for(Session, "after_transaction_end")
def _note_ended(session, transaction):
    if transaction.parent is None:
        session.info.pop(_BEGUN, None)


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
def _check_before_use(dbapi_connection, record, _proxy):
    """Ping a connection that sat idle for long, or that the server wrote to while it sat in the
    pool: that is its goodbye (a terminated backend, a restart). The second check is one poll()
    of the socket, no round trip, so after pg_terminate_backend only the requests then running
    fail, not the next one on each pooled connection."""
    checked_in = record.info.get("checked_in_at")
    if checked_in is None:
        return
    if time.monotonic() - checked_in < PING_IDLE_AFTER_S and not _readable(dbapi_connection):
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()
    except Exception as err:
        raise DisconnectionError("stale pooled connection") from err  # the pool reconnects


def _readable(dbapi_connection) -> bool:
    """Whether the server sent anything to an idle connection (psycopg; SQLite has no socket)."""
    fileno = getattr(dbapi_connection, "fileno", None)
    if fileno is None:
        return False
    try:
        poller = select.poll()
        poller.register(fileno(), select.POLLIN)
        return bool(poller.poll(0))
    except Exception:
        return True  # closed already: the ping fails and the pool reconnects

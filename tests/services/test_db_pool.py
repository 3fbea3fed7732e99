"""Pooled connections: one the database dropped while it sat idle is replaced before use, and
how a request's transaction ends."""

import psycopg
import pytest
from sqlalchemy import create_engine, event, select, text, update
from sqlalchemy.exc import OperationalError

from app import database
from app.extensions import db
from app.models import Chain
from tests.conftest import PG_ADMIN_URL


@pytest.fixture
def one_connection_engine(database_url):
    engine = create_engine(
        database_url.replace("postgresql://", "postgresql+psycopg://"),
        pool_size=1,
        max_overflow=0,
    )
    yield engine
    engine.dispose()


def backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def drop(pid: int) -> None:
    """What a database restart or an idle timeout does to a pooled connection."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]


def test_an_idle_connection_is_checked_and_replaced(one_connection_engine, monkeypatch):
    first = backend_pid(one_connection_engine)
    drop(first)
    monkeypatch.setattr(database, "PING_IDLE_AFTER_S", 0.0)
    assert backend_pid(one_connection_engine) != first


def test_a_connection_in_steady_use_is_not_pinged(one_connection_engine, monkeypatch):
    """The other side of the trade: within PING_IDLE_AFTER_S a dropped connection fails once."""
    monkeypatch.setattr(database, "PING_IDLE_AFTER_S", 3600.0)
    first = backend_pid(one_connection_engine)
    drop(first)
    with pytest.raises(OperationalError):
        backend_pid(one_connection_engine)
    assert backend_pid(one_connection_engine) != first  # the pool was renewed after the error


@pytest.fixture
def transaction_ends(app):
    """How each database transaction ended: "commit" or "rollback"."""
    ends = []

    def on_commit(_conn):
        ends.append("commit")

    def on_rollback(_conn):
        ends.append("rollback")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    yield ends
    event.remove(engine, "commit", on_commit)
    event.remove(engine, "rollback", on_rollback)


def test_a_read_only_request_ends_with_commit(world, app, transaction_ends):
    """A ROLLBACK makes psycopg drop every prepared statement of the connection."""
    with app.app_context():  # a request of its own: its own session, torn down at the end
        db.session.scalar(select(Chain.name))
    assert transaction_ends == ["commit"]


@pytest.mark.parametrize(
    "statement",
    [
        update(Chain).values(name="改名"),
        select(Chain.name).with_for_update(),  # a lock is not a plain read either
    ],
)
def test_a_transaction_that_wrote_or_locked_is_rolled_back(world, app, transaction_ends, statement):
    with app.app_context():
        db.session.execute(statement)  # and the request ends without committing
    assert transaction_ends == ["rollback"]
    db.session.expire_all()
    assert db.session.scalar(select(Chain.name)) == world.chain.name != "改名"

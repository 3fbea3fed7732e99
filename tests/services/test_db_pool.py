"""Pooled connections: one the database dropped is replaced before use, a request whose
connection is dropped under it fails alone, and how a request's transaction ends."""

import time

import psycopg
import pytest
from sqlalchemy import create_engine, event, insert, select, text, update
from sqlalchemy.exc import OperationalError

from app import database
from app.extensions import db
from app.models import Chain, OutboxJob
from app.models.base import insert_unless_exists, utcnow
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
    """What a database restart or an administrator does to a connection: the backend says
    goodbye and exits (waited for, so its goodbye has reached the client)."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, f"backend {pid} still there after 10 s"
            time.sleep(0.01)


def test_an_idle_connection_is_checked_and_replaced(one_connection_engine, monkeypatch):
    first = backend_pid(one_connection_engine)
    drop(first)
    monkeypatch.setattr(database, "PING_IDLE_AFTER_S", 0.0)
    assert backend_pid(one_connection_engine) != first


def test_a_connection_in_steady_use_is_replaced_once_the_server_dropped_it(
    one_connection_engine, monkeypatch
):
    """No ping within PING_IDLE_AFTER_S, but the server's goodbye waiting on the socket is seen
    without a round trip: no request pays for a connection dropped while it sat in the pool."""
    monkeypatch.setattr(database, "PING_IDLE_AFTER_S", 3600.0)
    first = backend_pid(one_connection_engine)
    drop(first)
    assert backend_pid(one_connection_engine) != first


def test_a_connection_in_steady_use_is_not_pinged(one_connection_engine, monkeypatch):
    pings = []
    monkeypatch.setattr(database, "PING_IDLE_AFTER_S", 3600.0)
    event.listen(one_connection_engine, "before_cursor_execute", lambda *a: pings.append(a[2]))
    for _ in range(3):
        backend_pid(one_connection_engine)
    assert pings == ["SELECT pg_backend_pid()"] * 3


@pytest.fixture
def drop_at_next_checkout(app):
    """Drops the connection of the next checkout after the pool's own check: the database
    going away in the middle of a request."""
    with app.app_context():
        pool = db.engine.pool

    dropped = []

    def on_checkout(dbapi_connection, _record, _proxy):
        if not dropped:
            dropped.append(dbapi_connection.info.backend_pid)
            drop(dropped[0])

    event.listen(pool, "checkout", on_checkout)
    yield dropped
    event.remove(pool, "checkout", on_checkout)


def test_a_connection_dropped_mid_request_costs_that_request_only(
    world, client, drop_at_next_checkout
):
    near = {"lat": 25.04, "lng": 102.71}
    failed = client.get("/api/v1/stations", query_string=near)
    assert drop_at_next_checkout and failed.status_code == 500
    assert failed.get_json()["error"]["code"] == "internal_error"  # the app's own answer
    for _ in range(3):
        assert client.get("/api/v1/stations", query_string=near).status_code == 200


def test_the_teardown_removes_a_session_whose_connection_was_dropped(world, app):
    """It used to read the invalidated connection and raise, leaving the session behind: the
    worker's relay thread died of it and web processes answered later requests with 500s."""
    with app.app_context():
        drop(db.session.scalar(text("SELECT pg_backend_pid()")))
        with pytest.raises(OperationalError):
            db.session.scalar(select(Chain.name))
        database.end_session(None)  # as after an error the app answered itself
        assert not db.session.registry.has()
        assert db.session.scalar(select(Chain.name)) == world.chain.name


def test_a_read_only_request_ends_with_commit(world, app, transaction_ends):
    """A ROLLBACK makes psycopg drop every prepared statement of the connection."""
    with app.app_context():  # a request of its own: its own session, torn down at the end
        db.session.scalar(select(Chain.name))
    assert transaction_ends == ["commit"]


def write_through_the_connection():
    """A write that bypasses the session's execute (as the ON CONFLICT helper does)."""
    values = {"kind": "settle_order", "payload": {}, "dedupe_key": "x", "run_after": utcnow()}
    insert_unless_exists(OutboxJob, ("dedupe_key",), values)


def rename_unflushed(chain_id: int) -> None:
    db.session.get(Chain, chain_id).name = "改名"


@pytest.mark.parametrize(
    "write",
    [
        lambda _: db.session.execute(update(Chain).values(name="改名")),
        lambda _: db.session.execute(select(Chain.name).with_for_update()),  # a lock, not a read
        lambda _: db.session.execute(text("UPDATE chain SET name = '改名'")),
        lambda _: db.session.execute(insert(OutboxJob), {"kind": "k", "payload": {}}),
        lambda _: write_through_the_connection(),
        rename_unflushed,
    ],
    ids=["update", "for-update", "text", "insert", "connection", "unflushed"],
)
def test_a_transaction_that_wrote_or_locked_is_rolled_back(world, app, transaction_ends, write):
    with app.app_context():
        db.session.scalar(select(Chain.name))
        write(world.chain.id)  # and the request ends without committing
    assert transaction_ends == ["rollback"]
    db.session.expire_all()
    assert db.session.scalar(select(Chain.name)) == world.chain.name != "改名"
    assert db.session.scalar(select(OutboxJob.id)) is None


def test_a_request_that_never_reached_the_database_ends_no_transaction(
    world, app, transaction_ends
):
    with app.app_context():
        db.session.add(Chain(code="x", name="未保存"))
        db.session.expunge_all()
    assert transaction_ends == []

"""Pooled connections: one the database dropped while it sat idle is replaced before use."""

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

import app as app_package
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
    monkeypatch.setattr(app_package, "PING_IDLE_AFTER_S", 0.0)
    assert backend_pid(one_connection_engine) != first


def test_a_connection_in_steady_use_is_not_pinged(one_connection_engine, monkeypatch):
    """The other side of the trade: within PING_IDLE_AFTER_S a dropped connection fails once."""
    monkeypatch.setattr(app_package, "PING_IDLE_AFTER_S", 3600.0)
    first = backend_pid(one_connection_engine)
    drop(first)
    with pytest.raises(OperationalError):
        backend_pid(one_connection_engine)
    assert backend_pid(one_connection_engine) != first  # the pool was renewed after the error

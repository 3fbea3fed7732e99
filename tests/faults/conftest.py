"""Fixtures of the fault tests: a Redis server of the test's own, the worker and gunicorn as
subprocesses on the test's database, and a row lock that holds a request or a job mid-way."""

from contextlib import contextmanager

import psycopg
import pytest

from tests.conftest import PG_ADMIN_URL
from tests.faults.processes import FlaskWorker, Gunicorn, RedisServer, app_env, wait_until


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def env(database_url, redis_server):
    return app_env(database_url, redis_server.url)


@pytest.fixture
def worker(tmp_path, env):
    """Not started: a test starts it when it wants."""
    process = FlaskWorker(tmp_path, env)
    yield process
    process.kill()


@pytest.fixture
def web(tmp_path, env):
    server = Gunicorn(tmp_path, env)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def lock(database_url):
    """lock(sql, params): a context holding the row lock the statement takes, in a transaction
    of its own; .wait() returns once someone waits for that lock (a request or a job held
    mid-way)."""

    @contextmanager
    def holding(sql: str, params: list):
        with psycopg.connect(database_url) as conn:
            assert conn.execute(sql, params).fetchone(), "nothing to lock"
            yield Holder(conn.info.backend_pid)
            conn.rollback()

    return holding


class Holder:
    def __init__(self, backend_pid: int):
        self.backend_pid = backend_pid

    def wait(self, seconds: float = 30) -> None:
        def someone_waits() -> bool:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                blocked = "SELECT 1 FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))"
                return bool(admin.execute(blocked, [self.backend_pid]).fetchone())

        wait_until(someone_waits, seconds, "a request or a job waits on the lock", every=0.05)

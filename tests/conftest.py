"""Test fixtures on the real PostgreSQL and Redis of this machine.

Each pytest-xdist worker gets its own database, migrated once; every test starts from empty
tables (truncated after each test), so tests are isolated and may commit like the real code.
"""

import contextvars
import os
import re
import threading
import time

import httpx
import psycopg
import pytest
import redis
import time_machine
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db, limiter
from app.models.base import utcnow
from app.services import ledger
from tests.settings_env import PRODUCTION, SETTINGS
from tests.timing import next_local

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _worker() -> str:
    """This worker of this run: concurrent runs on one machine share no database or counters."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:8] or str(os.getpid())
    return f"{run}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


@pytest.fixture(scope="session")
def database_url():
    name = f"jiayou_test_{_worker()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class IsolatedClient(FlaskClient):
    """Each request runs in an empty context, so it gets its own app context, g and database
    session as on a real server, even while the test itself holds an app context open."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def instance_path(tmp_path_factory):
    """This worker's own instance folder, where the first app made makes the demo secrets and
    sandbox keys once. Every app of the run uses it (subprocesses through INSTANCE_PATH), so
    the tests never read or write the repository's instance/."""
    folder = tmp_path_factory.mktemp("instance")
    before = os.environ.get("INSTANCE_PATH")
    os.environ["INSTANCE_PATH"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("INSTANCE_PATH", None)
    else:
        os.environ["INSTANCE_PATH"] = before


@pytest.fixture(scope="session")
def app(database_url, instance_path):
    os.environ.setdefault("JIAYOU_ENV", "development")
    application = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url.replace(
                "postgresql://", "postgresql+psycopg://"
            ),
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "RATELIMIT_KEY_PREFIX": f"jiayou-test-{_worker()}",
            # limiter.reset() deletes every key under the storage prefix: one prefix per worker.
            "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"LIMITS-{_worker()}"},
            "TESTING": True,
            "JOBS_MODE": "manual",  # tests run due jobs themselves, deterministically
        },
        instance_path=str(instance_path),
    )
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade()
    return application


def _empty_every_table(conn) -> None:
    """DELETE every row and restart every sequence: what TRUNCATE ... RESTART IDENTITY does, at
    a hundredth of its cost on a test's few rows (TRUNCATE makes new files for every table and
    index, about 150 ms for the schema's 60-odd tables). The replica role skips the triggers:
    the append-only guards and the foreign keys, while everything goes."""
    conn.execute(text("SET LOCAL session_replication_role = replica"))
    for table in reversed(db.metadata.sorted_tables):
        conn.execute(table.delete())
    conn.execute(text("SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'"))


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Empty every table and the rate-limit counters after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        db.session.remove()
        # The books balance after every test, whatever it did (a test that tampers with them
        # on purpose says so with @pytest.mark.ledger_tampered).
        problems = [] if request.node.get_closest_marker("ledger_tampered") else ledger.check()
        db.session.remove()
        for attempt in range(5):
            try:
                with db.engine.begin() as conn:
                    _empty_every_table(conn)
                break
            except OperationalError:  # a deadlock with a live server's request still finishing
                if attempt == 4:
                    raise
                time.sleep(0.2)
        limiter.reset()
    from app.services import catalogue
    from app.services.marketing import content_cache

    catalogue.clear_cache()
    with application.app_context():
        content_cache.clear()  # keyed by versions, which start again with the emptied tables
    assert problems == [], f"ledger check after the test: {problems}"


@pytest.fixture(autouse=True)
def travel(request):
    """The stopped clock of a test marked `@pytest.mark.travel(weekday=None, hour=0, minute=0)`.

    The clock stops at the next such moment in Shanghai (at the real now if the marker has no
    arguments) before any of the test's data is built, as autouse fixtures come first: the world
    is made at the moment the test travels to. The test moves on with travel.move_to(moment) or
    travel.shift(delta); unmarked tests get None and the real clock."""
    marker = request.node.get_closest_marker("travel")
    if marker is None:
        yield None
        return
    start = next_local(**marker.kwargs) if marker.kwargs else utcnow()
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def transaction_ends(app):
    """How each database transaction ended, in order: "commit" or "rollback" (for every
    connection of the engine, a live server's requests included)."""
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


@pytest.fixture
def sandbox(live_server):
    """The fake WeChat Pay's base URL, its planned faults cleared before and after the test."""
    httpx.delete(live_server.url + "/sandbox/wechatpay/faults").raise_for_status()
    yield live_server.url + "/sandbox/wechatpay"
    httpx.delete(live_server.url + "/sandbox/wechatpay/faults")


@pytest.fixture
def world(app_ctx):
    """Chain, stations A and B, fuels with prices, nozzles and staff of every role (committed)."""
    from tests.factories import World

    return World()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def clean_settings(monkeypatch):
    """An environment that sets none of the settings app.config reads."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def production(clean_settings, monkeypatch):
    """A complete production environment (tests/settings_env.py's PRODUCTION)."""
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session")
def redis_client():
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    return client


class LiveServer:
    def __init__(self, app):
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        self._server.shutdown()


@pytest.fixture(scope="session")
def live_server(app):
    """The app on a free port, in a thread: the sandbox is reached over real HTTP through it."""
    server = LiveServer(app)
    app.config["PUBLIC_BASE_URL"] = server.url
    app.config["WECHAT_API_BASE"] = server.url + "/sandbox/wechat"
    app.config["WECHATPAY_API_BASE"] = server.url + "/sandbox/wechatpay"
    app.config["WECHATPAY_NOTIFY_URL"] = server.url + "/api/v1/payments/wechat/notify"
    app.extensions.pop("wechat_pay_client", None)  # rebuilt with the live base URL
    app.extensions.pop("wechat_phone_client", None)
    yield server
    server.stop()


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_META.search(html)
    assert match, "page has no csrf-token meta tag"
    return match.group(1)

"""The database TokenCache: shared by every process, committed on its own, never logged."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import ServiceToken
from app.models.base import utcnow
from app.services.platform.service_tokens import DatabaseTokenCache
from app.services.platform.unit_of_work import unit_of_work
from tests.threads import run_together, start_line


@pytest.fixture
def cache(app_ctx):
    return DatabaseTokenCache()


def test_get_put_and_replace(cache):
    assert cache.get("wechat_access_token:wx1") is None
    later = utcnow() + timedelta(seconds=7200)
    cache.put("wechat_access_token:wx1", "tok-1", later)
    value, expires_at = cache.get("wechat_access_token:wx1")
    assert value == "tok-1" and expires_at == later and expires_at.tzinfo is not None
    cache.put("wechat_access_token:wx1", "tok-2", later + timedelta(seconds=5))
    assert cache.get("wechat_access_token:wx1") == ("tok-2", later + timedelta(seconds=5))
    assert cache.get("wechat_access_token:wx2") is None
    assert db.session.scalar(db.select(db.func.count()).select_from(ServiceToken)) == 1


def test_a_token_is_kept_whatever_becomes_of_the_use_case(cache):
    with pytest.raises(RuntimeError), unit_of_work():
        cache.put("wechat_access_token:wx1", "tok-1", utcnow() + timedelta(hours=2))
        raise RuntimeError("the use case fails after WeChat answered")
    assert cache.get("wechat_access_token:wx1")[0] == "tok-1"


def test_reading_and_writing_leave_the_session_alone(cache):
    cache.put("wechat_access_token:wx1", "tok-1", utcnow() + timedelta(hours=2))
    cache.get("wechat_access_token:wx1")
    assert not db.session().in_transaction()


def test_processes_refreshing_at_once_both_succeed(app, cache):
    start = start_line(6)
    expires_at = utcnow() + timedelta(hours=2)

    def put(n):
        with app.app_context():
            start.wait()
            DatabaseTokenCache().put("wechat_access_token:wx1", f"tok-{n}", expires_at)

    run_together(*[lambda n=n: put(n) for n in range(6)], barrier=start)
    assert cache.get("wechat_access_token:wx1")[0] in {f"tok-{n}" for n in range(6)}


def test_names_longer_than_the_column_are_refused_and_nothing_is_shown(cache):
    with pytest.raises(ValueError):
        cache.put("x" * 41, "tok-1", utcnow())
    assert "tok" not in repr(cache)

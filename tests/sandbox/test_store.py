"""Both sandbox stores keep the same promises: single use, expiry, per-window counters."""

import uuid
from datetime import timedelta

import pytest
import time_machine

from app.models.base import utcnow
from app.sandbox.store import MemoryStore, RedisStore
from tests.conftest import REDIS_URL
from tests.threads import run_together, start_line


@pytest.fixture(params=["memory", "redis"])
def store(request):
    if request.param == "memory":
        return MemoryStore()
    request.getfixturevalue("redis_client")  # the server is up
    return RedisStore(REDIS_URL, f"test-sandbox-{uuid.uuid4().hex}:")


def test_put_then_take_once(store):
    store.put("code:a", {"openid": "o-1"}, 300)
    assert store.take("code:a") == {"openid": "o-1"}
    assert store.take("code:a") is None
    assert store.take("code:never") is None


def test_only_one_of_many_concurrent_takers_wins(store):
    store.put("code:race", {"openid": "o-1"}, 300)
    results, start = [], start_line(8)

    def take():
        start.wait()
        results.append(store.take("code:race"))

    run_together(*[take] * 8, barrier=start)
    assert [r for r in results if r is not None] == [{"openid": "o-1"}]


def test_counter_counts_within_a_window(store):
    assert [store.count("calls:wx1", 60) for _ in range(3)] == [1, 2, 3]
    assert store.count("calls:wx2", 60) == 1


def test_memory_store_expires_records_and_windows():
    store = MemoryStore()
    store.put("code:a", {"n": 1}, 300)
    store.put("code:b", {"n": 2}, 300)
    store.count("calls:wx", 60)
    with time_machine.travel(utcnow() + timedelta(seconds=299), tick=False):
        assert store.take("code:a") == {"n": 1}
    with time_machine.travel(utcnow() + timedelta(seconds=301), tick=False):
        assert store.take("code:b") is None
        assert store.count("calls:wx", 60) == 1


def test_redis_store_sets_ttls(redis_client):
    prefix = f"test-sandbox-{uuid.uuid4().hex}:"
    store = RedisStore(REDIS_URL, prefix)
    store.put("code:a", {"n": 1}, 300)
    assert 295 <= redis_client.ttl(prefix + "code:a") <= 300
    store.count("calls:wx", 60)
    store.count("calls:wx", 60)
    assert 55 <= redis_client.ttl(prefix + "count:calls:wx") <= 60
    redis_client.delete(prefix + "code:a", prefix + "count:calls:wx")


def test_app_uses_redis_store_when_redis_url_is_set(app, monkeypatch):
    from app.sandbox import wechat

    saved = app.extensions.pop("sandbox_store", None)
    try:
        monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
        with app.app_context():
            assert isinstance(wechat.store(), RedisStore)
        app.extensions.pop("sandbox_store")
        monkeypatch.setitem(app.config, "REDIS_URL", "")
        with app.app_context():
            assert isinstance(wechat.store(), MemoryStore)
    finally:
        app.extensions.pop("sandbox_store", None)
        if saved is not None:
            app.extensions["sandbox_store"] = saved


def test_get_leaves_the_record(store):
    store.put("token:a", {"appid": "wx1"}, 300)
    assert store.get("token:a") == {"appid": "wx1"}
    assert store.get("token:a") == {"appid": "wx1"}
    assert store.take("token:a") == {"appid": "wx1"}
    assert store.get("token:a") is None
    assert store.get("token:never") is None


def test_memory_store_get_forgets_expired_records():
    store = MemoryStore()
    store.put("token:a", {"n": 1}, 300)
    with time_machine.travel(utcnow() + timedelta(seconds=299), tick=False):
        assert store.get("token:a") == {"n": 1}
    with time_machine.travel(utcnow() + timedelta(seconds=301), tick=False):
        assert store.get("token:a") is None

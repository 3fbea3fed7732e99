"""The sandbox WeChat Pay's stores and its background dispatcher."""

import time
import uuid

import pytest
from flask import Flask

from app.sandbox.wechatpay_notify import Dispatcher
from app.sandbox.wechatpay_store import MemoryPayStore, RedisPayStore
from tests.conftest import REDIS_URL
from tests.threads import run_together, start_line


@pytest.fixture(params=["memory", "redis"])
def store(request):
    if request.param == "memory":
        return MemoryPayStore()
    request.getfixturevalue("redis_client")  # the server is up
    return RedisPayStore(REDIS_URL, f"test-wechatpay-{uuid.uuid4().hex}:")


def test_put_get_and_copies(store):
    assert store.get("order", "JY1") is None
    record = {"trade_state": "NOTPAY", "amount": {"total": 100}}
    store.put("order", "JY1", record)
    record["trade_state"] = "SUCCESS"  # changing the caller's dict changes nothing stored
    fetched = store.get("order", "JY1")
    assert fetched == {"trade_state": "NOTPAY", "amount": {"total": 100}}
    fetched["amount"]["total"] = 1
    assert store.get("order", "JY1")["amount"]["total"] == 100
    assert store.get("refund", "JY1") is None  # kinds are apart


def test_recent_is_newest_first_by_first_put(store):
    for name in ("a", "b", "c"):
        store.put("order", name, {"name": name})
    store.put("order", "a", {"name": "a", "changed": True})  # an update keeps its place
    assert [r["name"] for r in store.recent("order")] == ["c", "b", "a"]
    assert store.recent("order", limit=2) == [{"name": "c"}, {"name": "b"}]
    assert store.recent("refund") == []


def test_lock_serialises_read_change_write(store):
    store.put("counter", "n", {"n": 0})
    start = start_line(6)

    def add():
        start.wait()
        for _ in range(15):
            with store.lock():
                record = store.get("counter", "n")
                record["n"] += 1
                store.put("counter", "n", record)

    run_together(*[add] * 6, barrier=start)
    assert store.get("counter", "n") == {"n": 90}


@pytest.fixture
def bare_app():
    """Tasks run in an app context; the dispatcher needs no database."""
    return Flask(__name__)


def wait_until(predicate, timeout_s=5.0):
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_dispatcher_runs_tasks_in_time_order_and_again_when_asked(bare_app):
    dispatcher = Dispatcher(bare_app, idle_s=0.3)
    ran: list[str] = []
    dispatcher.schedule(0.15, lambda: ran.append("late") and None)
    dispatcher.schedule(0.0, lambda: ran.append("soon") and None)
    tries = []

    def flaky():
        tries.append(time.monotonic())
        return 0.05 if len(tries) < 3 else None

    dispatcher.schedule(0.0, flaky)
    wait_until(lambda: len(ran) == 2 and len(tries) == 3)
    assert ran == ["soon", "late"]
    assert tries[2] - tries[1] >= 0.04
    assert dispatcher.pending() == 0


def test_dispatcher_survives_a_failing_task_and_stops_when_idle(bare_app):
    dispatcher = Dispatcher(bare_app, idle_s=0.1)
    ran = []

    def broken():
        raise RuntimeError("boom")

    dispatcher.schedule(0, broken)
    dispatcher.schedule(0.02, lambda: ran.append(1))
    wait_until(lambda: ran == [1])
    assert dispatcher.running()
    wait_until(lambda: not dispatcher.running())
    # The next task starts a fresh thread.
    dispatcher.schedule(0, lambda: ran.append(2))
    assert dispatcher.running()
    wait_until(lambda: ran == [1, 2])


def test_dispatcher_is_bounded(bare_app):
    dispatcher = Dispatcher(bare_app, idle_s=0.1, max_tasks=2)
    assert dispatcher.schedule(10, lambda: None)
    assert dispatcher.schedule(10, lambda: None)
    assert not dispatcher.schedule(10, lambda: None)
    assert dispatcher.pending() == 2

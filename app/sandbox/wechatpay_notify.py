"""The fake WeChat Pay's notifications: signed, encrypted, delivered at least once, retried.

One background daemon thread per app runs timed tasks (deliveries, refunds settling); it stops
itself when idle and is started again by the next task.
"""

import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import httpx
from flask import Flask, current_app

from app.sandbox.wechatpay_crypto import encrypt_resource, platform_keys, signed_headers
from app.sandbox.wechatpay_store import store

log = logging.getLogger(__name__)
CHINA = timezone(timedelta(hours=8))
# WeChat Pay's schedule after each failed try (15 tries in all), divided by the retry scale.
RETRY_AFTER_S = (15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600)
MAX_TRIES = len(RETRY_AFTER_S) + 1
DELIVERY_TIMEOUT_S = 5  # WeChat Pay waits 5 s for the merchant's answer
SUMMARIES = {
    "TRANSACTION.SUCCESS": "支付成功",
    "REFUND.SUCCESS": "退款成功",
    "REFUND.ABNORMAL": "退款异常",
    "REFUND.CLOSED": "退款关闭",
}


def china_now() -> str:
    return datetime.now(CHINA).isoformat(timespec="seconds")


class Dispatcher:
    """Runs callables at given times in one daemon thread; a callable may ask to run again."""

    def __init__(self, app: Flask, idle_s: float = 30.0, max_tasks: int = 10_000):
        self._app, self._idle_s, self._max_tasks = app, idle_s, max_tasks
        self._tasks: list[tuple[float, int, Callable[[], float | None]]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def schedule(self, delay_s: float, task: Callable[[], float | None]) -> bool:
        """Run task after delay_s; if it returns a number, run it again that many seconds later."""
        with self._wake:
            if len(self._tasks) >= self._max_tasks:
                log.warning("sandbox dispatcher full; a task was dropped")
                return False
            heapq.heappush(self._tasks, (time.monotonic() + delay_s, next(self._order), task))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sandbox-wechatpay", daemon=True
                )
                self._thread.start()
            self._wake.notify()
        return True

    def pending(self) -> int:
        with self._wake:
            return len(self._tasks)

    def running(self) -> bool:
        with self._wake:
            return self._thread is not None

    def _run(self) -> None:
        idle_since = time.monotonic()
        while True:
            with self._wake:
                now = time.monotonic()
                if not self._tasks:
                    if now - idle_since >= self._idle_s:
                        self._thread = None  # a later schedule() starts a fresh thread
                        return
                    self._wake.wait(self._idle_s - (now - idle_since))
                    continue
                due, _, task = self._tasks[0]
                if due > now:
                    self._wake.wait(due - now)
                    continue
                heapq.heappop(self._tasks)
            again = self._call(task)
            if again is not None:
                self.schedule(again, task)
            idle_since = time.monotonic()

    def _call(self, task: Callable[[], float | None]) -> float | None:
        try:
            with self._app.app_context():
                return task()
        except Exception:
            log.exception("sandbox task failed")
            return None


_creating = threading.Lock()


def dispatcher() -> Dispatcher:
    with _creating:
        existing = current_app.extensions.get("sandbox_wechatpay_dispatcher")
        if existing is None:
            existing = Dispatcher(current_app._get_current_object())  # type: ignore[attr-defined]
            current_app.extensions["sandbox_wechatpay_dispatcher"] = existing
    return existing


def notify(event_type: str, url: str, plain: dict, original_type: str) -> str:
    """Record a notification for url and start delivering it; returns its id."""
    keys = platform_keys(current_app.config)
    body = {
        "id": str(uuid.uuid4()),
        "create_time": china_now(),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": SUMMARIES[event_type],
        "resource": {
            "original_type": original_type,
            **encrypt_resource(
                keys.apiv3_key, json.dumps(plain, ensure_ascii=False).encode(), original_type
            ),
        },
    }
    record = {
        "id": body["id"],
        "event_type": event_type,
        "url": url,
        "out_trade_no": plain.get("out_trade_no"),
        "out_refund_no": plain.get("out_refund_no"),
        "resource_plain": plain,
        # The same body on every try: the merchant recognises a repeat by its id.
        "body": json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        "status": "pending",
        "attempts": [],
        "created_at": time.time(),
    }
    store().put("delivery", record["id"], record)
    delivery_id = record["id"]
    dispatcher().schedule(0, lambda: deliver(delivery_id))
    return delivery_id


def deliver(delivery_id: str) -> float | None:
    """One try; the delay before the next one, or None when acknowledged or given up."""
    config = current_app.config
    record = store().get("delivery", delivery_id)
    if record is None or record["status"] != "pending":
        return None
    body = record["body"].encode()
    keys = platform_keys(config)
    # Signed afresh on every try: an old timestamp would be refused as stale.
    headers = signed_headers(keys, config["SANDBOX_WECHATPAY_SIGN_MODE"], body)
    headers["Content-Type"] = "application/json"
    try:
        response = httpx.post(
            record["url"], content=body, headers=headers, timeout=DELIVERY_TIMEOUT_S
        )
        result, acknowledged = response.status_code, 200 <= response.status_code < 300
    except httpx.HTTPError as err:
        result, acknowledged = type(err).__name__, False
    with store().lock():
        record = store().get("delivery", delivery_id) or record
        record["attempts"].append({"at": china_now(), "result": result})
        tries = len(record["attempts"])
        if acknowledged:
            record["status"] = "delivered"
        elif tries >= MAX_TRIES:
            record["status"] = "failed"
        store().put("delivery", delivery_id, record)
    if record["status"] != "pending":
        return None
    return RETRY_AFTER_S[tries - 1] / config["SANDBOX_WECHATPAY_RETRY_SCALE"]


def deliveries(limit: int = 200) -> list[dict]:
    """Recent notifications, newest first, without the raw body."""
    return [
        {key: value for key, value in record.items() if key != "body"}
        for record in store().recent("delivery", limit)
    ]

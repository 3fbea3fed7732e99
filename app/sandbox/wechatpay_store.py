"""The fake WeChat Pay's records: orders, refunds, deliveries, faults.

In memory by default; in Redis when REDIS_URL is set, so that every web process shares them.
A read-change-write happens inside `with store.lock():`, which serialises them across threads
(memory) or processes (Redis).
"""

import json
import threading
import time
from collections import OrderedDict
from contextlib import AbstractContextManager
from typing import Protocol

import redis
from flask import current_app

KEEP_PER_KIND = 5000  # the sandbox forgets its oldest records beyond this
REDIS_TTL_S = 7 * 24 * 3600


class PayStore(Protocol):
    def lock(self) -> AbstractContextManager: ...

    def get(self, kind: str, key: str) -> dict | None: ...

    def put(self, kind: str, key: str, record: dict) -> None: ...

    def recent(self, kind: str, limit: int = 50) -> list[dict]:
        """The newest records of a kind first (by when they were first put)."""


class MemoryPayStore:
    def __init__(self):
        self._lock = threading.RLock()
        self._kinds: dict[str, OrderedDict[str, str]] = {}

    def lock(self) -> AbstractContextManager:
        return self._lock

    def get(self, kind: str, key: str) -> dict | None:
        with self._lock:
            raw = self._kinds.get(kind, {}).get(key)
        # Stored as JSON, like Redis: a caller cannot change a record without put().
        return json.loads(raw) if raw is not None else None

    def put(self, kind: str, key: str, record: dict) -> None:
        raw = json.dumps(record)
        with self._lock:
            records = self._kinds.setdefault(kind, OrderedDict())
            records[key] = raw
            while len(records) > KEEP_PER_KIND:
                records.popitem(last=False)

    def recent(self, kind: str, limit: int = 50) -> list[dict]:
        with self._lock:
            raws = list(self._kinds.get(kind, {}).values())[-limit:]
        return [json.loads(raw) for raw in reversed(raws)]


class RedisPayStore:
    def __init__(self, url: str, prefix: str = "jiayou:sandbox:wechatpay:"):
        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def lock(self) -> AbstractContextManager:
        return self._redis.lock(self._prefix + "lock", timeout=10, blocking_timeout=10)

    def get(self, kind: str, key: str) -> dict | None:
        raw = self._redis.get(f"{self._prefix}{kind}:{key}")
        return json.loads(raw) if raw else None

    def put(self, kind: str, key: str, record: dict) -> None:
        index = f"{self._prefix}recent:{kind}"
        with self._redis.pipeline() as pipe:
            pipe.set(f"{self._prefix}{kind}:{key}", json.dumps(record), ex=REDIS_TTL_S)
            pipe.zadd(index, {key: time.time()}, nx=True)  # first put decides the order
            pipe.zremrangebyrank(index, 0, -KEEP_PER_KIND - 1)
            pipe.expire(index, REDIS_TTL_S)
            pipe.execute()

    def recent(self, kind: str, limit: int = 50) -> list[dict]:
        keys = self._redis.zrevrange(f"{self._prefix}recent:{kind}", 0, limit - 1)
        if not keys:
            return []
        raws = self._redis.mget([f"{self._prefix}{kind}:{key.decode()}" for key in keys])
        return [json.loads(raw) for raw in raws if raw]


_creating = threading.Lock()


def store() -> PayStore:
    """One store per app: Redis when REDIS_URL is set, else this process's memory."""
    with _creating:
        existing = current_app.extensions.get("sandbox_wechatpay_store")
        if existing is None:
            url = current_app.config.get("REDIS_URL")
            existing = RedisPayStore(url) if url else MemoryPayStore()
            current_app.extensions["sandbox_wechatpay_store"] = existing
    return existing

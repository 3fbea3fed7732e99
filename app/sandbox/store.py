"""The sandbox's own state: single-use codes and tokens with an expiry, per-minute call counters.

In memory by default; in Redis when REDIS_URL is set, so that every web process shares it.
"""

import json
import threading
import time
from typing import Protocol

import redis


class Store(Protocol):
    def put(self, key: str, record: dict, ttl_s: int) -> None: ...

    def get(self, key: str) -> dict | None:
        """The record, left in place (None once expired)."""

    def take(self, key: str) -> dict | None:
        """The record, removed atomically: of two concurrent takers only one gets it."""

    def count(self, key: str, window_s: int) -> int:
        """Add one call to the key's current window and return the calls in it so far."""


class MemoryStore:
    def __init__(self):
        self._lock = threading.Lock()
        self._records: dict[str, tuple[float, dict]] = {}
        self._counters: dict[str, tuple[float, int]] = {}

    def put(self, key: str, record: dict, ttl_s: int) -> None:
        with self._lock:
            self._sweep()
            self._records[key] = (time.time() + ttl_s, dict(record))

    def get(self, key: str) -> dict | None:
        with self._lock:
            expires, record = self._records.get(key, (0.0, None))
            return dict(record) if record is not None and expires > time.time() else None

    def take(self, key: str) -> dict | None:
        with self._lock:
            expires, record = self._records.pop(key, (0.0, None))
            return record if record is not None and expires > time.time() else None

    def count(self, key: str, window_s: int) -> int:
        with self._lock:
            self._sweep()
            now = time.time()
            ends, calls = self._counters.get(key, (0.0, 0))
            if ends <= now:
                ends, calls = now + window_s, 0
            self._counters[key] = (ends, calls + 1)
            return calls + 1

    def _sweep(self) -> None:
        now = time.time()
        for key in [k for k, (expires, _) in self._records.items() if expires <= now]:
            del self._records[key]
        for key in [k for k, (ends, _) in self._counters.items() if ends <= now]:
            del self._counters[key]


class RedisStore:
    def __init__(self, url: str, prefix: str = "sandbox:"):
        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def put(self, key: str, record: dict, ttl_s: int) -> None:
        self._redis.set(self._prefix + key, json.dumps(record), ex=ttl_s)

    def get(self, key: str) -> dict | None:
        raw = self._redis.get(self._prefix + key)
        return json.loads(raw) if raw else None

    def take(self, key: str) -> dict | None:
        raw = self._redis.getdel(self._prefix + key)
        return json.loads(raw) if raw else None

    def count(self, key: str, window_s: int) -> int:
        full_key = self._prefix + "count:" + key
        with self._redis.pipeline() as pipe:
            pipe.incr(full_key)
            pipe.expire(full_key, window_s, nx=True)
            calls, _ = pipe.execute()
        return int(calls)

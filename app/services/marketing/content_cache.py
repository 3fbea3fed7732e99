"""The cache of the driver reads of banners and notices: in Redis when REDIS_URL is set (shared
by every web process), else in this process's memory (the embedded mode, one process).

A key names the chain's content and catalogue versions (live_content), so a change is seen on
the next read; an entry carries the moment it stops being right (the next live_from or
live_until), compared with the clock on every read, so a scheduled banner appears on time
without any change event. Redis out of reach only costs the cache, never the answer."""

import hashlib
import json
import logging
import threading
from datetime import datetime, timedelta

import redis
from flask import current_app

log = logging.getLogger(__name__)

MAX_AGE = timedelta(minutes=10)  # an entry is dropped after this long in any case
MEMORY_ENTRIES = 2000
REDIS_TIMEOUT_S = 0.5

_lock = threading.Lock()
_memory: dict[str, tuple[datetime, object]] = {}
_clients: dict[str, redis.Redis] = {}


def _prefix() -> str:
    """Per database: two deployments (or test workers) sharing a Redis never share entries."""
    database = current_app.config["SQLALCHEMY_DATABASE_URI"].encode()
    return f"jiayou:content:{hashlib.sha256(database).hexdigest()[:12]}:"


def _redis() -> redis.Redis | None:
    url = current_app.config.get("REDIS_URL") or ""
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        client = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
        )
        _clients[url] = client
    return client


def get(key: str, now: datetime):
    """The value kept under key while it is still right at `now`, else None."""
    client = _redis()
    if client is None:
        with _lock:
            until, value = _memory.get(key, (None, None))
        return value if until is not None and now < until else None
    try:
        raw = client.get(_prefix() + key)
    except redis.RedisError as err:
        log.warning("content cache unreachable, reading the database: %s", err)
        return None
    if raw is None:
        return None
    entry = json.loads(raw)
    return entry["value"] if now.timestamp() < entry["until"] else None


def put(key: str, value, until: datetime, now: datetime) -> None:
    """Keep value (JSON-able) under key until `until` (MAX_AGE at most)."""
    until = min(until, now + MAX_AGE)
    if until <= now:
        return
    client = _redis()
    if client is None:
        with _lock:
            if len(_memory) >= MEMORY_ENTRIES:
                _memory.clear()  # old versions' entries: simplest to start again
            _memory[key] = (until, value)
        return
    seconds = max(1, int((until - now).total_seconds()) + 1)
    entry = json.dumps({"until": until.timestamp(), "value": value}, ensure_ascii=False)
    try:
        client.set(_prefix() + key, entry, ex=seconds)
    except redis.RedisError as err:
        log.warning("content cache unreachable, not kept: %s", err)


def clear() -> None:
    """Forget every entry of this app (tests, after the tables were emptied)."""
    with _lock:
        _memory.clear()
    client = _redis()
    if client is not None:
        keys = list(client.scan_iter(_prefix() + "*", count=500))
        if keys:
            client.delete(*keys)

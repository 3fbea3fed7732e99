"""Time in tests: moments relative to today in Shanghai wall-clock time, and bounded waits.

A test that needs a particular moment (a Wednesday, an hour before midnight) is marked
`@pytest.mark.clock(...)`: the clock stops at the next such moment before any of its data is
built (see the `clock` fixture in tests/conftest.py), so the test never depends on today's date.
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.models.base import utcnow
from app.services.platform.clock import SHANGHAI


def next_local(weekday: int | None = None, hour: int = 0, minute: int = 0) -> datetime:
    """The first moment from now on at hour:minute in Shanghai, on `weekday` (0 = Monday) if
    given, as an aware datetime in Shanghai time."""
    now = utcnow().astimezone(SHANGHAI)
    moment = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    while moment < now or (weekday is not None and moment.weekday() != weekday):
        moment += timedelta(days=1)  # Shanghai has no daylight saving: a day is 24 hours
    return moment


def wait_until(condition: Callable[[], object], timeout_s: float = 10.0, every_s: float = 0.01):
    """Poll `condition` until it holds (returning its value); fail after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while not (value := condition()):
        assert time.monotonic() < deadline, f"still not true after {timeout_s} s: {condition}"
        time.sleep(every_s)
    return value


class Statements:
    """How many statements containing a fragment of SQL the app has run, in any thread."""

    def __init__(self, fragment: str):
        self.fragment = fragment
        self.count = 0
        self._changed = threading.Condition()

    def seen(self, statement: str) -> None:
        if self.fragment in statement:
            with self._changed:
                self.count += 1
                self._changed.notify_all()

    def wait_beyond(self, count: int, timeout_s: float = 10.0) -> None:
        """Wait until more than `count` such statements have run."""
        with self._changed:
            assert self._changed.wait_for(lambda: self.count > count, timeout_s), (
                f"no new statement with {self.fragment!r} in {timeout_s} s"
            )


@contextmanager
def statements(engine: Engine, fragment: str) -> Iterator[Statements]:
    """Count the statements with `fragment` that `engine` runs while the block lasts: a test
    waits on this to know a loop in the server (a long poll) has looked at the database."""
    counter = Statements(fragment)

    def after_execute(conn, cursor, statement, parameters, context, executemany):
        counter.seen(statement)

    event.listen(engine, "after_cursor_execute", after_execute)
    try:
        yield counter
    finally:
        event.remove(engine, "after_cursor_execute", after_execute)

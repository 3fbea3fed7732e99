"""Threads in tests: every wait is bounded and a thread's error fails the test that started it.

A thread stuck on a barrier whose other party died, or on a lock, must fail the test with a
message, never hang the suite: `start_line` gives barriers a timeout, `Worker.finish` and
`run_together` join with one and raise what went wrong in the thread.
"""

import threading
import time
from collections.abc import Callable

import pytest

WAIT_S = 30.0  # the longest a test waits on another thread


def start_line(parties: int, timeout_s: float = WAIT_S) -> threading.Barrier:
    """A barrier releasing `parties` threads together; a wait on it gives up after timeout_s
    (threading.BrokenBarrierError) if a party never comes."""
    return threading.Barrier(parties, timeout=timeout_s)


class Worker(threading.Thread):
    """A daemon thread running call(); finish() waits for it and raises its error, if any."""

    def __init__(self, call: Callable[[], object], on_error: Callable[[], object] | None = None):
        super().__init__(daemon=True)
        self.call, self.on_error, self.error = call, on_error, None

    def run(self) -> None:
        try:
            self.call()
        except BaseException as error:  # handed to the test by finish()
            self.error = error
            if self.on_error is not None:
                self.on_error()

    def finish(self, timeout_s: float = WAIT_S) -> None:
        self.join(timeout_s)
        if self.is_alive():
            pytest.fail(f"{self.name} ({self.call}) still running after {timeout_s:g} s")
        if self.error is not None:
            raise self.error


def run_together(
    *calls: Callable[[], object],
    barrier: threading.Barrier | None = None,
    timeout_s: float = WAIT_S,
) -> None:
    """Run each call in its own thread and wait for all of them, timeout_s at most in all.
    The first error is raised here, preferring one that is not a broken barrier (the cause
    over its effect); an error in one thread breaks `barrier`, so the others stop waiting."""
    workers = [Worker(call, barrier.abort if barrier is not None else None) for call in calls]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + timeout_s
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
    stuck = [w.name for w in workers if w.is_alive()]
    if stuck:
        pytest.fail(f"threads still running after {timeout_s:g} s: {stuck}")
    errors = [w.error for w in workers if w.error is not None]
    causes = [e for e in errors if not isinstance(e, threading.BrokenBarrierError)]
    if causes or errors:
        raise (causes or errors)[0]

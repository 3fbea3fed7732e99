"""Loaded only when the suite runs under libfaketime with FAKETIME_DONT_FAKE_MONOTONIC=1.

libfaketime 0.9.10 turns the absolute CLOCK_MONOTONIC deadline that CPython 3.11's time.sleep
hands to clock_nanosleep into an invalid one (EINVAL), while faking the monotonic clock too makes
every lock or event wait with a timeout hang (sem_clockwait is not intercepted). So the monotonic
clock stays real, and time.sleep waits on a lock's timeout, which the kernel times on it.
"""

import threading
import time

_never = threading.Event()


def _sleep(seconds: float) -> None:
    _never.wait(max(0.0, seconds))


time.sleep = _sleep

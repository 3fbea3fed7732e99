"""One transaction per use case, in one shape: `with unit_of_work():` around the use case's work.

The outermost block commits once when it ends, or rolls everything back if it raises. Blocks
nest: an inner one (a use case called by another, or inside the Idempotency-Key wrapper that
stores the answer with the work) joins the outer transaction and commits nothing itself. Helpers
below a use case raise; they never commit or roll back.

A use case that must call WeChat between two transactions is split into named steps: each step
ends with `end_step()`, which commits the work so far (and the outer block's, such as an
Idempotency-Key claim) so that no lock or transaction stays open while WeChat answers. Its
docstring says so.

Deadlocks and serialization failures are the database's way of saying "run it again": a caller
at the top of a request or job wraps the whole use case in `retrying()`."""

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.services.platform.errors import ServiceError

log = logging.getLogger(__name__)
T = TypeVar("T")
_UNIT = "jiayou.unit"  # session.info key of the outermost block's Unit
# PostgreSQL's serialization_failure and deadlock_detected: the transaction did nothing.
RETRYABLE_SQLSTATES = {"40001", "40P01"}
ATTEMPTS = 3


class Busy(ServiceError):
    """The database kept refusing the transaction (a deadlock each time): try again shortly."""

    status = 503
    code = "busy"


class Unit:
    """The outermost block's state. keep_loaded: the use case answers with objects it wrote or
    re-read under lock; they stay loaded after the commit (no reload per object)."""

    def __init__(self, keep_loaded: bool):
        self.keep_loaded = keep_loaded
        self.failed = False

    def rollback(self) -> None:
        """Undo everything not yet committed and go on in a fresh transaction: for the block's
        owner only, to record a refusal after the work was undone."""
        db.session.rollback()
        self.failed = False


@contextmanager
def unit_of_work(*, keep_loaded: bool = False) -> Iterator[Unit]:
    session = db.session()
    outer: Unit | None = session.info.get(_UNIT)
    if outer is not None:
        outer.keep_loaded |= keep_loaded
        try:
            yield outer
        except BaseException:
            outer.failed = True  # the outer block may not commit half of this one
            raise
        return
    unit = Unit(keep_loaded)
    session.info[_UNIT] = unit
    try:
        yield unit
        if unit.failed:
            raise RuntimeError("an inner unit of work failed; its work is not committed")
        session.expire_on_commit = not unit.keep_loaded
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.expire_on_commit = True
        session.info.pop(_UNIT, None)


def end_step() -> None:
    """Commit a named step of a use case (see the module's docstring): the outermost block goes
    on in a new transaction. Loaded objects are expired, as on any commit: what they hold may
    change while WeChat answers."""
    session = db.session()
    unit: Unit | None = session.info.get(_UNIT)
    if unit is None:
        raise RuntimeError("end_step() outside a unit of work")
    if unit.failed:
        raise RuntimeError("an inner unit of work failed; its work is not committed")
    session.commit()


def is_retryable(err: BaseException) -> bool:
    original = getattr(err, "orig", None)
    return isinstance(err, DBAPIError) and getattr(original, "sqlstate", None) in (
        RETRYABLE_SQLSTATES
    )


def retrying(run: Callable[[], T]) -> T:
    """run() again, in a fresh transaction, when the database broke a deadlock or a
    serialization conflict by failing it; Busy after ATTEMPTS tries. For the top of a request or
    job only: run() must be a whole use case, rolled back when it failed."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return run()
        except DBAPIError as err:
            if not is_retryable(err):
                raise
            db.session.rollback()
            log.warning("transaction failed (%s), attempt %s", err.orig.sqlstate, attempt)
            time.sleep(0.01 * attempt)  # a moment for the other transaction to finish
    raise Busy("系统繁忙，请稍后重试")

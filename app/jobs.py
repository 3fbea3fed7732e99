"""Background jobs: thin wrappers that call services (registered with the outbox)."""

import logging
import threading
import time

from flask import Flask

from app.extensions import db
from app.services import payments
from app.services.payments import cancellation, refunds, settlement
from app.services.platform import idempotency, outbox
from app.services.platform.outbox import handler


@handler("expire_order")
def expire_order(payload: dict) -> None:
    cancellation.expire_order(payload["order_id"])


@handler("reconcile_payment")
def reconcile_payment(payload: dict) -> None:
    payments.reconcile(payload["order_id"])


@handler("settle_order")
def settle_order(payload: dict) -> None:
    settlement.settle_order(payload["order_id"])


@handler("submit_refund")
def submit_refund(payload: dict) -> None:
    refunds.submit(payload["refund_id"])


@handler("query_refund")
def query_refund(payload: dict) -> None:
    refunds.query(payload["refund_id"])


# --- running the outbox: in-process (embedded) or through RQ (production) ---------------------

log = logging.getLogger(__name__)
QUEUE = "jiayou"
POLL_S = 1.0
BATCH = 100
# Outbox jobs per RQ job: RQ's own bookkeeping per job costs about as much as a settlement, and
# several `flask worker` processes still share a backlog.
RQ_CHUNK = 10


_last_housekeeping = 0.0
HOUSEKEEPING_EVERY_S = 3600


def housekeeping() -> None:
    """Hourly: drop stored Idempotency-Key answers past their promised 24 h (kept 48 h)."""
    global _last_housekeeping
    if time.monotonic() - _last_housekeeping < HOUSEKEEPING_EVERY_S and _last_housekeeping:
        return
    _last_housekeeping = time.monotonic()
    purged = idempotency.purge_old()
    if purged:
        log.info("purged %s old idempotency records", purged)


def start_inline_runner(app: Flask) -> None:
    """Embedded mode: one daemon thread per process claims and runs due jobs."""
    if app.extensions.get("jobs_runner"):
        return
    thread = threading.Thread(target=_inline_loop, args=(app,), daemon=True, name="jobs")
    app.extensions["jobs_runner"] = thread
    thread.start()


def _inline_loop(app: Flask) -> None:
    while True:
        with app.app_context():
            try:
                housekeeping()
                outbox.sweep_stuck()
                # Keep going while full batches come back: a backlog drains at full speed.
                while outbox.run_due(limit=BATCH) == BATCH:
                    pass
            except Exception:
                log.exception("job runner pass failed")
            finally:
                db.session.remove()
        time.sleep(POLL_S)


def relay_once(queue) -> int:
    """Production: move due outbox rows into RQ; a row lost on the way is swept back later."""
    housekeeping()
    outbox.sweep_stuck()
    moved = 0
    while True:
        queued = outbox.mark_queued(BATCH)
        for start in range(0, len(queued), RQ_CHUNK):
            chunk = queued[start : start + RQ_CHUNK]
            queue.enqueue(run_queued, chunk, job_id=f"outbox-{chunk[0]}-{time.time_ns()}")
        moved += len(queued)
        if len(queued) < BATCH:  # no backlog left: the caller sleeps until the next poll
            return moved


def run_queued(job_ids: int | list[int]) -> None:
    """RQ entry point: run outbox jobs that the relay queued (each once, by compare-and-set)."""
    for job_id in [job_ids] if isinstance(job_ids, int) else job_ids:
        if job := outbox.claim(job_id, from_status="queued"):
            outbox.execute(job)

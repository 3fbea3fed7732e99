"""Background jobs: thin wrappers that call services (registered with the outbox)."""

import logging
import threading
import time
from datetime import timedelta

from flask import Flask, current_app
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import OperationalError

from app.services import payments
from app.services.marketing import expiry, pushes
from app.services.marketing.points import expiry as points_expiry
from app.services.members import member_code, tier_status, top_ups
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


@handler("reconcile_topup")
def reconcile_topup(payload: dict) -> None:
    top_ups.reconcile(payload["topup_id"])


@handler("tiers_nightly")
def tiers_nightly(payload: dict) -> None:
    tier_status.run_nightly_job(payload)


@handler("tiers_recompute")
def tiers_recompute(payload: dict) -> None:
    tier_status.run_recompute_job(payload)


@handler(expiry.JOB)
def coupons_expire(payload: dict) -> None:
    expiry.run_job(payload)


@handler(pushes.JOB)
def coupon_push(payload: dict) -> None:
    pushes.run_job(payload)


@handler(points_expiry.JOB)
def points_expire(payload: dict) -> None:
    points_expiry.run_job(payload)


# --- running the outbox: in-process (embedded) or through RQ (production) ---------------------

log = logging.getLogger(__name__)
QUEUE = "jiayou"
BATCH = 100
# The database or Redis out of reach: said in one line, tried again.
DISCONNECTED = (OperationalError, RedisConnectionError, RedisTimeoutError)
# Outbox jobs per RQ job: RQ's own bookkeeping per job costs about as much as a settlement, and
# several `flask worker` processes still share a backlog.
RQ_CHUNK = 10


_last_housekeeping = 0.0
HOUSEKEEPING_EVERY_S = 3600


def housekeeping() -> None:
    """Hourly: drop stored Idempotency-Key answers past their promised 24 h (kept 48 h) and
    member codes a day after they expired; queue the next nightly tier recompute and the next
    hour's expiry of coupons and of points."""
    global _last_housekeeping
    if time.monotonic() - _last_housekeeping < HOUSEKEEPING_EVERY_S and _last_housekeeping:
        return
    _last_housekeeping = time.monotonic()
    purged = idempotency.purge_old()
    if purged:
        log.info("purged %s old idempotency records", purged)
    if codes := member_code.purge_expired():
        log.info("purged %s expired member codes", codes)
    tier_status.schedule_nightly()
    expiry.schedule_hourly()
    points_expiry.schedule_hourly()


def poll_s(app: Flask) -> float:
    return app.config["JOBS_POLL_MS"] / 1000


def start_inline_runner(app: Flask) -> None:
    """Embedded mode: one daemon thread per process claims and runs due jobs."""
    if app.extensions.get("jobs_runner"):
        return
    thread = threading.Thread(target=_inline_loop, args=(app,), daemon=True, name="jobs")
    app.extensions["jobs_runner"] = thread
    thread.start()


def _inline_loop(app: Flask) -> None:
    while True:
        try:
            with app.app_context():
                housekeeping()
                outbox.sweep_stuck()
                # Keep going while full batches come back: a backlog drains at full speed.
                while outbox.run_due(limit=BATCH) == BATCH:
                    pass
        except Exception:
            log.exception("job runner pass failed")
        time.sleep(poll_s(app))


class Holding:
    """The outbox jobs this process holds (those of the RQ job it runs, not yet finished): its
    relay renews their leases, so only the jobs of a dead worker run out of lease."""

    def __init__(self):
        self._ids: set[int] = set()
        self._lock = threading.Lock()

    def take(self, ids: list[int]) -> None:
        with self._lock:
            self._ids.update(ids)

    def drop(self, ids: list[int]) -> None:
        with self._lock:
            self._ids.difference_update(ids)

    def ids(self) -> list[int]:
        with self._lock:
            return sorted(self._ids)


holding = Holding()


def relay_once(queue) -> int:
    """Production: renew our leases, hand out again the jobs nobody renews, and move due outbox
    rows into RQ; returns how many were moved."""
    housekeeping()
    outbox.renew(holding.ids())
    lease = timedelta(seconds=current_app.config["JOBS_LEASE_S"])
    outbox.sweep_stuck(after=lease, waiting=lambda: waiting_in(queue))
    moved = 0
    while True:
        sent = outbox.relay(BATCH, lambda ids: _enqueue(queue, ids))
        moved += sent
        if sent < BATCH:  # no backlog left: the caller sleeps until the next poll
            return moved


def _enqueue(queue, ids: list[int]) -> None:
    for start in range(0, len(ids), RQ_CHUNK):
        chunk = ids[start : start + RQ_CHUNK]
        # The ids are in the RQ job's id, so the relay sees which jobs still wait in Redis.
        job_id = f"outbox-{'_'.join(map(str, chunk))}-{time.time_ns()}"
        queue.enqueue(run_queued, chunk, job_id=job_id)


def waiting_in(queue) -> set[int]:
    """The outbox ids of the RQ jobs waiting in the queue."""
    ids: set[int] = set()
    for job_id in queue.get_job_ids():
        kind, _, rest = job_id.partition("-")
        if kind == "outbox":
            ids.update(int(i) for i in rest.partition("-")[0].split("_"))
    return ids


def run_queued(job_ids: int | list[int]) -> None:
    """RQ entry point: run outbox jobs that the relay queued (each once, by compare-and-set).
    Each runs in an app context of its own, as a request does: a job the database failed under
    costs that job only (its lease runs out and it is handed out again), not the rest."""
    ids = [job_ids] if isinstance(job_ids, int) else list(job_ids)
    app = current_app._get_current_object()

    def attempt(what: str, work) -> None:
        try:
            with app.app_context():
                work()
        except DISCONNECTED as err:
            log.error("%s: %s", what, err)

    holding.take(ids)
    try:
        # They may have waited in Redis for longer than their lease.
        attempt("leases not renewed", lambda: outbox.renew(ids))
        for job_id in ids:
            attempt(f"outbox job {job_id} not run", lambda job_id=job_id: _run(job_id))
            holding.drop([job_id])
    finally:
        holding.drop(ids)


def _run(job_id: int) -> None:
    if job := outbox.claim(job_id, from_status="queued"):
        outbox.execute(job)


def relay_forever(app: Flask, queue, stop: threading.Event) -> None:
    """The worker's relay thread. It never dies: a pass that fails (database or Redis away) is
    logged and the next one tries again."""
    while not stop.is_set():
        try:
            with app.app_context():
                relay_once(queue)
        except DISCONNECTED as err:
            log.error("outbox relay pass failed: %s", err)
        except Exception:
            log.exception("outbox relay pass failed")
        stop.wait(poll_s(app))


def run_worker(app: Flask) -> None:
    """`flask worker`: the relay thread, and an RQ worker in this thread that runs the jobs.
    Neither stops when Redis or the database goes away: each waits and tries again, until the
    process is asked to stop (SIGTERM: the RQ job in hand is finished first)."""
    from redis import Redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry
    from rq import Queue, SimpleWorker

    class Worker(SimpleWorker):
        # RQ waits up to 60 s between attempts to reach Redis again; a few polls is enough.
        max_connection_wait_time = 5 * poll_s(app)
        stopping = False

        def request_stop(self, signum, frame):
            self.stopping = True
            super().request_stop(signum, frame)

    url = app.config["REDIS_URL"]
    # The relay's own connection gives up at once (its next pass tries again), so Redis away
    # cannot hold up the renewal of its leases.
    at_once = Retry(NoBackoff(), 0)
    relay_queue = Queue(QUEUE, connection=Redis.from_url(url, socket_timeout=5, retry=at_once))
    stop = threading.Event()
    relay = threading.Thread(
        target=relay_forever, args=(app, relay_queue, stop), daemon=True, name="outbox-relay"
    )
    relay.start()
    connection = Redis.from_url(url)
    try:
        while True:
            # SimpleWorker runs jobs in this process, inside the app context, without forking.
            worker = Worker([Queue(QUEUE, connection=connection)], connection=connection)
            try:
                worker.work(with_scheduler=False)
            except Exception as err:
                log.error("the RQ worker stopped (%s), starting it again", err)
            if worker.stopping:
                return
            time.sleep(worker.max_connection_wait_time)
    finally:
        stop.set()

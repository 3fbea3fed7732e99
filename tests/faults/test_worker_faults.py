"""The `flask worker` process under faults: killed with -9 in the middle of a chunk of jobs, and
Redis stopped (losing what waited in it) and started again. Every job must run within the
lease (JOBS_LEASE_S, 2 s here) of a worker or Redis coming back, and the books must balance."""

import signal

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from app import jobs
from app.extensions import db
from app.models import OutboxJob
from app.services import payments
from app.services.orders import pickup
from tests.factories import make_member
from tests.faults.load import Load, assert_ledger_check_passes, wait_all_final
from tests.faults.processes import app_env, wait_until
from tests.money.helpers import credit_wallet, place

LOCK_ORDER = "SELECT 1 FROM fuel_order WHERE id = %s FOR UPDATE"


def fueled_orders(world, count: int) -> list[int]:
    """Orders paid from the wallet and filled (less than paid): each waits for its settle job."""
    member = make_member(world.chain)
    credit_wallet(member, count * 20_000)
    ids = []
    for _ in range(count):
        order = payments.pay_with_wallet(
            member, place(member, world.station_a, amount_fen=20_000).id
        )
        pickup.confirm_fueling(world.attendant_a, pickup.token_for(order), 20_000)
        ids.append(order.id)
    return ids


def settle_job(order_id: int) -> OutboxJob:
    db.session.remove()
    return db.session.scalars(
        select(OutboxJob).where(OutboxJob.dedupe_key == f"settle:{order_id}")
    ).one()


def test_a_worker_killed_mid_chunk_leaves_no_job_behind(app, world, worker, lock):
    orders = fueled_orders(world, 12)  # two RQ jobs: 10 + 2 settlements
    with lock(LOCK_ORDER, [orders[0]]) as held:
        worker.start()
        held.wait()  # the worker is settling the first order, nine more in its hands
        worker.kill()
    worker.start()
    wait_all_final(seconds=20)
    first = settle_job(orders[0])
    assert (first.status, first.attempts) == ("done", 2)  # killed once, run again once
    assert_ledger_check_passes(app)
    worker.process.send_signal(signal.SIGTERM)  # how a supervisor stops it
    assert worker.process.wait(timeout=30) == 0


@pytest.fixture
def env(database_url, redis_server):
    """The rate limits count in the test's Redis too, as they do in production."""
    return app_env(database_url, redis_server.url, RATELIMIT_STORAGE_URI=redis_server.url)


def test_redis_stopped_and_started_again_loses_no_job(app, world, redis_server, worker, web, lock):
    orders = fueled_orders(world, 12)
    queue = Queue(jobs.QUEUE, connection=Redis.from_url(redis_server.url))
    load = Load(web.url, world, drivers=2)
    with lock(LOCK_ORDER, [orders[0]]) as held:
        worker.start()
        held.wait()  # ten settlements in the worker's hands ...
        wait_until(lambda: queue.count == 1, 10, "the last two wait in Redis")
        redis_server.stop()  # ... and those two are lost with Redis
        load.start()
        load.wait_for_flows(4)  # drivers go on; their settlements wait in the outbox
        assert load.login().status_code == 200  # limits counted in memory meanwhile
    redis_server.start()  # empty
    load.wait_for_flows(4)
    load.stop()
    assert set(load.flows) == {"done"}  # the web side never needed Redis
    wait_all_final(seconds=20)
    assert_ledger_check_passes(app)
    assert worker.process.poll() is None  # the same worker process saw it through

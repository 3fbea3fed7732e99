"""Production job path: the relay moves due outbox rows into RQ (real Redis) and a worker runs
each exactly once; a job Redis lost, or whose worker died, is handed out again once its lease
runs out, and a job waiting in Redis keeps its turn."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry
from rq import Queue, SimpleWorker
from sqlalchemy import select

from app import jobs
from app.extensions import db
from app.models import Order, OutboxJob
from app.models.base import utcnow
from app.services import payments
from app.services.orders import pickup
from tests.factories import make_member
from tests.faults.processes import free_port
from tests.money.helpers import assert_ledger_ok, credit_wallet, place


def test_relay_and_rq_worker_settle_once(world, redis_client):
    member = make_member(world.chain)
    credit_wallet(member, 50_000)
    order = place(member, world.station_a, amount_fen=20000)
    order = payments.pay_with_wallet(member, order.id)
    pickup.confirm_fueling(world.attendant_a, pickup.token_for(order), 20_000)
    queue = Queue(f"test-{uuid.uuid4().hex}", connection=redis_client)
    try:
        assert jobs.relay_once(queue) == 1  # the settle job (the expiry job is not due yet)
        assert jobs.relay_once(queue) == 0  # queued rows are not handed out twice
        job = db.session.scalars(select(OutboxJob).where(OutboxJob.kind == "settle_order")).one()
        assert job.status == "queued" and len(queue) == 1
        SimpleWorker([queue], connection=redis_client).work(burst=True)
        db.session.expire_all()
        assert db.session.get(OutboxJob, job.id).status == "done"
        assert db.session.get(Order, order.id).status == "settled"
        jobs.run_queued(job.id)  # a duplicate delivery from RQ does nothing
        assert db.session.get(Order, order.id).refunded_fen == 20000 - 14960
        assert_ledger_ok()
    finally:
        queue.empty()
        queue.delete()


@pytest.fixture
def queue(redis_client):
    queue = Queue(f"test-{uuid.uuid4().hex}", connection=redis_client)
    yield queue
    queue.empty()
    queue.delete()


def expiry_job(order_id: int) -> OutboxJob:
    db.session.expire_all()
    query = select(OutboxJob).where(OutboxJob.dedupe_key == f"expire:{order_id}")
    return db.session.scalars(query).one()


LEASE = timedelta(seconds=30)  # the test app's JOBS_LEASE_S


def test_jobs_stay_pending_while_redis_is_down(world, queue):
    order = place(make_member(world.chain), world.station_a)
    later = utcnow() + timedelta(minutes=16)  # the expiry job is due
    redis_away = Redis(port=free_port(), retry=Retry(NoBackoff(), 0))
    unreachable = Queue(queue.name, connection=redis_away)
    with time_machine.travel(later, tick=False):
        with pytest.raises(RedisConnectionError):
            jobs.relay_once(unreachable)
        assert expiry_job(order.id).status == "pending"  # not marked queued on the way
        assert jobs.relay_once(queue) == 1
    assert expiry_job(order.id).status == "queued" and len(queue) == 1


def test_a_job_redis_lost_is_handed_out_again_once_its_lease_ran_out(world, queue):
    order = place(make_member(world.chain), world.station_a)
    later = utcnow() + timedelta(minutes=16)
    with time_machine.travel(later, tick=False):
        assert jobs.relay_once(queue) == 1
    queue.empty()  # Redis restarted without its data
    with time_machine.travel(later + LEASE - timedelta(seconds=1), tick=False):
        assert jobs.relay_once(queue) == 0
    with time_machine.travel(later + LEASE + timedelta(seconds=1), tick=False):
        assert jobs.relay_once(queue) == 1
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert expiry_job(order.id).status == "done"
    assert db.session.get(Order, order.id).status == "expired"


def test_a_job_waiting_in_redis_keeps_its_turn(world, queue):
    order = place(make_member(world.chain), world.station_a)
    later = utcnow() + timedelta(minutes=16)
    with time_machine.travel(later, tick=False):
        assert jobs.relay_once(queue) == 1
    with time_machine.travel(later + 3 * LEASE, tick=False):  # a long backlog in Redis
        assert jobs.relay_once(queue) == 0
    assert len(queue) == 1 and expiry_job(order.id).status == "queued"


def test_the_jobs_a_live_worker_holds_are_renewed(world, queue):
    order = place(make_member(world.chain), world.station_a)
    later = utcnow() + timedelta(minutes=16)
    with time_machine.travel(later, tick=False):
        assert jobs.relay_once(queue) == 1
    queue.empty()  # a worker of this process took the RQ job and works on it
    job_id = expiry_job(order.id).id
    jobs.holding.take([job_id])
    try:
        for passed in (LEASE, 2 * LEASE):
            with time_machine.travel(later + passed + timedelta(seconds=1), tick=False):
                assert jobs.relay_once(queue) == 0
    finally:
        jobs.holding.drop([job_id])
    with time_machine.travel(later + 3 * LEASE + timedelta(seconds=2), tick=False):
        assert jobs.relay_once(queue) == 1  # the worker died: nobody renews it any more


def test_a_duplicate_rq_job_runs_nothing_twice(world, queue):
    order = place(make_member(world.chain), world.station_a)
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        assert jobs.relay_once(queue) == 1
        job_id = expiry_job(order.id).id
        jobs.run_queued([job_id])
        jobs.run_queued([job_id])
    job = expiry_job(order.id)
    assert (job.status, job.attempts) == ("done", 1)


def test_housekeeping_drops_idempotency_answers_after_48_hours(world):
    from app.models import IdempotencyRecord
    from app.services.platform import idempotency

    member = make_member(world.chain)
    db.session.commit()
    claim, _ = idempotency.begin(member.id, "POST /api/v1/orders", "k-1", "h")
    db.session.commit()  # the request's own work commits the claim
    idempotency.finish(claim, 201, {"id": 1})
    stored = select(IdempotencyRecord.status_code).where(IdempotencyRecord.key == "k-1")
    jobs._last_housekeeping = 0.0
    with time_machine.travel(utcnow() + timedelta(hours=47), tick=False):
        jobs.housekeeping()
    assert db.session.scalars(stored).all() == [201]
    jobs._last_housekeeping = 0.0
    with time_machine.travel(utcnow() + timedelta(hours=49), tick=False):
        jobs.housekeeping()
    assert db.session.scalars(stored).all() == []


def test_a_backlog_goes_to_rq_in_chunks_and_each_job_runs_once(world, redis_client):
    member = make_member(world.chain)
    for _ in range(12):
        place(member, world.station_a)
    queue = Queue(f"test-{uuid.uuid4().hex}", connection=redis_client)
    try:
        with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
            assert jobs.relay_once(queue) == 12
            assert len(queue) == 2  # 10 + 2 outbox jobs
            SimpleWorker([queue], connection=redis_client).work(burst=True)
        db.session.expire_all()
        assert set(db.session.scalars(select(Order.status))) == {"expired"}
        done = select(OutboxJob.status, OutboxJob.attempts).where(OutboxJob.kind == "expire_order")
        assert set(db.session.execute(done)) == {("done", 1)}
    finally:
        queue.empty()
        queue.delete()


def test_jobs_status_tells_an_operator_how_late_the_jobs_are(world, app):
    order = place(make_member(world.chain), world.station_a)
    runner = app.test_cli_runner()
    on_time = runner.invoke(args=["jobs", "status"])
    assert on_time.exit_code == 0, on_time.output
    assert on_time.output.splitlines() == ["pending=1", "latest job not done is 0 s late"]
    due = expiry_job(order.id).run_after
    with time_machine.travel(due + timedelta(seconds=150), tick=False):
        late = runner.invoke(args=["jobs", "status"])
        assert runner.invoke(args=["jobs", "status", "--max-late", "200"]).exit_code == 0
    assert late.exit_code == 1
    assert "latest job not done is 150 s late" in late.output
    assert "more than 120 s late" in late.output

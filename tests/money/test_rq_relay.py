"""Production job path: the relay moves due outbox rows into RQ (real Redis) and a worker runs
each exactly once; a row lost between the two is swept back."""

import uuid
from datetime import timedelta

import time_machine
from rq import Queue, SimpleWorker
from sqlalchemy import select

from app import jobs
from app.extensions import db
from app.models import Order, OutboxJob
from app.models.base import utcnow
from app.services import payments
from app.services.orders import pickup
from app.services.platform import outbox
from tests.factories import make_member
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


def test_queued_row_lost_before_rq_is_swept_back(world, redis_client):
    member = make_member(world.chain)
    place(member, world.station_a)
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        assert len(outbox.mark_queued(10)) == 1  # ... and then Redis was unreachable
    with time_machine.travel(utcnow() + timedelta(minutes=16) + outbox.STUCK_AFTER, tick=False):
        assert outbox.sweep_stuck() == 1
        assert outbox.run_due() == 1
    db.session.expire_all()
    assert db.session.scalars(select(Order.status)).one() == "expired"


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

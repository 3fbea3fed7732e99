"""Tier changes: the threshold edge, the recompute after settlement, the rolling window in the
nightly job (frozen time), and recomputes or settlements of one member at once."""

from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Member, Order, OutboxJob, TierChange
from app.services.members import tier_status, tiers
from app.services.payments import settlement
from app.services.platform.unit_of_work import unit_of_work
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, credit_wallet, run_jobs
from tests.money.tier_helpers import (
    DISPENSED_ML,
    SPENT_FEN,
    add_tier,
    changes,
    fueled_order,
    settled_order,
    tier_of,
)
from tests.threads import run_together, start_line


@pytest.fixture
def member(world):
    member = make_member(world.chain)
    credit_wallet(member, 100_000)
    return member


def recompute(member, reason="nightly"):
    with unit_of_work():
        return tier_status.recompute_tier(member.id, reason)


@pytest.mark.travel(hour=10)
def test_a_value_equal_to_the_threshold_qualifies_one_fen_below_does_not(world, member):
    settled_order(world, member)
    assert tier_status.metric_value(member.id) == SPENT_FEN
    silver = add_tier(world, "银卡", SPENT_FEN)  # reached exactly
    add_tier(world, "金卡", SPENT_FEN + 1)  # one fen short
    assert recompute(member) is not None
    assert tier_of(member) == silver.id
    assert changes(member) == [(None, silver.id, SPENT_FEN, "nightly")]
    assert recompute(member) is None  # nothing changed: nothing recorded
    assert len(changes(member)) == 1
    assert_ledger_ok()


@pytest.mark.travel(hour=10)
def test_litres_thresholds_count_dispensed_millilitres_at_the_edge(world, member):
    silver, gold = add_tier(world, "银卡", 1), add_tier(world, "金卡", 2)
    tiers.set_rules(
        world.admin, "litres", 365, {silver.id: DISPENSED_ML, gold.id: DISPENSED_ML + 1}
    )
    settled_order(world, member)
    assert tier_status.metric_value(member.id) == DISPENSED_ML
    assert tier_of(member) == silver.id
    assert changes(member) == [(None, silver.id, DISPENSED_ML, "settlement")]
    assert_ledger_ok()


@pytest.mark.travel(hour=10)
def test_settlement_recomputes_in_its_own_transaction(world, member):
    silver = add_tier(world, "银卡", 10_000)
    order = fueled_order(world, member)
    assert tier_of(member) is None  # fuelled is not settled: it does not count yet
    assert tier_status.metric_value(member.id) == 0
    assert run_jobs() >= 1  # the settle job
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "settled"
    assert tier_of(member) == silver.id
    assert changes(member) == [(None, silver.id, SPENT_FEN, "settlement")]
    assert (
        db.session.get(Member, member.id).tier_since == db.session.get(Order, order.id).settled_at
    )
    assert not settlement.settle_order(order.id)  # a second run changes nothing
    assert len(changes(member)) == 1
    assert_ledger_ok()


@pytest.mark.travel(hour=10)
def test_refunds_after_settlement_lower_the_spend(world, member):
    from app.services.payments import refunds

    add_tier(world, "银卡", SPENT_FEN)
    order = settled_order(world, member)
    with unit_of_work():
        refunds.create_refund(order, 1, "manual", "少找一分", actor=world.manager_a)
    assert tier_status.metric_value(member.id) == SPENT_FEN - 1
    assert recompute(member).to_tier_id is None
    assert_ledger_ok()


@pytest.mark.travel(hour=10)
def test_an_order_leaving_the_window_drops_the_tier_to_the_second(world, member, travel):
    tiers.set_rules(world.admin, "spend", 30)
    silver = add_tier(world, "银卡", 10_000)
    order = settled_order(world, member)
    assert tier_of(member) == silver.id
    leaves_at = order.settled_at + timedelta(days=30)
    travel.move_to(leaves_at - timedelta(seconds=1))
    assert tier_status.recompute_batch(world.chain.id, "nightly", 0) == (1, 0, None)
    assert tier_of(member) == silver.id
    travel.move_to(leaves_at)  # the window is (now - 30 days, now]: the order is out
    assert tier_status.metric_value(member.id) == 0
    assert tier_status.recompute_batch(world.chain.id, "nightly", 0) == (1, 1, None)
    assert tier_of(member) is None
    assert changes(member)[-1] == (silver.id, None, 0, "nightly")
    # Next night: no tier and no order in the window, so the member is not even looked at.
    travel.shift(timedelta(days=1))
    assert tier_status.recompute_batch(world.chain.id, "nightly", 0) == (0, 0, None)
    assert_ledger_ok()


@pytest.mark.travel(hour=10)
def test_the_nightly_job_runs_once_a_night_and_drops_expired_tiers(world, member, travel):
    tiers.set_rules(world.admin, "spend", 30)
    silver = add_tier(world, "银卡", 10_000)
    order = settled_order(world, member)
    travel.shift(timedelta(minutes=16))
    run_jobs()  # the settle job again, the expiry check, the setup recompute: no change
    assert changes(member) == [(None, silver.id, SPENT_FEN, "settlement")]
    travel.move_to(order.settled_at + timedelta(days=30))
    tier_status.schedule_nightly()
    tier_status.schedule_nightly()  # every process's housekeeping asks: one job a night
    nightly = db.session.scalars(select(OutboxJob).where(OutboxJob.kind == "tiers_nightly")).one()
    assert nightly.run_after == tier_status.next_nightly_run()
    assert run_jobs() == 0  # not due before 03:00
    assert tier_of(member) == silver.id
    travel.move_to(nightly.run_after)
    assert run_jobs() == 2  # the night's job, then the chain's batch
    assert tier_of(member) is None
    assert changes(member)[-1] == (silver.id, None, 0, "nightly")
    assert_ledger_ok()


def test_no_nightly_job_while_no_chain_has_tiers(world):
    tier_status.schedule_nightly()
    assert db.session.scalar(select(func.count(OutboxJob.id))) == 0


@pytest.mark.travel(hour=10)
def test_batches_follow_each_other_until_every_member_is_seen(world, monkeypatch):
    monkeypatch.setattr(tier_status, "BATCH", 2)
    silver = add_tier(world, "银卡", 10_000)
    people = [make_member(world.chain, openid=f"o-batch-{n}") for n in range(5)]
    for person in people:
        credit_wallet(person, 50_000)
        settled_order(world, person)
    db.session.execute(Member.__table__.update().values(tier_id=None))  # as if never computed
    db.session.commit()
    with unit_of_work():
        tier_status.enqueue_chain(world.chain.id, "nightly", "tiers:test")
    assert run_jobs() >= 3  # 2 + 2 + 1 members
    assert {tier_of(person) for person in people} == {silver.id}
    assert_ledger_ok()


@pytest.mark.travel(hour=10)
def test_concurrent_recomputes_record_one_change(app, world, member):
    settled_order(world, member)
    silver = add_tier(world, "银卡", 10_000)  # after the settlement: not applied yet
    member_id, barrier, results = member.id, start_line(4), []

    def recompute_now():
        with app.app_context():
            barrier.wait()
            with unit_of_work():
                results.append(tier_status.recompute_tier(member_id, "nightly") is not None)
            db.session.remove()

    run_together(*(recompute_now for _ in range(4)), barrier=barrier)
    assert sorted(results) == [False, False, False, True]
    assert tier_of(member) == silver.id
    assert changes(member) == [(None, silver.id, SPENT_FEN, "nightly")]
    assert_ledger_ok()


@pytest.mark.travel(hour=10)
def test_two_settlements_at_once_that_only_together_reach_a_threshold_promote(app, world, member):
    silver = add_tier(world, "银卡", SPENT_FEN + 1)  # one order is not enough, two are
    # Paid exactly what is dispensed: no refund to the wallet, whose row would make the two
    # settlements wait for each other anyway.
    order_ids = [fueled_order(world, member, paid=SPENT_FEN).id for _ in range(2)]
    barrier = start_line(2)

    def settle(order_id):
        with app.app_context():
            barrier.wait()
            assert settlement.settle_order(order_id)
            db.session.remove()

    run_together(*(partial(settle, i) for i in order_ids), barrier=barrier)
    assert tier_of(member) == silver.id
    assert changes(member) == [(None, silver.id, 2 * SPENT_FEN, "settlement")]
    assert db.session.scalar(select(func.count(TierChange.id))) == 1
    assert_ledger_ok()

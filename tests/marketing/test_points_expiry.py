"""Points expire by lot, across the year boundary with the clock stopped: the points of year N
expire at the end of year N+1 (the rule's months), spending takes the older lot first, the
hourly job expires what is left once, and reads leave a due lot out before the job comes."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxJob, PointsEntry
from app.models.base import utcnow
from app.services.marketing.points import expiry, mine, redeeming
from app.services.marketing.points.redeeming import InsufficientPoints
from app.services.platform.clock import from_local, to_local
from tests.factories import make_member
from tests.marketing.points_helpers import (
    assert_books_ok,
    balance,
    entries,
    lots,
    make_item,
    make_rule,
    stored_balance,
)
from tests.money.helpers import credit_wallet, run_jobs
from tests.money.tier_helpers import settled_order

pytestmark = pytest.mark.travel(hour=10)


def local(year: int, month: int = 1, day: int = 1, hour: int = 0, minute: int = 0):
    return from_local(datetime(year, month, day, hour, minute))


@pytest.fixture
def year(world) -> int:
    """This year (Shanghai): the tests move from its last evening on."""
    return to_local(utcnow()).year


@pytest.fixture
def member(world):
    member = make_member(world.chain)
    credit_wallet(member, 200_000)
    return member


def earn_either_side_of_new_year(world, member, travel, year):
    travel.move_to(local(year, 12, 31, 23, 30))
    settled_order(world, member)  # 149 in the lot of `year`
    travel.move_to(local(year + 1, 1, 1, 0, 30))
    settled_order(world, member)  # 149 in the lot of `year + 1`


def test_points_of_a_year_expire_at_the_end_of_the_next(world, member, travel, year):
    make_rule(world)
    earn_either_side_of_new_year(world, member, travel, year)
    assert lots(member) == {year: 149, year + 1: 149}
    travel.move_to(local(year + 2) - timedelta(seconds=1))  # 23:59:59 on the last day of year+1
    assert expiry.expire_batch() == 0 and balance(member) == 298
    travel.move_to(local(year + 2))
    assert balance(member) == 149  # the driver sees it gone at once
    assert stored_balance(member) == 298  # until the job comes
    assert expiry.expire_batch() == 1
    assert expiry.expire_batch() == 0  # run again: nothing more
    assert entries(member)[-1] == ("expire", -149, 149)
    note = db.session.scalar(select(PointsEntry.note).where(PointsEntry.kind == "expire"))
    assert note == f"{year} 年获得的积分到期"
    assert lots(member) == {year: 0, year + 1: 149}
    travel.move_to(local(year + 3))
    assert expiry.expire_batch() == 1 and balance(member) == 0
    assert_books_ok()


def test_spending_takes_the_older_lot_first(world, member, travel, year):
    make_rule(world)
    earn_either_side_of_new_year(world, member, travel, year)
    redeeming.redeem(member, make_item(world, points=200).id)
    assert lots(member) == {year: 0, year + 1: 98}
    travel.move_to(local(year + 2))
    assert expiry.expire_batch() == 0  # the old lot was spent: nothing to expire
    travel.move_to(local(year + 3))
    assert expiry.expire_batch() == 1
    assert [kind for kind, _, _ in entries(member)] == ["earn", "earn", "redeem", "expire"]
    assert balance(member) == 0
    assert_books_ok()


def test_a_due_lot_is_not_spent_before_the_job_has_run(world, member, travel, year):
    make_rule(world)
    earn_either_side_of_new_year(world, member, travel, year)
    item = make_item(world, points=200)
    travel.move_to(local(year + 2, 1, 1, 0, 5))
    with pytest.raises(InsufficientPoints) as refused:
        redeeming.redeem(member, item.id)
    assert "需要 200 积分，您现有 149 积分" in refused.value.message
    assert stored_balance(member) == 298  # refused: nothing changed, not even the expiry
    redeeming.redeem(member, make_item(world, name="洗车", points=100).id)
    assert entries(member)[-2:] == [("expire", -149, 149), ("redeem", -100, 49)]
    assert_books_ok()


def test_the_months_of_the_rule_set_when_a_lot_expires(world, member, travel, year):
    make_rule(world, expiry_months=6)
    travel.move_to(local(year, 12, 31, 23, 30))
    settled_order(world, member)
    travel.move_to(local(year + 1, 7, 1) - timedelta(seconds=1))
    assert mine.summary(member).lots[0].expires_at == local(year + 1, 7, 1)
    assert expiry.expire_batch() == 0
    travel.move_to(local(year + 1, 7, 1))
    assert expiry.expire_batch() == 1 and balance(member) == 0
    assert_books_ok()


def test_the_hourly_job_is_queued_once_an_hour_and_expires_due_lots(world, member, travel, year):
    expiry.schedule_hourly()
    assert db.session.scalar(select(OutboxJob.id).where(OutboxJob.kind == expiry.JOB)) is None
    make_rule(world)
    travel.move_to(local(year, 12, 31, 23, 30))
    settled_order(world, member)
    travel.move_to(local(year + 1, 12, 31, 23, 10))
    expiry.schedule_hourly()
    expiry.schedule_hourly()  # another process, the same hour: one job
    jobs = db.session.scalars(select(OutboxJob).where(OutboxJob.kind == expiry.JOB)).all()
    assert len(jobs) == 1 and jobs[0].run_after == local(year + 2)
    run_jobs()
    assert balance(member) == 149  # not due yet: the job waits for its hour
    travel.move_to(local(year + 2))
    run_jobs()
    assert entries(member)[-1] == ("expire", -149, 0)
    assert_books_ok()


def test_many_members_expire_in_batches(world, travel, year, monkeypatch):
    make_rule(world)
    members = [make_member(world.chain, f"o-expiring-{i}") for i in range(5)]
    for person in members:
        credit_wallet(person, 50_000)
    travel.move_to(local(year, 12, 31, 22, 0))
    for person in members:
        settled_order(world, person)
    monkeypatch.setattr(expiry, "BATCH", 2)
    travel.move_to(local(year + 2, 1, 1, 0, 30))
    expiry.run_job({"hour": "test", "part": 0})  # 2, and the next batch queued
    run_jobs()
    assert {balance(person) for person in members} == {0}
    assert_books_ok()

"""The push job on PostgreSQL: each member of the frozen segment gets one coupon whatever happens
(the job run again, two workers on one push at once, a worker killed mid-batch); the stock
running out mid-push; the per-member limit; a template stopped before or during the push; no one
to send to; and create_push's refusals, each naming the field in Chinese."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditLog,
    Coupon,
    CouponPush,
    CouponPushRecipient,
    Member,
    OutboxJob,
    Tier,
)
from app.services.marketing import issuing, push_list, pushes, templates
from app.services.platform.errors import Invalid, PermissionDenied
from app.services.platform.unit_of_work import unit_of_work
from tests.factories import make_member
from tests.marketing.helpers import active_template, fields, stock_left
from tests.marketing.push_helpers import (
    make_tier,
    push_to,
    pushed_coupons,
    recipients,
    reloaded,
    tier_members,
)
from tests.money.helpers import assert_ledger_ok, run_jobs
from tests.threads import run_together, start_line

MEMBERS = 250  # three batches of pushes.BATCH (100)


def counts(push) -> tuple:
    p = reloaded(push)
    return p.status, p.targeted, p.issued, p.skipped


@pytest.fixture
def golds(world) -> list[int]:
    tier_members(world, 3, make_tier(world, "银卡", 1), "o-silver")  # never pushed to
    return tier_members(world, MEMBERS, make_tier(world, "金卡", 2))


def gold_push(world, **template_changes):
    """A template (满100减10, one per member, 1,000 in stock unless told otherwise) pushed by
    head office to the 金卡 members."""
    template_changes = {"stock_total": 1_000} | template_changes
    template = active_template(world.admin, claimable=False, **template_changes)
    gold = db.session.scalar(select(Tier.id).where(Tier.name == "金卡"))
    return template, push_to(world.admin, template, "tier", tier_id=gold)


def test_a_push_gives_each_member_one_coupon_in_batches_through_the_outbox(world, golds):
    template, push = gold_push(world, stock_total=1_000)
    assert counts(push) == ("queued", 0, 0, 0)
    assert run_jobs() == 1
    assert counts(push) == ("done", MEMBERS, MEMBERS, 0)
    done = reloaded(push)
    assert done.started_at is not None and done.finished_at >= done.started_at
    assert pushed_coupons() == dict.fromkeys(golds, 1)
    coupons = db.session.scalars(select(Coupon)).all()
    assert {(c.source, c.issued_by_id, c.status) for c in coupons} == {
        ("push", world.admin.id, "available")
    }
    by_member = {c.member_id: c.id for c in coupons}
    assert recipients(push) == {m: ("issued", None, by_member[m]) for m in golds}
    assert stock_left(template.id) == 1_000 - MEMBERS
    (entry,) = db.session.scalars(select(AuditLog).where(AuditLog.action == "coupon_push.create"))
    assert entry.after == {
        "coupon": "满100减10",
        "segment": "会员等级「金卡」，全连锁",
        "expected": 250,
    }
    assert_ledger_ok()


def test_running_the_job_again_gives_nothing_more(world, golds):
    _, push = gold_push(world)
    run_jobs()
    pushes.run_push(push.id)
    pushes.run_push(push.id)
    assert counts(push) == ("done", MEMBERS, MEMBERS, 0)
    assert pushed_coupons() == dict.fromkeys(golds, 1)
    assert_ledger_ok()


@pytest.mark.parametrize("stock", [1_000, None], ids=["stock", "unlimited"])
def test_two_workers_on_one_push_at_once_give_each_member_one_coupon(app, world, golds, stock):
    _, push = gold_push(world, stock_total=stock)
    barrier = start_line(2)

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                pushes.run_push(push.id)
            finally:
                db.session.remove()

    run_together(worker, worker, barrier=barrier)
    assert counts(push) == ("done", MEMBERS, MEMBERS, 0)
    assert pushed_coupons() == dict.fromkeys(golds, 1)
    assert_ledger_ok()


def test_a_worker_killed_mid_batch_loses_nothing_and_the_rerun_carries_on(world, golds):
    _, push = gold_push(world)
    with unit_of_work():
        assert pushes.start(push.id)
    with unit_of_work():
        assert pushes.issue_batch(push.id)
    with pytest.raises(RuntimeError), unit_of_work():
        pushes.issue_batch(push.id)
        raise RuntimeError("the worker is killed before its batch commits")
    assert counts(push) == ("running", MEMBERS, 100, 0)
    assert len(pushed_coupons()) == 100
    run_jobs()  # the outbox's job, handed out again
    assert counts(push) == ("done", MEMBERS, MEMBERS, 0)
    assert pushed_coupons() == dict.fromkeys(golds, 1)
    assert_ledger_ok()


def test_the_stock_running_out_mid_push_skips_the_rest_and_the_push_is_done(world, golds):
    template, push = gold_push(world, stock_total=150)
    first = db.session.get(Member, golds[0])
    issuing.issue_coupon(first, template, "staff")  # has one already: at the limit of 1
    db.session.commit()
    run_jobs()
    assert counts(push) == ("done", MEMBERS, 149, 101)
    got = recipients(push)
    assert got[golds[0]][:2] == ("skipped", "limit_reached")
    assert {got[m][0] for m in golds[1:150]} == {"issued"}
    assert {got[m][:2] for m in golds[150:]} == {("skipped", "sold_out")}
    assert stock_left(template.id) == 0
    assert push_list.skipped_by_reason(push.id) == [("优惠券已发完", 100), ("已达每人限领张数", 1)]
    assert max(pushed_coupons().values()) == 1
    assert_ledger_ok()


def test_a_template_stopped_before_the_job_starts_fails_the_push_with_the_reason(world, golds):
    template, push = gold_push(world)
    templates.stop_template(world.admin, template.id)
    run_jobs()
    failed = reloaded(push)
    assert (failed.status, failed.error) == ("failed", "优惠券「满100减10」不在发放中，请先启用")
    assert recipients(push) == {} and pushed_coupons() == {}
    assert_ledger_ok()


@pytest.mark.parametrize("stock", [1_000, None], ids=["stock", "unlimited"])
def test_a_template_stopped_mid_push_skips_the_rest(world, golds, stock):
    template, push = gold_push(world, stock_total=stock)
    with unit_of_work():
        pushes.start(push.id)
    with unit_of_work():
        pushes.issue_batch(push.id)
    templates.stop_template(world.admin, template.id)
    pushes.run_push(push.id)
    assert counts(push) == ("done", MEMBERS, 100, 150)
    assert push_list.skipped_by_reason(push.id) == [("优惠券已停发或已过有效期", 150)]
    assert_ledger_ok()


def test_a_segment_with_no_one_is_done_at_once(world):
    template = active_template(world.admin, claimable=False)
    push = push_to(world.admin, template, "lapsed")
    run_jobs()
    assert counts(push) == ("done", 0, 0, 0)
    assert push_list.get_push(world.admin, push.id).percent == 100


def test_create_push_says_which_field_is_wrong_in_chinese(world):
    gold = make_tier(world)
    own = active_template(world.manager_a, world.station_a, name="本站券")
    draft = templates.create_template(world.manager_a, world.station_a.id, **fields(name="草稿"))
    chain = active_template(world.admin, name="总部券")
    sold = active_template(world.admin, name="抢光了", stock_total=1)
    issuing.issue_coupon(make_member(world.chain), sold, "staff")
    db.session.commit()
    a, b = str(world.station_a.id), str(world.station_b.id)
    manager, admin = world.manager_a, world.admin
    cases = [
        (manager, {}, {"template_id": "请选择优惠券"}),
        (manager, {"template_id": "x1"}, {"template_id": "请选择优惠券"}),
        (manager, {"template_id": draft.id}, {"template_id": "优惠券「草稿」不在发放中，请先启用"}),
        (
            manager,
            {"template_id": chain.id},
            {"template_id": "只能发放您管理的优惠券，全部油站通用的券由总部发放"},
        ),
        (admin, {"template_id": sold.id}, {"template_id": "优惠券「抢光了」已发完"}),
        (manager, {"template_id": own.id, "segment": "everyone"}, {"segment": "请选择发放人群"}),
        (manager, {"template_id": own.id, "segment": "tier"}, {"tier_id": "请选择会员等级"}),
        (manager, {"template_id": own.id, "segment": "lapsed"}, {"station_id": "请选择油站"}),
        (
            admin,
            {"template_id": chain.id, "segment": "station_recent"},
            {"station_id": "请选择油站"},
        ),
        (
            admin,
            {"template_id": own.id, "segment": "tier", "tier_id": gold.id, "station_id": b},
            {"station_id": "本站优惠券只能发给「昆明北京路加油站」的会员"},
        ),
    ]
    for actor, given, expected in cases:
        with pytest.raises(Invalid) as refused:
            pushes.create_push(actor, **given)
        assert refused.value.fields == expected, given
    with pytest.raises(PermissionDenied):
        pushes.create_push(manager, template_id=own.id, segment="lapsed", station_id=b)
    for staff in (world.cashier_a, world.attendant_a):
        with pytest.raises(PermissionDenied):
            pushes.create_push(staff, template_id=own.id, segment="lapsed", station_id=a)
    assert db.session.scalar(select(func.count(CouponPush.id))) == 0
    assert db.session.scalar(select(func.count(OutboxJob.id))) == 0
    assert db.session.scalar(select(func.count(CouponPushRecipient.push_id))) == 0
    ok = pushes.create_push(manager, template_id=own.id, segment="lapsed", station_id=a)
    assert (ok.station_id, ok.segment, ok.status) == (world.station_a.id, "lapsed", "queued")

"""A coupon's validity as it is issued, its expiry (at once for readers, by the hourly job for
the rows), and voiding by staff with a reason."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import jobs
from app.extensions import db
from app.models import AuditLog, OutboxJob
from app.models.base import utcnow
from app.services.marketing import expiry, issued, issuing, mine
from app.services.platform import outbox
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from tests.factories import make_member
from tests.marketing.helpers import active_template, coupons_of
from tests.money.helpers import run_jobs


def statuses(member) -> dict[str, list[str]]:
    return {
        which: [item.status for item in mine.my_coupons(member, which)[0]] for which in mine.FILTERS
    }


@pytest.mark.travel(hour=15, minute=30)
def test_a_relative_coupon_is_good_for_whole_days_counting_the_day_it_came(world, travel):
    template = active_template(world.admin, valid_days=7)
    member = make_member(world.chain)
    coupon = issuing.issue_coupon(member, template, "staff")
    db.session.commit()
    today = to_local(utcnow()).date()
    assert coupon.valid_from == utcnow()
    assert to_local(coupon.valid_until).date() == today + timedelta(days=7)
    assert to_local(coupon.valid_until).hour == 0
    assert mine.my_coupon(member, coupon.id).validity == f"{today} 至 {today + timedelta(days=6)}"


@pytest.mark.travel(hour=10)
def test_a_coupon_expires_for_readers_at_once_and_for_the_rows_with_the_job(world, travel):
    template = active_template(world.admin, valid_days=1)
    member = make_member(world.chain)
    issuing.issue_coupon(member, template, "claim")
    db.session.commit()
    assert statuses(member) == {"available": ["available"], "used": [], "expired": []}
    travel.shift(timedelta(hours=14))  # 00:00 the next day
    assert statuses(member) == {"available": [], "used": [], "expired": ["expired"]}
    assert coupons_of()[0].status == "available"  # the row waits for the job
    jobs._last_housekeeping = 0.0
    jobs.housekeeping()
    jobs.housekeeping()  # every process asks: one job an hour
    queued = db.session.scalars(select(OutboxJob).where(OutboxJob.kind == "coupons_expire")).all()
    assert len(queued) == 1
    assert run_jobs() == 0  # due at the next full hour
    travel.shift(timedelta(hours=1))
    assert run_jobs() == 1
    assert coupons_of()[0].status == "expired"
    assert statuses(member)["expired"] == ["expired"]


@pytest.mark.travel
def test_the_job_goes_on_in_batches(world, travel, monkeypatch):
    template = active_template(world.admin, valid_days=1)
    member = make_member(world.chain)
    for _ in range(5):
        issuing.issue_coupon(member, template, "staff")
    travel.shift(timedelta(days=2))
    outbox.enqueue(expiry.JOB, {"hour": "test", "part": 0}, dedupe_key="coupons_expire:test:0")
    db.session.commit()
    monkeypatch.setattr(expiry, "BATCH", 2)
    assert run_jobs() == 3  # 2, 2 and the last one
    assert {c.status for c in coupons_of()} == {"expired"}


def test_staff_void_an_available_coupon_with_a_reason(world):
    own = active_template(world.manager_a, world.station_a)
    chain = active_template(world.admin)
    theirs = active_template(world.manager_b, world.station_b)
    member = make_member(world.chain)
    mine_a, of_chain, of_b = (
        issuing.issue_coupon(member, t, "staff") for t in (own, chain, theirs)
    )
    db.session.commit()
    with pytest.raises(Invalid) as err:
        issued.void_coupon(world.manager_a, mine_a.id, "  ")
    assert err.value.fields == {"reason": "请填写作废原因"}
    with pytest.raises(PermissionDenied):
        issued.void_coupon(world.manager_a, of_chain.id, "误发")
    with pytest.raises(NotFound):
        issued.void_coupon(world.manager_a, of_b.id, "误发")
    with pytest.raises(PermissionDenied):
        issued.void_coupon(world.cashier_a, mine_a.id, "误发")
    voided = issued.void_coupon(world.manager_a, mine_a.id, "误发给了别的车主")
    assert (voided.status, voided.void_reason, voided.voided_by_id) == (
        "voided",
        "误发给了别的车主",
        world.manager_a.id,
    )
    with pytest.raises(Conflict, match="已作废"):
        issued.void_coupon(world.admin, mine_a.id, "再作废一次")
    issued.void_coupon(world.admin, of_chain.id, "活动取消")
    entry = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "coupon.void").order_by(AuditLog.id)
    ).first()  # the first void: rows come back in no order unless asked
    assert entry.after["reason"] == "误发给了别的车主" and entry.station_id == world.station_a.id
    assert statuses(member)["expired"] == ["voided", "voided"]


@pytest.mark.travel
def test_used_held_and_expired_coupons_cannot_be_voided(world, travel):
    template = active_template(world.admin, valid_days=1)
    member = make_member(world.chain)
    coupon = issuing.issue_coupon(member, template, "staff")
    db.session.commit()
    travel.shift(timedelta(days=2))
    with pytest.raises(Conflict, match="已过期"):
        issued.void_coupon(world.admin, coupon.id, "误发")
    assert coupons_of()[0].status == "available"


def test_staff_find_coupons_by_phone_template_and_status(world):
    first, second = active_template(world.admin), active_template(world.admin, name="第二张")
    zhang, li = make_member(world.chain, "o-zhang"), make_member(world.chain, "o-li")
    zhang.phone, li.phone = "13800001234", "13900005678"
    for member, template in ((zhang, first), (zhang, second), (li, first)):
        issuing.issue_coupon(member, template, "claim")
    db.session.commit()

    def found(actor=world.admin, **args):
        page = issued.search(actor, issued.read_filters(args))
        return [(r.member.id, r.template.id) for r in page.rows]

    assert found(phone="13800001234") == [(zhang.id, second.id), (zhang.id, first.id)]
    assert found(phone="5678") == [(li.id, first.id)]
    assert found(template_id=str(first.id)) == [(li.id, first.id), (zhang.id, first.id)]
    assert found(status="used") == []
    assert len(found(world.manager_a)) == 3  # the chain's templates
    with pytest.raises(Invalid) as err:
        issued.read_filters({"phone": "138", "status": "lost"})
    assert err.value.fields == {
        "phone": "手机号请输入完整的 11 位或后 4 位",
        "status": "请选择状态",
    }
    with pytest.raises(PermissionDenied):
        issued.search(world.cashier_a, issued.Filters())

"""Redemption codes verified once at the counter: by a cashier, manager or chain admin working
at the station; two cashiers with the same code at once, one verifies it; unknown codes count
towards a lock-out; nothing is verified twice."""

from functools import partial

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, PointsRedemption, Staff
from app.services.marketing.points import adjusting, codes, mine, redeeming
from app.services.marketing.points.codes import CodeLocked, CodeNotFound, CodeUsed
from app.services.platform.errors import Invalid, PermissionDenied
from tests.factories import make_member, make_staff
from tests.marketing.points_helpers import assert_books_ok, make_item
from tests.threads import run_together, start_line


@pytest.fixture
def code(world) -> str:
    member = make_member(world.chain)
    adjusting.adjust(world.admin, member.id, 100, "开业赠送")
    redemption = redeeming.redeem(member, make_item(world, points=100).id)
    return mine.redemption(member, redemption.id).code


def status() -> tuple:
    db.session.expire_all()
    r = db.session.scalars(select(PointsRedemption)).one()
    return r.status, r.used_by_id, r.used_station_id


def test_a_code_is_verified_once_where_the_cashier_works(world, code):
    spaced = codes.shown(code)
    assert spaced.count(" ") == 2
    redemption = codes.verify(world.cashier_a, world.station_a.id, spaced)
    assert redemption.item_name == "精致洗车一次"
    assert status() == ("used", world.cashier_a.id, world.station_a.id)
    with pytest.raises(CodeUsed, match=r"已于 .* 在昆明北京路加油站核销，不能重复使用"):
        codes.verify(world.manager_a, world.station_a.id, code)
    entry = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "points_redemption.verify")
    ).one()
    assert entry.after["item"] == "精致洗车一次" and entry.station_id == world.station_a.id
    assert_books_ok()


def test_who_may_verify_where(world, code):
    with pytest.raises(PermissionDenied, match="您不在该油站工作"):
        codes.verify(world.cashier_a, world.station_b.id, code)
    with pytest.raises(PermissionDenied, match="只有收银员、站长和总部管理员"):
        codes.verify(world.attendant_a, world.station_a.id, code)
    with pytest.raises(Invalid) as refused:
        codes.verify(world.cashier_a, world.station_a.id, "12345")
    assert refused.value.fields == {"code": "兑换码为 12 位数字，请核对"}
    assert status() == ("unused", None, None)
    codes.verify(world.admin, world.station_b.id, code)  # a chain admin, at any station
    assert status() == ("used", world.admin.id, world.station_b.id)


def test_two_cashiers_with_the_same_code_at_once_one_verifies_it(app, world, code):
    second = make_staff(world.chain, "cashier", [world.station_a], "cashier_a2")
    db.session.commit()
    outcomes, barrier = [], start_line(2)

    def attempt(staff_id):
        with app.app_context():
            staff = db.session.get(Staff, staff_id)
            barrier.wait()
            try:
                codes.verify(staff, world.station_a.id, code)
                outcomes.append("verified")
            except CodeUsed:
                outcomes.append("used")
            finally:
                db.session.remove()

    cashiers = (world.cashier_a.id, second.id)
    run_together(*(partial(attempt, i) for i in cashiers), barrier=barrier)
    assert sorted(outcomes) == ["used", "verified"]
    assert status()[0] == "used"


def test_unknown_codes_lock_the_cashier_out_after_five(world, code):
    for left in (4, 3, 2, 1):
        with pytest.raises(CodeNotFound, match=f"再错 {left} 次将暂停核销"):
            codes.verify(world.cashier_a, world.station_a.id, "000000000000")
    with pytest.raises(CodeLocked, match="已暂停核销"):
        codes.verify(world.cashier_a, world.station_a.id, "000000000001")
    with pytest.raises(CodeLocked):  # even the right code, until the lock ends
        codes.verify(world.cashier_a, world.station_a.id, code)
    assert status() == ("unused", None, None)
    codes.verify(world.manager_a, world.station_a.id, code)  # another person is not locked
    assert status()[0] == "used"

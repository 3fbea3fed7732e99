"""Redeeming points: a code or a fuel coupon, stock and per-member limits decided by the
database, refusals that change nothing, two redemptions of the last points at once (one wins),
and points that never go below zero, whatever writes to them."""

from functools import partial

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Member, PointsItem, PointsRedemption
from app.models.base import utcnow
from app.services.marketing import templates
from app.services.marketing.points import adjusting, catalogue, codes, mine, redeeming
from app.services.marketing.points.redeeming import (
    InsufficientPoints,
    ItemLimitReached,
    ItemSoldOut,
    ItemUnavailable,
)
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from tests.factories import make_member
from tests.marketing.helpers import active_template, coupons_of, stock_left
from tests.marketing.points_helpers import (
    assert_books_ok,
    balance,
    entries,
    make_item,
    stored_balance,
)
from tests.threads import run_together, start_line


def give(world, member, points: int) -> None:
    adjusting.adjust(world.admin, member.id, points, "开业赠送")


@pytest.fixture
def member(world):
    return make_member(world.chain)


def item_stock(item_id: int) -> int | None:
    db.session.expire_all()
    return db.session.get(PointsItem, item_id).stock_left


def test_a_car_wash_gives_a_code_to_show_and_takes_the_points_and_the_stock(world, member):
    give(world, member, 300)
    item = make_item(world, points=120, stock_total=5)
    redemption = redeeming.redeem(member, item.id)
    assert (redemption.status, redemption.points, redemption.item_name) == (
        "unused",
        120,
        "精致洗车一次",
    )
    shown = mine.redemption(member, redemption.id)
    assert len(shown.code) == 12 and shown.code.isdigit()
    assert redemption.code_hash == codes.hash_code(world.chain.id, shown.code)
    assert shown.code not in (redemption.code_hash, redemption.nonce)  # stored hashed
    assert item_stock(item.id) == 4
    assert entries(member)[-1] == ("redeem", -120, 180)
    assert_books_ok()


def test_a_fuel_coupon_is_issued_at_once(world, member):
    give(world, member, 500)
    template = active_template(world.admin, stock_total=10)
    item = make_item(world, "coupon", coupon_template_id=template.id, points=300)
    redemption = redeeming.redeem(member, item.id)
    (coupon,) = coupons_of(member.id)
    assert (redemption.status, redemption.coupon_id, coupon.source) == (
        "issued",
        coupon.id,
        "points",
    )
    assert stock_left(template.id) == 9
    assert mine.redemption(member, redemption.id).code is None
    assert balance(member) == 200
    assert_books_ok()


def test_refusals_change_nothing(world, member, travel):
    give(world, member, 150)
    limited = make_item(world, points=100, per_member_limit=1)
    redeeming.redeem(member, limited.id)
    before = (stored_balance(member), entries(member), item_stock(limited.id))
    with pytest.raises(ItemLimitReached, match="每人限兑 1 次"):
        redeeming.redeem(member, limited.id)
    dear = make_item(world, name="车载冰箱", kind="goods", points=51)
    with pytest.raises(InsufficientPoints, match="需要 51 积分，您现有 50 积分"):
        redeeming.redeem(member, dear.id)
    gone = make_item(world, points=10, stock_total=1)
    other = make_member(world.chain, "o-other")
    give(world, other, 10)
    redeeming.redeem(other, gone.id)
    with pytest.raises(ItemSoldOut, match="已兑完"):
        redeeming.redeem(member, gone.id)
    stopped = make_item(world, points=10)
    catalogue.set_status(world.admin, stopped.id, "stopped")
    with pytest.raises(ItemUnavailable, match="已下架"):
        redeeming.redeem(member, stopped.id)
    template = active_template(world.admin)
    coupon_item = make_item(world, "coupon", coupon_template_id=template.id, points=10)
    templates.stop_template(world.admin, template.id)
    with pytest.raises(ItemUnavailable, match="加油券已发完或已停发"):
        redeeming.redeem(member, coupon_item.id)
    with pytest.raises(NotFound):
        redeeming.redeem(member, 999_999)
    assert (stored_balance(member), entries(member), item_stock(limited.id)) == before
    assert (
        db.session.scalar(
            select(PointsRedemption.id).where(
                PointsRedemption.member_id == member.id, PointsRedemption.item_id != limited.id
            )
        )
        is None
    )
    assert_books_ok()


def race(app, calls) -> list[str]:
    """Each (member id, item id) redeems at once; what each got."""
    outcomes, barrier = [], start_line(len(calls))

    def attempt(member_id, item_id):
        with app.app_context():
            member = db.session.get(Member, member_id)
            db.session.expunge(member)
            db.session.close()
            barrier.wait()
            try:
                redeeming.redeem(member, item_id)
                outcomes.append("won")
            except InsufficientPoints:
                outcomes.append("insufficient")
            except ItemSoldOut:
                outcomes.append("sold out")
            finally:
                db.session.remove()

    run_together(*(partial(attempt, m, i) for m, i in calls), barrier=barrier)
    return sorted(outcomes)


def test_two_redemptions_of_the_last_points_at_once_one_wins(app, world, member):
    give(world, member, 150)
    wash, goods = make_item(world, points=100), make_item(world, "goods", points=150)
    assert race(app, [(member.id, wash.id), (member.id, goods.id)]) == ["insufficient", "won"]
    assert balance(member) in (50, 0)
    assert len(db.session.scalars(select(PointsRedemption)).all()) == 1
    assert_books_ok()


def test_many_redemptions_at_once_never_take_the_points_below_zero(app, world, member):
    give(world, member, 450)
    item = make_item(world, points=100)
    assert race(app, [(member.id, item.id)] * 8) == ["insufficient"] * 4 + ["won"] * 4
    assert balance(member) == 50
    assert_books_ok()


def test_the_last_item_in_stock_goes_to_one_of_two_members(app, world, member):
    other = make_member(world.chain, "o-other")
    for person in (member, other):
        give(world, person, 100)
    item = make_item(world, points=100, stock_total=1)
    assert race(app, [(member.id, item.id), (other.id, item.id)]) == ["sold out", "won"]
    assert item_stock(item.id) == 0 and sorted([balance(member), balance(other)]) == [0, 100]
    assert_books_ok()


def test_no_negative_points_ever_even_by_a_plain_update(world, member):
    give(world, member, 10)
    with pytest.raises(Conflict, match="积分不足：会员现有 10 积分，不能扣减 11 积分"):
        adjusting.adjust(world.admin, member.id, -11, "扣错了")
    for statement in (
        "UPDATE points_account SET balance = balance - 11",
        "UPDATE points_lot SET remaining = remaining - 11",
    ):
        with pytest.raises(IntegrityError, match="not_negative"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert stored_balance(member) == 10
    assert_books_ok()


def test_only_chain_admins_adjust_and_each_needs_a_reason(world, member):
    with pytest.raises(PermissionDenied):
        adjusting.adjust(world.manager_a, member.id, 10, "补偿")
    with pytest.raises(Invalid) as refused:
        adjusting.adjust(world.admin, member.id, 0, " ")
    assert set(refused.value.fields) == {"delta", "reason"}
    adjusting.adjust(world.admin, member.id, 30, "投诉补偿")
    adjusting.adjust(world.admin, member.id, -5, "多给了")
    assert entries(member) == [("adjust", 30, 30), ("adjust", -5, 25)]
    assert_books_ok()


def test_the_catalogue_as_a_driver_sees_it(world, member, travel):
    from datetime import timedelta

    give(world, member, 100)
    cheap = make_item(world, points=50, per_member_limit=1)
    dear = make_item(world, "goods", points=200)
    make_item(world, name="明天开始", points=10, starts_at=utcnow() + timedelta(days=1))
    redeeming.redeem(member, cheap.id)
    offers = mine.offers(member)
    assert [(o.item.id, o.redeemed, o.reason) for o in offers] == [
        (cheap.id, 1, "已达兑换上限"),
        (dear.id, 0, "积分不足"),
    ]

"""Earning points at settlement: per yuan kept or per litre, by fuel, with the tier multiplier of
the order and the daily cap (decided under the account's lock, also for settlements at the same
moment), from the rule version in force; walk-in sales with a member too; once per order."""

from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Member, PointsEntry
from app.models.base import utcnow
from app.services.marketing.points import rules
from app.services.payments import settlement
from app.services.platform.errors import Invalid, PermissionDenied
from tests.counter.helpers import code_for, member_with_wallet, sell
from tests.factories import make_member
from tests.marketing.points_helpers import assert_books_ok, balance, entries, make_rule
from tests.money.helpers import credit_wallet
from tests.money.tier_helpers import SPENT_FEN, add_tier, fueled_order, settled_order
from tests.threads import run_together, start_line

pytestmark = pytest.mark.travel(hour=10)  # 10:00 in Shanghai, the clock stopped


@pytest.fixture
def member(world):
    member = make_member(world.chain)
    credit_wallet(member, 200_000)
    return member


def test_one_point_per_yuan_of_gasoline_and_per_two_yuan_of_diesel(world, member):
    make_rule(world)
    # 200 元 paid, 20.00 L of 92# at 7.48 (member price): 149.60 元 kept, 50.40 back.
    order = settled_order(world, member)
    assert entries(member) == [("earn", 149, 149)]
    # 20.00 L of 0# at 7.25: 145.00 元, 1 point per 2 yuan: 72.5 -> 72 (floor).
    settled_order(world, member, fuel="0")
    assert entries(member)[-1] == ("earn", 72, 221)
    earn = db.session.scalar(select(PointsEntry).where(PointsEntry.order_id == order.id))
    assert (earn.base_fen, earn.lot_id is not None) == (14_960, True)
    assert earn.note == "昆明北京路加油站 92#汽油 20.00 升 149.60 元"
    assert balance(member) == 221
    assert_books_ok()


def test_per_litre_and_a_fuel_without_a_rate_earns_nothing(world, member):
    make_rule(world, basis="litre", rates={"92": (3, 2)})  # 3 points per 2 litres
    settled_order(world, member, dispensed_ml=20_010)  # 20.01 L: 30.015 -> 30
    settled_order(world, member, fuel="95")
    assert entries(member) == [("earn", 30, 30)]
    assert_books_ok()


def test_the_tier_the_order_was_priced_at_multiplies(world, member):
    gold = add_tier(world, "金卡", 1)
    silver = add_tier(world, "银卡", 2)
    make_rule(world, tiers={gold: 150, silver: 100})
    db.session.execute(Member.__table__.update().values(tier_id=gold.id))
    db.session.commit()
    settled_order(world, member)  # 149.60 x 1.5 = 224.4 -> 224
    assert entries(member) == [("earn", 224, 224)]
    view = rules.view_at(world.chain.id)
    assert [(t.name, t.percent) for t in view.tiers] == [("金卡", 150)]  # 100 % is not stored
    assert_books_ok()


def test_no_rule_or_one_not_in_force_yet_earns_nothing(world, member, travel):
    settled_order(world, member)
    later = make_rule(world, effective_from=utcnow() + timedelta(hours=2))
    settled_order(world, member)
    assert entries(member) == []
    travel.shift(timedelta(hours=2))
    settled_order(world, member)
    earned = db.session.scalars(select(PointsEntry.rule_id)).all()
    assert earned == [later.id]
    assert_books_ok()


def test_a_new_version_replaces_the_old_from_its_start_and_ends_when_it_says(world, member, travel):
    first = make_rule(world)
    second = make_rule(world, rates={"92": (2, 1)}, effective_until=utcnow() + timedelta(days=1))
    assert (first.version, second.version) == (1, 2)
    settled_order(world, member)  # 149.60 x 2
    travel.shift(timedelta(days=1))
    settled_order(world, member)  # the latest version has ended: nothing, not version 1
    assert entries(member) == [("earn", 299, 299)]
    states = [v.state for v in rules.history(world.admin)]
    assert states == ["已结束", "已结束"]
    assert_books_ok()


def test_a_version_cannot_start_in_the_past_or_before_the_latest(world):
    make_rule(world, effective_from=utcnow() + timedelta(days=3))
    with pytest.raises(Invalid) as refused:
        make_rule(world, effective_from=utcnow() + timedelta(days=1))
    assert "不能早于第 1 版" in refused.value.fields["effective_from"]
    with pytest.raises(Invalid) as refused:
        make_rule(world, effective_from=utcnow() - timedelta(days=1), rates={}, daily_cap=0)
    assert set(refused.value.fields) == {"effective_from", "fuel_rates", "daily_cap"}
    with pytest.raises(PermissionDenied):
        rules.create_version(
            world.manager_a,
            basis="yuan",
            daily_cap=None,
            expiry_months=12,
            effective_from=None,
            effective_until=None,
            fuel_rates={world.fuels["92"].id: (1, 1)},
            tier_percents={},
        )
    assert len(rules.history(world.admin)) == 1


def test_the_daily_cap_stops_at_the_cap_and_starts_again_the_next_day(world, member, travel):
    make_rule(world, daily_cap=200)
    for _ in range(3):
        settled_order(world, member)
    assert entries(member) == [("earn", 149, 149), ("earn", 51, 200)]
    capped = db.session.scalars(select(PointsEntry.note).order_by(PointsEntry.id)).all()[1]
    assert capped.endswith("（已达每日上限）")
    travel.shift(timedelta(days=1))  # 10:00 the next day
    settled_order(world, member)
    assert entries(member)[-1] == ("earn", 149, 349)
    assert_books_ok()


def test_settlements_at_the_same_moment_never_pass_the_daily_cap(app, world, member):
    make_rule(world, daily_cap=300)
    # Paid exactly what is dispensed: no change back to the wallet, whose lock would queue the
    # settlements anyway; the points account's lock alone decides the cap.
    order_ids = [fueled_order(world, member, paid=SPENT_FEN).id for _ in range(4)]
    barrier = start_line(len(order_ids))

    def settle(order_id):
        with app.app_context():
            barrier.wait()
            assert settlement.settle_order(order_id)
            db.session.remove()

    run_together(*(partial(settle, i) for i in order_ids), barrier=barrier)
    deltas = sorted(delta for _, delta, _ in entries(member))
    assert sum(deltas) == 300 and deltas == [2, 149, 149]
    assert balance(member) == 300
    assert_books_ok()


def test_an_order_earns_once(world, member):
    make_rule(world)
    order = settled_order(world, member)
    assert not settlement.settle_order(order.id)
    from app.services.marketing.points import earning

    assert earning.earn_for_order(order) == 0
    assert entries(member) == [("earn", 149, 149)]
    assert_books_ok()


def test_a_walk_in_sale_with_the_member_code_earns_and_one_without_does_not(world):
    make_rule(world)
    member = member_with_wallet(world)
    from app.services.counter.walkin_sale import Payment

    # 92# member price 7.48, 30.00 L -> 224.40 元 cash.
    sell(world, Payment("cash", received_fen=30_000, code=code_for(member)), litres=30_000)
    sell(world, Payment("cash", received_fen=30_000), litres=30_000)
    assert entries(member) == [("earn", 224, 224)]
    assert db.session.scalar(select(PointsEntry.id).where(PointsEntry.member_id.is_(None))) is None
    assert_books_ok()

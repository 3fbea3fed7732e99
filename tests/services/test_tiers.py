"""Managing tiers: chain admins only, every field checked, ranks following thresholds, the
metric and window, audited, and the chain's members recomputed a minute later."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, Chain, OutboxJob, Tier, TierFuelCut
from app.services.members import tiers
from app.services.platform.errors import Invalid, PermissionDenied
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, credit_wallet, run_jobs
from tests.money.tier_helpers import SPENT_FEN, add_tier, changes, settled_order, tier_of


def ranks(world) -> list[tuple[str, int, int]]:
    db.session.expire_all()
    query = select(Tier.name, Tier.rank, Tier.threshold).where(Tier.chain_id == world.chain.id)
    return [tuple(row) for row in db.session.execute(query.order_by(Tier.rank))]


def test_only_chain_admins_change_tiers_managers_read(world):
    silver = add_tier(world, "银卡", 100_000)
    fuel = world.fuels["92"].id
    for who in (world.manager_a, world.cashier_a):
        with pytest.raises(PermissionDenied):
            tiers.create_tier(who, "金卡", 500_000, {fuel: 10})
        with pytest.raises(PermissionDenied):
            tiers.update_tier(who, silver.id, "银卡", 1, {})
        with pytest.raises(PermissionDenied):
            tiers.delete_tier(who, silver.id)
        with pytest.raises(PermissionDenied):
            tiers.set_rules(who, "litres", 90, {silver.id: 1000})
        db.session.rollback()
    assert ranks(world) == [("银卡", 1, 100_000)]
    assert db.session.get(Chain, world.chain.id).tier_metric == "spend"
    overview = tiers.overview(world.manager_a)
    assert [row.tier.name for row in overview.rows] == ["银卡"] and not overview.may_edit
    assert tiers.overview(world.admin).may_edit
    with pytest.raises(PermissionDenied):
        tiers.overview(world.cashier_a)


@pytest.mark.parametrize(
    ("name", "threshold", "cuts", "field"),
    [
        ("", 100, {}, "name"),
        ("超" * 21, 100, {}, "name"),
        ("银卡", 200, {}, "name"),  # taken
        ("金卡", 100_000, {}, "threshold"),  # the same threshold as 银卡
        ("金卡", 0, {}, "threshold"),
        ("金卡", -5, {}, "threshold"),
        ("金卡", 2_000_000_000, {}, "threshold"),
        ("金卡", 500_000, {"92": 501}, "cut_92"),
        ("金卡", 500_000, {"92": -1}, "cut_92"),
    ],
)
def test_wrong_fields_are_named_and_nothing_is_stored(world, name, threshold, cuts, field):
    add_tier(world, "银卡", 100_000)
    by_id = {world.fuels[code].id: cut for code, cut in cuts.items()}
    with pytest.raises(Invalid) as err:
        tiers.create_tier(world.admin, name, threshold, by_id)
    field = field.replace("92", str(world.fuels["92"].id))
    assert field in err.value.fields
    assert ranks(world) == [("银卡", 1, 100_000)]
    assert db.session.scalar(select(func.count(TierFuelCut.id))) == 0


def test_another_chains_fuel_is_refused(world):
    with pytest.raises(Invalid) as err:
        tiers.create_tier(world.admin, "金卡", 500_000, {999_999: 10})
    assert err.value.fields == {"cut_999999": "油品不存在"}


def test_at_most_ten_tiers(world):
    for n in range(tiers.MAX_TIERS):
        add_tier(world, f"等级{n}", 1000 * (n + 1))
    with pytest.raises(Invalid, match="最多设置 10 个等级"):
        add_tier(world, "等级十一", 99_000)


def test_ranks_follow_thresholds_after_every_change(world):
    add_tier(world, "钻石卡", 2_000_000)
    gold = add_tier(world, "金卡", 800_000, {"92": 10, "95": 0})
    add_tier(world, "银卡", 200_000)
    assert ranks(world) == [("银卡", 1, 200_000), ("金卡", 2, 800_000), ("钻石卡", 3, 2_000_000)]
    assert tiers.tier_cuts(gold.id) == {world.fuels["92"].id: 10}  # no row for "no cut"
    tiers.update_tier(world.admin, gold.id, "金卡", 3_000_000, {world.fuels["95"].id: 20})
    assert ranks(world) == [("银卡", 1, 200_000), ("钻石卡", 2, 2_000_000), ("金卡", 3, 3_000_000)]
    assert tiers.tier_cuts(gold.id) == {world.fuels["95"].id: 20}
    tiers.delete_tier(world.admin, gold.id)
    assert ranks(world) == [("银卡", 1, 200_000), ("钻石卡", 2, 2_000_000)]


def test_changes_are_audited_in_words(world):
    gold = add_tier(world, "金卡", 800_000, {"92": 10})
    tiers.update_tier(world.admin, gold.id, "黄金卡", 800_000, {world.fuels["92"].id: 10})
    tiers.update_tier(world.admin, gold.id, "黄金卡", 800_000, {world.fuels["92"].id: 10})
    entries = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [e.action for e in entries] == ["tier.create", "tier.update"]  # no change: no entry
    assert entries[0].after == {
        "name": "金卡",
        "threshold": "8000.00 元",
        "cuts": ["92#汽油 0.10 元/升"],
    }
    assert entries[1].before == {"name": "金卡", "tier": "金卡"}
    assert entries[1].after == {"name": "黄金卡"}
    assert entries[1].actor_staff_id == world.admin.id


def test_a_new_metric_needs_every_threshold_in_its_unit(world):
    silver, gold = add_tier(world, "银卡", 200_000), add_tier(world, "金卡", 800_000)
    with pytest.raises(Invalid) as err:
        tiers.set_rules(world.admin, "litres", 365, {silver.id: 500_000})
    assert set(err.value.fields) == {f"threshold_{gold.id}"}
    with pytest.raises(Invalid) as err:
        tiers.set_rules(world.admin, "litres", 365, {silver.id: 500_000, gold.id: 500_000})
    assert set(err.value.fields) == {"thresholds"}
    for window in (29, 731):
        with pytest.raises(Invalid) as err:
            tiers.set_rules(world.admin, "spend", window)
        assert set(err.value.fields) == {"window_days"}
    with pytest.raises(Invalid):
        tiers.set_rules(world.admin, "weight", 365)
    tiers.set_rules(world.admin, "litres", 90, {silver.id: 2_000_000, gold.id: 500_000})
    chain = db.session.get(Chain, world.chain.id)
    assert (chain.tier_metric, chain.tier_window_days) == ("litres", 90)
    assert ranks(world) == [("金卡", 1, 500_000), ("银卡", 2, 2_000_000)]
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "tier.rules")).one()
    assert entry.after["tier_metric"] == "加油升数" and entry.after["金卡"] == "500 升"


@pytest.mark.travel(hour=10)
def test_a_change_recomputes_the_chain_a_minute_later_once(world, travel):
    member = make_member(world.chain)
    credit_wallet(member, 50_000)
    gold = add_tier(world, "金卡", SPENT_FEN + 1)
    settled_order(world, member)
    assert tier_of(member) is None  # one fen short
    tiers.update_tier(world.admin, gold.id, "金卡", SPENT_FEN, {})  # lowered: now reached
    tiers.update_tier(world.admin, gold.id, "金卡", SPENT_FEN - 1, {})  # the same minute
    setup = select(OutboxJob).where(OutboxJob.kind == "tiers_recompute")
    assert len(db.session.scalars(setup).all()) == 1
    assert tier_of(member) is None
    travel.shift(timedelta(minutes=1))
    run_jobs()
    assert tier_of(member) == gold.id
    assert changes(member) == [(None, gold.id, SPENT_FEN, "setup")]
    assert_ledger_ok()


def test_thresholds_typed_in_yuan_or_litres(world):
    assert tiers.parse_threshold("spend", " 5,000.5 元") == 500_050
    assert tiers.parse_threshold("litres", "1200.125") == 1_200_125
    for metric, text in (("spend", "0"), ("spend", "1.234"), ("litres", "abc"), ("spend", "1e12")):
        with pytest.raises(ValueError):
            tiers.parse_threshold(metric, text)
    assert tiers.threshold_text("litres", 1_200_000) == "1200 升"
    assert tiers.threshold_text("litres", 1_200_500) == "1200.5 升"
    assert tiers.threshold_text("spend", 500_050) == "5000.50 元"

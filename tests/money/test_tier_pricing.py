"""The tier cut in an order's price: the snapshot, the 1-fen floor, what settlement books, the
saving the driver is shown, and a tier deleted under its members."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, FuelPrice, LedgerEntry, Member, Order
from app.models.base import utcnow
from app.services import orders
from app.services.members import tier_view, tiers
from app.services.platform.money import amount_for_volume
from tests.api.conftest import bump_catalogue
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, credit_wallet
from tests.money.tier_helpers import SPENT_FEN, add_tier, changes, settled_order, tier_of


@pytest.fixture
def member(world):
    member = make_member(world.chain)
    credit_wallet(member, 200_000)
    return member


@pytest.fixture
def gold(world, member):
    """The member holds 金卡: 0.10 元/L off 92#, nothing off 95#."""
    tier = add_tier(world, "金卡", 10_000, {"92": 10})
    settled_order(world, member)
    assert tier_of(member) == tier.id
    return tier


def place(world, member, **how):
    how = {"fuel_code": "92", "nozzle_number": None, "mode": "amount", "amount_fen": 20_000} | how
    fresh = db.session.get(Member, member.id, populate_existing=True)  # as a request loads it
    return orders.place_order(fresh, world.station_a.id, **how)


@pytest.mark.travel(hour=10)
def test_a_tier_cut_is_priced_in_and_recorded_in_the_snapshot(world, member, gold):
    order = place(world, member, mode="volume", amount_fen=None, volume_ml=30_010)
    assert (order.list_price_fen, order.unit_price_fen) == (768, 738)  # 7.48 - 0.10
    assert (order.tier_id, order.tier_cut_fen) == (gold.id, 10)
    assert order.pricing_note == "金卡会员价再降0.10元/升"
    assert order.member_price_applied
    assert order.amount_fen == amount_for_volume(738, 30_010) == 22147
    # The snapshot stays what it was when the tier changes later.
    tiers.update_tier(world.admin, gold.id, "金卡", 10_000, {world.fuels["92"].id: 30})
    db.session.refresh(order)
    assert (order.unit_price_fen, order.tier_cut_fen) == (738, 10)
    assert_ledger_ok()


@pytest.mark.travel(hour=10)
def test_a_fuel_without_a_cut_says_so(world, member, gold):
    order = place(world, member, fuel_code="95")
    assert (order.unit_price_fen, order.tier_id, order.tier_cut_fen) == (801, gold.id, 0)
    assert order.pricing_note == "金卡：该油品暂无等级优惠"


def test_no_tier_no_cut_and_no_note(world, member):
    add_tier(world, "金卡", 10_000, {"92": 10})
    order = place(world, member)
    assert (order.unit_price_fen, order.tier_id, order.tier_cut_fen, order.pricing_note) == (
        748,
        None,
        0,
        "",
    )


@pytest.mark.travel(hour=10)
def test_the_cut_never_takes_the_price_below_one_fen(world, member):
    tier = add_tier(world, "钻石卡", 10_000, {"98": 500})
    settled_order(world, member)
    db.session.add(
        FuelPrice(
            chain_id=world.chain.id,
            station_id=world.station_a.id,
            fuel_id=world.fuels["98"].id,
            list_price_fen=400,
            member_price_fen=300,
            effective_at=utcnow() - timedelta(minutes=1),
        )
    )
    bump_catalogue(world.chain)
    db.session.commit()
    order = place(world, member, fuel_code="98", amount_fen=100)
    assert (order.unit_price_fen, order.tier_id, order.tier_cut_fen) == (1, tier.id, 299)
    assert order.pricing_note == "钻石卡会员价再降2.99元/升（已到最低单价）"
    assert order.unit_price_fen <= order.list_price_fen


@pytest.mark.travel(hour=10)
def test_settlement_books_the_tier_cut_as_promotion_and_the_driver_sees_the_saving(
    world, member, gold
):
    first_saving = amount_for_volume(768, 20_000) - SPENT_FEN  # member price only: 4.00 元
    order = settled_order(world, member)  # now at the gold price, 20.00 L
    assert (order.unit_price_fen, order.dispensed_fen) == (738, 14_760)
    promotion = db.session.scalar(
        select(func.sum(LedgerEntry.amount_fen)).where(
            LedgerEntry.order_id == order.id, LedgerEntry.account == "promotion_expense"
        )
    )
    assert promotion == amount_for_volume(768, 20_000) - 14_760 == 600
    view = tier_view.member_tier(db.session.get(Member, member.id))
    assert view.saving_fen == first_saving + 600
    assert view.tier_saving_fen == amount_for_volume(748, 20_000) - 14_760 == 200
    assert view.current.level.id == gold.id and view.next is None and view.missing == 0
    assert view.value == SPENT_FEN + 14_760
    assert [c.cut_fen for c in view.current.cuts] == [10]
    assert_ledger_ok()


@pytest.mark.travel(hour=10)
def test_deleting_a_tier_moves_its_members_at_once(world, member):
    silver = add_tier(world, "银卡", 5_000, {"92": 5})
    gold = add_tier(world, "金卡", 10_000, {"92": 10})
    settled_order(world, member)
    assert tier_of(member) == gold.id
    order = place(world, member)
    assert tiers.delete_tier(world.admin, gold.id) == 1
    assert tier_of(member) == silver.id
    # The history keeps the move (the deleted tier's side is null), the order its price.
    assert changes(member)[-1] == (None, silver.id, SPENT_FEN, "setup")
    db.session.refresh(order)
    assert (order.tier_id, order.unit_price_fen, order.pricing_note) == (
        None,
        738,
        "金卡会员价再降0.10元/升",
    )
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "tier.delete")).one()
    assert entry.before["members"] == 1 and entry.before["name"] == "金卡"
    assert db.session.get(Order, order.id) is not None
    assert_ledger_ok()

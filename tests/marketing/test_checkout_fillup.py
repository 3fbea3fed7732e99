"""Fill-up and preset orders with a coupon: the driver pays the preset less the saving estimated
on it; the attendant's reading prices the coupon on what was dispensed, and the refund of the
difference accounts for it. The first test is docs/coupons.md's worked example, figure by
figure."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import LedgerEntry, LedgerTransaction, Refund
from app.services.members import tier_view
from app.services.orders import fueling
from tests.marketing.checkout_helpers import (
    coupon_now,
    fuel,
    give,
    paid,
    reload,
    settle,
    wallet,
    wallet_member,
)
from tests.money.helpers import assert_ledger_ok
from tests.money.tier_helpers import add_tier, settled_order, tier_of

PERCENT_COUPON = {  # 9.5折，最高减20元，满100元可用
    "kind": "percent_off",
    "off_fen": None,
    "pay_percent": 95,
    "max_off_fen": 2_000,
    "min_spend_fen": 10_000,
}


def ledger_of(order_id: int) -> dict[tuple[str, str], int]:
    """The order's postings: (transaction kind, account) -> amount."""
    rows = db.session.execute(
        select(LedgerTransaction.kind, LedgerEntry.account, LedgerEntry.amount_fen)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.order_id == order_id)
    )
    found: dict[tuple[str, str], int] = {}
    for kind, account, amount in rows:
        found[(kind, account)] = found.get((kind, account), 0) + amount
    return found


def test_the_worked_example_of_the_docs(world):
    member = wallet_member(world, fen=300_000)
    gold = add_tier(world, "金卡", 10_000, {"92": 8})
    settled_order(world, member)  # 149.60 元 spent: the member holds 金卡 (0.08 元/L off 92#)
    assert tier_of(member) == gold.id
    before = wallet(member)
    coupon = give(world, member, name="加满9.5折", **PERCENT_COUPON)

    # Placed: 7.48 - 0.08 = 7.40 元/L; the fill-up cap 500.00 元; 5 % of it is 25.00 元,
    # capped at 20.00 元: the driver pays 480.00 元.
    order = paid(world, member, coupon, mode="fill_up", amount_fen=None)
    assert (order.list_price_fen, order.unit_price_fen, order.tier_cut_fen) == (768, 740, 8)
    assert (order.amount_fen, order.coupon_fen, order.paid_fen) == (48_000, 2_000, 48_000)
    assert wallet(member) == before - 48_000

    # Dispensed 41.37 L: 7.40 x 41.37 = 306.138 -> 306.14 元; 5 % is 15.307 -> 15.31 元 (under
    # the cap); to pay 306.14 - 15.31 = 290.83 元; back to the wallet 480.00 - 290.83 = 189.17.
    fueled = fuel(world, order, 41_370)
    assert (fueled.dispensed_fen, fueled.dispensed_coupon_fen) == (29_083, 1_531)
    order = settle(fueled)
    assert order.refunded_fen == 18_917
    assert wallet(member) == before - 29_083
    refund = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).one()
    assert (refund.kind, refund.amount_fen) == ("settlement", 18_917)
    used = coupon_now(coupon)
    assert (used.status, used.discount_fen) == ("used", 1_531)

    # At list price 7.68 x 41.37 = 317.7216 -> 317.72 元: member price and tier 11.58 元, the
    # coupon 15.31 元, both promotion expense; revenue 317.72 元.
    books = ledger_of(order.id)
    assert books[("order.settle", "prepaid_orders")] == 29_083
    assert books[("order.settle", "promotion_expense")] == 1_158
    assert books[("order.settle", "fuel_revenue")] == -30_241
    assert books[("coupon.discount", "promotion_expense")] == 1_531
    assert books[("coupon.discount", "fuel_revenue")] == -1_531
    # What the driver is told they saved: 4.00 元 on the first order (no tier yet), 11.58 and
    # 15.31 on this one; of it the tier's 0.08 x 41.37 L: 309.45 - 306.14 = 3.31 元.
    assert tier_view.saving_fen(member.id) == 400 + 1_158 + 1_531
    assert tier_view.tier_saving_fen(member.id) == 331
    assert_ledger_ok()


def test_a_fill_up_short_of_the_minimum_spend_gets_no_saving_and_the_coupon_back(world):
    member = wallet_member(world)
    coupon = give(world, member)  # 满100减10: 490.00 元 paid on the 500.00 元 cap
    order = paid(world, member, coupon, mode="fill_up", amount_fen=None)
    assert order.paid_fen == 49_000
    fueled = fuel(world, order, 12_000)  # 12.00 L x 7.48 = 89.76 元: under 100 元
    assert (fueled.dispensed_fen, fueled.dispensed_coupon_fen) == (8_976, 0)
    order = settle(fueled)
    assert order.refunded_fen == 49_000 - 8_976
    back = coupon_now(coupon)
    assert (back.status, back.order_id, back.returned_at is not None) == ("available", None, True)
    assert wallet(member) == 200_000 - 8_976
    assert ("coupon.discount", "promotion_expense") not in ledger_of(order.id)
    assert_ledger_ok()


def test_a_per_litre_coupon_takes_its_cut_off_each_litre_dispensed(world):
    member = wallet_member(world)
    coupon = give(world, member, kind="per_litre", off_fen=None, per_litre_fen=30, min_spend_fen=0)
    order = paid(world, member, coupon, mode="volume", amount_fen=None, volume_ml=30_000)
    # 30.00 L x 7.48 = 224.40 元, less 0.30 x 30 = 9.00 元: 215.40 元 paid.
    assert (order.paid_fen, order.coupon_fen) == (21_540, 900)
    fueled = fuel(world, order, 25_550)  # the tank took 25.55 L: 191.114 -> 191.11 元
    assert fueled.dispensed_coupon_fen == 767  # 0.30 x 25.55 = 7.665 -> 7.67 元
    assert fueled.dispensed_fen == 19_111 - 767
    assert settle(fueled).refunded_fen == 21_540 - 18_344
    assert_ledger_ok()


@pytest.mark.parametrize(
    "coupon, paid_fen",
    [
        ({}, 19_000),  # 满100减10 on 200.00 元
        (PERCENT_COUPON, 19_000),  # 5 % of 200 = 10.00 元
        ({"kind": "per_litre", "off_fen": None, "per_litre_fen": 30}, 19_198),  # 26.74 L
    ],
    ids=["amount_off", "percent_off", "per_litre"],
)
def test_the_pump_may_dispense_what_the_payment_and_the_coupon_cover(world, coupon, paid_fen):
    member = wallet_member(world)
    order = paid(world, member, give(world, member, **coupon))
    assert order.paid_fen == paid_fen
    most = fueling.max_volume_ml(order)
    assert fueling.price_fueling(order, most).dispensed_fen <= paid_fen
    with pytest.raises(fueling.Invalid):
        fueling.price_fueling(order, most + 10)
    order = settle(fuel(world, order, most))
    assert order.refunded_fen == paid_fen - order.dispensed_fen
    assert reload(order).dispensed_fen + order.refunded_fen == paid_fen
    assert_ledger_ok()


def test_a_pump_stopping_short_of_the_minimum_never_asks_for_more_than_was_paid(world):
    member = wallet_member(world)
    first = give(world, member)  # 满100减10 on exactly 100 元: 90.00 元 paid
    order = paid(world, member, first, amount_fen=10_000)
    assert order.paid_fen == 9_000
    # 13.37 L would be 100.01 元 (90.01 to pay); at 13.36 L the fuel is worth 99.93 元, under
    # 100: no 满减, but the driver pays no more than the 90 元 paid, the coupon making up 9.93.
    assert fueling.max_volume_ml(order) == 13_360
    fueled = fuel(world, order, 13_360)
    assert (fueled.dispensed_fen, fueled.dispensed_coupon_fen) == (9_000, 993)
    assert settle(fueled).refunded_fen == 0
    assert (coupon_now(first).status, coupon_now(first).discount_fen) == ("used", 993)
    second = give(world, member)
    order = paid(world, member, second, amount_fen=10_000)
    fueled = fuel(world, order, 11_000)  # the tank was full at 11.00 L: 82.28 元, under 90
    assert (fueled.dispensed_fen, fueled.dispensed_coupon_fen) == (8_228, 0)
    assert settle(fueled).refunded_fen == 772
    assert coupon_now(second).status == "available"  # it took nothing off: back to the driver
    assert_ledger_ok()

"""Fill-up and preset orders with campaigns: the driver pays the preset less the savings worked
out on it; the attendant's reading works the campaigns out again on what was dispensed, the
pump limit counts them, and settlement refunds the difference and books each saving. The first
test is docs/campaigns.md's worked example, figure by figure."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Refund
from app.services.orders import fueling
from tests.marketing.campaign_helpers import active_campaign
from tests.marketing.checkout_helpers import fuel, give, paid, settle, wallet, wallet_member
from tests.marketing.test_checkout_fillup import ledger_of
from tests.money.helpers import assert_ledger_ok


def test_the_worked_example_of_the_docs(world):
    member = wallet_member(world, fen=300_000)
    day = active_campaign(world.admin, "members_day", name="会员日")  # 0.30 元/L, every day
    steps = active_campaign(
        world.admin, "spend_off", name="每满200减10", repeating=True, max_off_fen=3_000
    )
    before = wallet(member)
    # Placed: 7.48 - 0.30 = 7.18 元/L; the fill-up cap 500.00 元 holds two steps of 200: 20.00
    # 元 off; the driver pays 480.00 元.
    order = paid(world, member, mode="fill_up", amount_fen=None)
    assert (order.unit_price_fen, order.day_cut_fen, order.day_campaign_id) == (718, 30, day.id)
    assert (order.campaign_id, order.campaign_fen, order.paid_fen) == (steps.id, 2_000, 48_000)
    # Dispensed 41.37 L: 7.18 x 41.37 = 297.0366 -> 297.04 元, one step of 200: 10.00 元 off;
    # to pay 287.04 元; back to the wallet 480.00 - 287.04 = 192.96 元.
    fueled = fuel(world, order, 41_370)
    assert (fueled.dispensed_fen, fueled.dispensed_campaign_fen) == (28_704, 1_000)
    # The members' day saved 7.48 x 41.37 = 309.4476 -> 309.45, less 297.04: 12.41 元.
    assert fueled.dispensed_day_fen == 1_241
    order = settle(fueled)
    assert order.refunded_fen == 19_296
    refund = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).one()
    assert (refund.kind, refund.amount_fen) == ("settlement", 19_296)
    assert wallet(member) == before - 28_704
    # At list 7.68 x 41.37 = 317.7216 -> 317.72 元: the member price 317.72 - 309.45 = 8.27,
    # the campaigns 12.41 + 10.00 = 22.41, all promotion expense; revenue 317.72 元.
    books = ledger_of(order.id)
    assert books[("order.settle", "prepaid_orders")] == 28_704
    assert books[("order.settle", "promotion_expense")] == 827
    assert books[("order.settle", "fuel_revenue")] == -29_531
    assert books[("campaign.discount", "promotion_expense")] == 2_241
    assert books[("campaign.discount", "fuel_revenue")] == -2_241
    assert_ledger_ok()


def test_a_preset_at_the_threshold_that_the_pump_misses_costs_what_was_paid(world):
    member = wallet_member(world)
    active_campaign(world.admin, "spend_off")  # 满200减10
    order = paid(world, member)  # 200.00 元 of 92#: 190.00 元 paid
    assert (order.paid_fen, order.campaign_fen) == (19_000, 1_000)
    # 26.74 L would be 200.02 元 (190.02 to pay): over; 26.73 L is 199.94 元, under 200, so no
    # 满减 by the rule, but fuel worth less than placed never costs more than was paid.
    assert fueling.max_volume_ml(order) == 26_730
    with pytest.raises(fueling.Invalid):
        fueling.price_fueling(order, 26_740)
    order = settle(fuel(world, order, 26_730))
    assert (order.dispensed_fen, order.dispensed_campaign_fen, order.refunded_fen) == (
        19_000,
        994,
        0,
    )
    assert wallet(member) == 200_000 - 19_000
    assert ledger_of(order.id)[("campaign.discount", "promotion_expense")] == 994
    assert_ledger_ok()


def test_a_fill_up_short_of_the_threshold_gets_no_campaign(world):
    member = wallet_member(world)
    active_campaign(world.admin, "spend_off")
    order = paid(world, member, mode="fill_up", amount_fen=None)  # 500 元 cap, 490 paid
    order = settle(fuel(world, order, 20_000))  # 20.00 L: 149.60 元
    assert (order.dispensed_fen, order.dispensed_campaign_fen) == (14_960, 0)
    assert order.refunded_fen == 49_000 - 14_960
    assert ("campaign.discount", "promotion_expense") not in ledger_of(order.id)
    assert_ledger_ok()


def test_a_campaign_and_a_coupon_on_the_fuel_dispensed(world):
    member = wallet_member(world)
    active_campaign(world.admin, "spend_off")  # 满200减10
    coupon = give(world, member, kind="percent_off", off_fen=None, pay_percent=95, max_off_fen=2000)
    # Fill-up: 500.00 元; 满200减10: 490.00; 9.5折 of 490.00 = 24.50, capped at 20: 470.00.
    order = paid(world, member, coupon, mode="fill_up", amount_fen=None)
    assert (order.campaign_fen, order.coupon_fen, order.paid_fen) == (1_000, 2_000, 47_000)
    # 30.00 L: 224.40 元; 10.00 off: 214.40; 5 % of it 10.72: 203.68 元 to pay.
    assert fueling.price_fueling(order, 30_000).dispensed_fen == 20_368
    order = settle(fuel(world, order, 30_000))
    assert (order.dispensed_campaign_fen, order.dispensed_coupon_fen) == (1_000, 1_072)
    assert order.refunded_fen == 47_000 - 20_368
    assert wallet(member) == 200_000 - 20_368
    assert_ledger_ok()

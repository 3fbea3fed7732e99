"""Campaigns on a walk-in sale at the counter: 满额立减 for anyone, a members' day and a first
order for a member who shows the member code; the page shows each campaign and its saving, the
sale books it as settlement does, the receipt and the order page show it."""

import pytest

from tests.console.conftest import page
from tests.console.member_helpers import driver
from tests.counter.helpers import code_for, legs, member_with_wallet, order_of
from tests.counter.test_counter_pages import QUOTE, SALE, sale_form, the_order
from tests.marketing.campaign_helpers import active_campaign, claims
from tests.marketing.checkout_helpers import give
from tests.marketing.test_checkout_counter import sell
from tests.money.helpers import assert_ledger_ok

pytestmark = pytest.mark.travel(hour=10)


def test_a_walk_in_without_the_member_code_gets_the_spend_off(world):
    active_campaign(world.admin, "spend_off", name="92#满200减10")
    active_campaign(world.admin, "members_day")  # members only: not this driver
    # 30.00 L at the list price 7.68: 230.40 元, 10 元 off: 220.40 元 in cash.
    order = order_of(sell(world, "", None, received=25_000))
    assert (order.amount_fen, order.campaign_fen, order.dispensed_campaign_fen) == (
        22_040,
        1_000,
        1_000,
    )
    assert (order.day_campaign_id, order.member_id) == (None, None)
    assert legs(order) == {
        "cash_drawer": 22_040,
        "promotion_expense": 1_000,
        "fuel_revenue": -23_040,
    }
    assert_ledger_ok()


def test_a_member_gets_the_members_day_first_order_and_coupon(world):
    member = member_with_wallet(world)
    day = active_campaign(world.admin, "members_day")  # 0.30 元/L
    first = active_campaign(world.admin, "first_order", off_fen=1_500)  # 首单立减15元
    coupon = give(world, member)  # 满100减10
    # 30.00 L at 7.48 - 0.30 = 7.18: 215.40 元; 首单 15.00: 200.40; the coupon 10.00: 190.40.
    order = order_of(sell(world, code_for(member), coupon.id, method="wallet"))
    assert (order.unit_price_fen, order.day_campaign_id, order.campaign_id) == (
        718,
        day.id,
        first.id,
    )
    assert (order.amount_fen, order.paid_fen, order.dispensed_fen) == (19_040, 19_040, 19_040)
    assert (order.dispensed_day_fen, order.dispensed_campaign_fen) == (900, 1_500)
    assert [(c.order_id, c.status) for c in claims()] == [(order.id, "used")]
    # 230.40 at list: member price 6.00, campaigns 9.00 + 15.00, coupon 10.00.
    assert legs(order)["promotion_expense"] == 600 + 900 + 1_500 + 1_000
    assert legs(order)["fuel_revenue"] == -23_040
    second = order_of(sell(world, code_for(member), None))
    assert (second.campaign_id, second.amount_fen) == (None, 21_540)  # no second 首单
    assert_ledger_ok()


def test_the_page_the_receipt_and_the_order_show_the_campaigns(as_staff, world):
    active_campaign(world.admin, "spend_off", name="92#满200减10")
    member = driver(world, "王师傅", "13900002222")
    active_campaign(world.admin, "members_day", name="周三会员日")
    console = as_staff("cashier_a")
    form = sale_form(world, page(console.get(SALE)), code=code_for(member))
    html = page(console.post(QUOTE, form, htmx=True))
    # 30.00 L at 7.18: 215.40 元; the members' day saved 9.00, 满200减10 takes 10: 205.40.
    assert "周三会员日 省 ¥9.00" in html and "92#满200减10 省 ¥10.00" in html
    assert "¥205.40" in html
    assert console.post(SALE, form).status_code == 303
    order = the_order()
    assert order.amount_fen == 20_540
    detail = page(as_staff("manager_a").get(f"/console/orders/{order.id}"))
    assert "周三会员日，省 9.00 元" in detail and "92#满200减10，省 10.00 元" in detail
    assert "活动优惠" in detail  # the campaign.discount ledger transaction, named
    receipt = page(as_staff("manager_a").get(f"/console/orders/{order.id}/receipt"))
    assert "活动 周三会员日" in receipt and "已省 ¥9.00" in receipt and "已省 ¥10.00" in receipt
    assert "已省 ¥6.00" in receipt  # the member price: 230.40 - 224.40
    assert_ledger_ok()

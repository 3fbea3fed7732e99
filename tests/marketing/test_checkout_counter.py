"""A member's coupon on a walk-in sale at the counter: the cashier sees the member's coupons
for the sale with what each saves, the best chosen, and may choose another or none; the sale
uses it in its own transaction and books it as settlement does."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, Coupon
from app.services.counter import walkin_sale
from app.services.counter.walkin_sale import Payment
from app.services.platform.errors import Invalid
from tests.console.conftest import page
from tests.console.member_helpers import driver
from tests.counter.helpers import code_for, legs, member_with_wallet, order_of, saved
from tests.counter.test_counter_pages import QUOTE, SALE, sale_form, the_order
from tests.marketing.checkout_helpers import coupon_now, give
from tests.money.helpers import assert_ledger_ok

pytestmark = pytest.mark.travel(hour=10)


def sell(world, code: str, coupon, litres=30_000, method="cash", received=30_000):
    payment = Payment(method, received if method == "cash" else None, code=code)
    return walkin_sale.record_sale(
        world.cashier_a,
        world.station_a.id,
        walkin_sale.new_sale_key(),
        1,
        payment,
        volume_ml=litres,
        coupon=coupon,
    )


def test_a_cash_sale_with_the_members_best_coupon(world):
    member = member_with_wallet(world)
    give(world, member)  # 满100减10
    best = give(world, member, name="满200减25", off_fen=2_500, min_spend_fen=20_000)
    # 30.00 L x 7.48 = 224.40 元 (member price), less 25 元: 199.40 元.
    order = order_of(sell(world, code_for(member), "best"))
    assert (order.amount_fen, order.paid_fen, order.dispensed_fen) == (19_940, 19_940, 19_940)
    assert (order.coupon_id, order.coupon_fen, order.dispensed_coupon_fen) == (
        best.id,
        2_500,
        2_500,
    )
    used = coupon_now(best)
    assert (used.status, used.order_id, used.discount_fen) == ("used", order.id, 2_500)
    # 230.40 at list: member price 6.00 and coupon 25.00 are promotion expense.
    assert legs(order) == {
        "cash_drawer": 19_940,
        "promotion_expense": 600 + 2_500,
        "fuel_revenue": -23_040,
    }
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "order.counter_sale"))
    assert entry.one().after["coupon_fen"] == 2_500
    assert_ledger_ok()


def test_the_cashier_may_choose_another_coupon_or_none(world):
    member = member_with_wallet(world)
    small = give(world, member)
    order = order_of(sell(world, code_for(member), small.id))
    assert (order.amount_fen, order.coupon_id) == (22_440 - 1_000, small.id)
    other = give(world, member)
    plain = order_of(sell(world, code_for(member), None))
    assert (plain.amount_fen, plain.coupon_id) == (22_440, None)
    assert coupon_now(other).status == "available"
    assert_ledger_ok()


def test_a_coupon_that_cannot_be_used_refuses_the_sale_naming_the_field(world):
    member = member_with_wallet(world)
    big = give(world, member, off_fen=3_000, min_spend_fen=30_000)
    stranger = give(world, driver(world, "王师傅", "13900002222"))
    before = saved()
    with pytest.raises(Invalid) as refused:
        sell(world, code_for(member), big.id)
    assert refused.value.fields == {"coupon": "该优惠券不能用于本单：满300元可用，本单还差75.6元"}
    with pytest.raises(Invalid) as refused:
        sell(world, code_for(member), stranger.id)
    assert "coupon" in refused.value.fields
    assert saved() == before
    assert coupon_now(big).status == coupon_now(stranger).status == "available"
    assert_ledger_ok()


def test_the_page_shows_the_coupons_with_their_savings_the_best_chosen(as_staff, world):
    member = member_with_wallet(world)
    small = give(world, member)
    best = give(world, member, name="满200减25", off_fen=2_500, min_spend_fen=20_000)
    give(world, member, name="柴油专享", fuel_ids=[world.fuels["0"].id])
    code = code_for(member)
    console = as_staff("cashier_a")
    form = sale_form(world, page(console.get(SALE)), code=code, received="200")
    html = page(console.post(QUOTE, form, htmx=True))
    assert "满200减25 · 满200减25" in html and "减 ¥25.00" in html and "应收 ¥199.40" in html
    assert f'value="{best.id}" checked' in html and "不用优惠券" in html
    assert "减 ¥10.00" in html and "柴油专享 · 满100减10：限0#柴油使用" in html
    assert "−¥25.00" in html and "找零" in html and "¥0.60" in html
    plain = page(console.post(QUOTE, form | {"coupon": "none"}, htmx=True))
    assert 'value="none" checked' in plain and "¥224.40" in plain
    chosen = page(console.post(QUOTE, form | {"coupon": str(small.id)}, htmx=True))
    assert f'value="{small.id}" checked' in chosen and "¥214.40" in chosen
    response = console.post(SALE, form | {"coupon": str(best.id)})
    assert response.status_code == 303
    order = the_order()
    assert (order.amount_fen, order.coupon_id) == (19_940, best.id)
    assert coupon_now(best).status == "used" and coupon_now(small).status == "available"
    assert_ledger_ok()


def test_a_sale_posted_without_a_chosen_coupon_uses_none(as_staff, world):
    member = member_with_wallet(world)
    give(world, member)
    console = as_staff("cashier_a")
    form = sale_form(world, page(console.get(SALE)), code=code_for(member))
    assert console.post(SALE, form).status_code == 303  # the live figures never loaded
    assert (the_order().amount_fen, the_order().coupon_id) == (22_440, None)
    assert db.session.scalars(select(Coupon)).one().status == "available"
    assert_ledger_ok()


def test_the_order_page_shows_the_coupon_and_its_saving(as_staff, world):
    member = member_with_wallet(world)
    coupon = give(world, member, name="周末满减")
    order = order_of(sell(world, code_for(member), coupon.id))
    html = page(as_staff("manager_a").get(f"/console/orders/{order.id}"))
    assert "周末满减 · 满100减10（已使用），减免 10.00 元" in html
    assert "优惠券抵扣" in html  # its ledger transaction, named
    assert "应付 214.40 元（优惠券减 10.00 元）" in html
    receipt = page(as_staff("manager_a").get(f"/console/orders/{order.id}/receipt"))
    assert "已省 ¥6.00" in receipt and "已减 ¥10.00" in receipt  # 230.40 at list, 214.40 paid
    assert_ledger_ok()

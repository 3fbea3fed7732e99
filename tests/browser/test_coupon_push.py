"""定向发放 in a real browser, the whole story: a station manager creates a 满200减10 coupon on 92#,
activates it, pushes it to the station's customers of the last 90 days (the count shown before
confirming), and watches the push's page go from 排队中 to 已完成 by itself; the driver then
sees the pushed coupon suggested for a 200 元 order through the driver API, places the order
with it and pays from the wallet; the console's issued coupons show it used on that order. Every
new screen passes axe at 1280 and 390 px; the books balance at the end."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Coupon, CouponTemplate, Member, Order
from app.services import ledger
from tests.api.conftest import api, driver, order_body  # noqa: F401
from tests.browser import axe
from tests.browser.conftest import login
from tests.browser.screens import check
from tests.marketing.push_helpers import driver as wallet_driver
from tests.marketing.push_helpers import visit
from tests.money.helpers import run_jobs


@pytest.fixture
def tab(page):
    axe.enable(page)
    return page


def test_a_pushed_coupon_reaches_the_driver_and_pays_for_part_of_an_order(tab, world, api):  # noqa: F811
    me = db.session.scalar(select(Member).where(Member.openid == "o-order-driver"))
    visit(world, me, world.station_a)  # fuelled at station A today: one of its customers
    visit(world, wallet_driver(world, "o-dali"), world.station_b)  # station B's only

    login(tab, "manager_a")
    tab.get_by_role("navigation", name="主导航").get_by_role("link", name="优惠券").click()
    tab.get_by_role("link", name="新建优惠券").click()
    form = tab.locator("#template-form")
    form.get_by_label("优惠券名称").fill("92#满200减10")
    form.get_by_label("满减券").check()
    form.get_by_label("减免金额（元）").fill("10")
    form.get_by_label("使用门槛：订单满（元）").fill("200")
    form.get_by_label("92#汽油").check()
    form.get_by_label("领取后有效天数（含领取当天）").fill("7")
    form.get_by_label("发放总量（张，不填为不限量）").fill("100")
    form.get_by_label("车主可在领券中心领取（不勾选则只由油站发放）").uncheck()
    expect(tab.locator("#coupon-preview")).to_contain_text("满200减10")
    form.get_by_role("button", name="保存为草稿").click()
    expect(tab.locator(".flash-success")).to_contain_text("已保存优惠券「92#满200减10」（草稿）")
    tab.get_by_role("button", name="启用，开始发放").click()
    expect(tab.locator(".flash-success")).to_contain_text("已启用优惠券「92#满200减10」")

    tab.get_by_role("link", name="定向发放给会员").click()
    push_form = tab.locator("#push-form")
    made = db.session.scalar(select(CouponTemplate.id).where(CouponTemplate.name == "92#满200减10"))
    expect(push_form.locator("#template_id")).to_have_value(str(made))
    push_form.get_by_label("近 90 天到过本站的会员").check()
    expect(push_form).to_contain_text("油站：昆明北京路加油站")
    push_form.get_by_role("button", name="预览人数").click()
    expect(tab.locator("#push-preview")).to_contain_text("将发给 1 位会员")
    check(tab, "coupon-push-new")
    tab.locator("#push-preview").get_by_role("button", name="确认发放").click()
    progress = tab.locator("#push-progress")
    expect(progress).to_contain_text("排队中")
    expect(tab.locator(".flash-success")).to_contain_text("已开始定向发放")
    check(tab, "coupon-push-queued")

    run_jobs()  # the worker runs the push; the page finds out by itself
    expect(progress).to_contain_text("已完成")
    expect(progress.locator('[data-count="targeted"]')).to_have_text("1")
    expect(progress.locator('[data-count="issued"]')).to_have_text("1")
    expect(progress.locator("progress")).to_have_attribute("value", "100")
    expect(progress).not_to_have_attribute("hx-trigger", "every 2s")
    check(tab, "coupon-push-done")
    tabs = tab.get_by_role("navigation", name="优惠券")
    tabs.get_by_role("link", name="定向发放").click()
    listed = tab.locator("#coupon-pushes tbody")
    expect(listed).to_contain_text("近 90 天到过昆明北京路加油站的会员")
    check(tab, "coupon-pushes")

    offer = api.get(
        "/orders/coupons", station_id=world.station_a.id, fuel="92", mode="amount", amount_fen=20000
    )
    assert offer.status_code == 200, offer.get_json()
    (coupon,) = offer.get_json()["coupons"]
    assert (coupon["name"], coupon["saving_fen"], coupon["pay_fen"]) == (
        "92#满200减10",
        1000,
        19000,
    )
    assert coupon["suggested"]
    body = order_body(world, pay_with="wallet", coupon_id=coupon["id"], expected_amount_fen=19000)
    placed = api.post("/orders", body)
    assert placed.status_code == 201, placed.get_json()
    order = db.session.get(Order, placed.get_json()["order"]["id"])
    assert (order.status, order.paid_fen, order.coupon_id) == ("paid", 19000, coupon["id"])

    tabs.get_by_role("link", name="已发放的券").click()
    row = tab.locator(f"#issued-{coupon['id']}")
    expect(row).to_contain_text("定向发放")
    expect(row).to_contain_text("已使用")
    expect(row).to_contain_text(order.order_no)
    check(tab, "coupons-issued-used")
    db.session.expire_all()
    assert db.session.get(Coupon, coupon["id"]).order_id == order.id
    assert ledger.check() == []

"""优惠券 in a real browser: a manager makes a coupon for the station, watches the preview follow
the form, activates it, and voids a driver's coupon with a reason. Every screen passes axe at 1280
and 390 px (tests/browser/screens)."""

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.services.marketing import issuing
from tests.browser import axe
from tests.browser.conftest import login
from tests.browser.screens import check
from tests.factories import make_member
from tests.marketing.helpers import active_template


@pytest.fixture
def tab(page):
    axe.enable(page)
    return page


def test_a_manager_makes_a_coupon_and_voids_one(tab, world):
    active_template(world.admin, name="总部周末券")
    login(tab, "manager_a")
    tab.get_by_role("link", name="优惠券", exact=True).click()
    expect(tab.get_by_role("heading", name="优惠券", exact=True)).to_be_visible()
    expect(tab.locator("#coupon-templates")).to_contain_text("仅总部可改")
    check(tab, "coupons")

    tab.get_by_role("link", name="新建优惠券").click()
    form = tab.locator("#template-form")
    form.get_by_label("优惠券名称").fill("加油直降")
    form.get_by_label("每升直降券").check()
    form.get_by_label("每升直降（元/升）").fill("0.30")
    form.get_by_label("最高优惠（元）").fill("20")
    form.get_by_label("使用门槛：订单满（元）").fill("0")
    form.get_by_label("92#汽油").check()
    expect(tab.locator("#coupon-preview")).to_contain_text("每升直降0.30元 最高减20元")
    form.get_by_label("领取后有效天数（含领取当天）").fill("7")
    expect(tab.locator("#coupon-preview")).to_contain_text("领取后7天内有效")
    check(tab, "coupon-new")
    form.get_by_role("button", name="保存为草稿").click()
    expect(tab.locator(".flash-success")).to_contain_text("已保存优惠券「加油直降」（草稿）")
    check(tab, "coupon-edit")
    tab.get_by_role("button", name="启用，开始发放").click()
    expect(tab.locator(".flash-success")).to_contain_text("已启用优惠券「加油直降」")

    template = active_template(world.manager_a, world.station_a, name="本站满减")
    driver = make_member(world.chain, "o-browser")
    driver.nickname, driver.phone = "王师傅", "13700001111"
    issuing.issue_coupon(driver, template, "claim")
    db.session.commit()
    tab.get_by_role("navigation", name="主导航").get_by_role("link", name="优惠券").click()
    tab.get_by_role("link", name="已发放的券", exact=True).click()
    tab.get_by_label("手机号").fill("1111")
    tab.get_by_role("button", name="查找").click()
    row = tab.locator("#coupons-issued tbody tr", has_text="王师傅")
    expect(row).to_contain_text("137****1111")
    check(tab, "coupons-issued")
    row.get_by_label("作废原因").fill("车主要求作废")
    tab.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="作废").click()
    expect(tab.locator(".flash-success")).to_contain_text("已作废这张券")
    expect(tab.locator("#coupons-issued tbody tr", has_text="王师傅")).to_contain_text("已作废")

"""积分 in a real browser: the chain admin writes the first rules and puts a car wash in the
catalogue; a driver redeems it; the cashier verifies the code at the counter. Every screen
passes axe at 1280 and 390 px (tests/browser/screens)."""

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.services.marketing.points import adjusting, mine, redeeming
from tests.browser import axe
from tests.browser.conftest import login
from tests.browser.screens import check
from tests.factories import make_member
from tests.marketing.points_helpers import make_item


@pytest.fixture
def tab(page):
    axe.enable(page)
    return page


def test_rules_catalogue_and_a_code_verified_at_the_counter(tab, world, browser, live_server):
    login(tab, "admin")
    tab.get_by_role("navigation", name="主导航").get_by_role("link", name="积分").click()
    expect(tab.get_by_role("heading", name="积分", exact=True)).to_be_visible()
    form = tab.locator("#rule-form")
    form.get_by_label("92#汽油 积分").fill("1")
    form.get_by_label("0#柴油 积分").fill("1")
    form.get_by_label("0#柴油 每多少元或升").fill("2")
    form.get_by_label("每人每日上限（分，不填为不限）").fill("500")
    tab.evaluate("window.scrollTo(0, 0)")  # the sticky top bar would cover the first links
    check(tab, "points-rules-form")
    form.get_by_role("button", name="保存新版本").click()
    expect(tab.locator(".flash-success")).to_contain_text("已保存第 1 版积分规则")
    expect(tab.locator("body")).to_contain_text("0#柴油：每 2 元积 1 分")
    check(tab, "points-rules")

    tab.get_by_role("navigation", name="积分").get_by_role("link", name="积分商城").click()
    tab.get_by_role("link", name="上架新商品").click()
    tab.get_by_label("名称").fill("精致洗车一次")
    tab.get_by_label("所需积分").fill("300")
    tab.get_by_label("库存（件，不填为不限量）").fill("20")
    tab.evaluate("window.scrollTo(0, 0)")
    check(tab, "points-item-new")
    tab.get_by_role("button", name="上架").click()
    expect(tab.locator(".flash-success")).to_contain_text("已上架「精致洗车一次」")
    expect(tab.locator("#points-items")).to_contain_text("剩 20 / 20")
    check(tab, "points-items")

    driver = make_member(world.chain, "o-browser")
    driver.nickname, driver.phone = "王师傅", "13700001111"
    db.session.commit()
    adjusting.adjust(world.admin, driver.id, 500, "开业赠送")
    wash = make_item(world, name="洗车券", points=200)
    code = mine.redemption(driver, redeeming.redeem(driver, wash.id).id).code
    tab.get_by_role("navigation", name="积分").get_by_role("link", name="兑换记录").click()
    expect(tab.locator("#points-redemptions")).to_contain_text("137****1111")
    check(tab, "points-redemptions")
    tab.get_by_role("link", name="王师傅").click()
    expect(tab.locator("body")).to_contain_text("可用积分 300")
    check(tab, "points-member")

    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    cashier = context.new_page()
    axe.enable(cashier)
    login(cashier, "cashier_a")
    cashier.get_by_role("link", name="积分核销").click()
    cashier.get_by_label("兑换码").fill(code)
    cashier.get_by_role("button", name="核销").click()
    expect(cashier.locator(".flash-success")).to_contain_text("已核销：洗车券（200 积分）")
    check(cashier, "points-verify")
    cashier.get_by_label("兑换码").fill(code)
    cashier.get_by_role("button", name="核销").click()
    expect(cashier.locator(".field-error")).to_contain_text("不能重复使用")
    context.close()

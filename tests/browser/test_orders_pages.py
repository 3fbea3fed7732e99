"""订单 in a real browser: a filter's change refreshes the table in place (HTMX) and the address
keeps the filters; a bad value is said next to its field; the list and an order's page pass
axe at desktop and phone width. Screenshots go to test-artifacts/a11y-orders-*.png."""

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Order
from app.services.orders import pickup
from app.services.payments import refunds
from tests.browser import axe
from tests.browser.conftest import login
from tests.browser.screens import check
from tests.console.test_orders_console import _place
from tests.factories import make_member
from tests.money.helpers import credit_wallet, run_jobs


@pytest.fixture
def tab(page):
    axe.enable(page)
    return page


@pytest.fixture
def placed(world):
    """A settled order at A (fuelled by attendant_a), a paid one at B, a counter one at A
    partly refunded."""
    driver = make_member(world.chain)
    driver.nickname, driver.phone = "张师傅", "13800005678"
    db.session.commit()
    credit_wallet(driver, 100_000)
    settled = _place(driver, world.station_a, "92", 1, 10_000, plate="云A12345")
    token = pickup.token_for(db.session.get(Order, settled.id))
    pickup.confirm_fueling(world.attendant_a, token, 10_000)
    run_jobs()
    paid = _place(driver, world.station_b, "95", 2, 5_000)
    counter = _place(driver, world.station_a, "98", 3, 20_000, channel="counter")
    refunds.refund_order(world.manager_a, counter.id, 5_000, "油品投诉")
    return settled, paid, counter


def test_filters_refresh_the_table_in_place(tab, world, placed):
    settled, _, counter = placed
    login(tab, "admin")
    tab.get_by_role("link", name="订单", exact=True).click()
    rows = tab.locator("#order-rows tbody tr")
    expect(rows).to_have_count(3)
    check(tab, "orders-admin")
    tab.evaluate("document.body.dataset.kept = 'yes'")  # gone if the whole page reloads
    tab.get_by_label("状态").select_option("settled")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(settled.order_no)
    expect(tab).to_have_url(re.compile(r"status=settled"))
    assert tab.evaluate("document.body.dataset.kept") == "yes"
    tab.get_by_role("link", name="导出 Excel").wait_for()
    assert "status=settled" in tab.get_by_role("link", name="导出 Excel").get_attribute("href")

    tab.get_by_label("手机号").fill("12")
    tab.get_by_label("手机号").press("Enter")
    expect(tab.locator(".field-error").first).to_have_text("手机号请输入完整的 11 位或后 4 位")
    expect(tab.get_by_label("手机号")).to_have_value("12")
    check(tab, "orders-bad-filter")

    tab.goto(f"/console/orders/{settled.id}")
    expect(tab.get_by_role("heading", name="经过")).to_be_visible()
    expect(tab.locator("main")).to_contain_text("10.00 升，74.80 元，attendant_a")
    check(tab, "orders-page")
    tab.goto(f"/console/orders/{counter.id}")
    expect(tab.locator("main")).to_contain_text("油品投诉")


def test_cashier_sees_own_station_only(tab, world, placed):
    _, paid, _ = placed
    login(tab, "cashier_a")
    tab.goto("/console/orders")
    expect(tab.locator("#order-rows tbody tr")).to_have_count(2)
    expect(tab.locator("#order-rows")).not_to_contain_text(paid.order_no)
    check(tab, "orders-cashier")
    assert tab.goto(f"/console/orders/{paid.id}").status == 403

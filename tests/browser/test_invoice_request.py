"""申请开票 end to end: a driver scans the receipt's QR on a phone, asks for a company's invoice
(the tax number shows only for 单位, a missing one is named), and the cashier marks it issued on
开票 (HTMX, the row and the menu's count change in place); the driver's page then shows the
number. Both pages pass axe and fit 390 px. With SAVE_DOC_SCREENSHOTS=1 the pages are saved into
docs/cashier/ for docs/cashier.md."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.services.counter import receipts
from tests.browser import axe
from tests.browser.conftest import login, watched_tab
from tests.browser.screens import check
from tests.invoices.helpers import cash_sale, requests_of

pytestmark = pytest.mark.travel(hour=10)  # 10:00 in Shanghai, the clock stopped
DOCS = Path(__file__).resolve().parents[2] / "docs" / "cashier"


def doc_shot(tab, name: str) -> None:
    if os.environ.get("SAVE_DOC_SCREENSHOTS") != "1":
        return
    DOCS.mkdir(parents=True, exist_ok=True)
    tab.evaluate("window.scrollTo(0, 0)")
    tab.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)


def test_a_driver_asks_and_the_cashier_issues(browser, live_server, world, app):
    order = cash_sale(world)
    with app.test_request_context():
        url = receipts.invoice_url(order.order_no)
    phone_tabs = watched_tab(
        browser,
        live_server,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        timezone_id="Asia/Shanghai",
    )
    phone = next(phone_tabs)
    axe.enable(phone)
    phone.goto(url)
    expect(phone.locator("main")).to_contain_text("¥230.40")
    tax_number = phone.get_by_label("纳税人识别号")
    expect(tax_number).to_be_hidden()  # a person's invoice has none
    phone.locator(".buyer-type", has_text="单位").click()
    expect(tax_number).to_be_visible()
    phone.get_by_label("发票抬头").fill("云南某某物流有限公司")
    phone.get_by_label("电子邮箱").fill("caiwu@example.com")
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.locator(".field-error")).to_contain_text("请填写纳税人识别号")
    tax_number.fill("91530100MA6K0A1B2C")
    doc_shot(phone, "invoice-request")
    check(phone, "invoice-request")
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.locator("main")).to_contain_text("已申请")
    expect(phone.locator("main")).to_contain_text("ca***@example.com")

    desk_tabs = watched_tab(browser, live_server, viewport={"width": 1280, "height": 800})
    desk = next(desk_tabs)
    axe.enable(desk)
    login(desk, "cashier_a")
    menu = desk.locator(".sidebar").get_by_role("link", name="开票")
    expect(menu.locator(".nav-count")).to_have_text("1 条待开票")
    menu.click()
    row = desk.locator("article", has_text="云南某某物流有限公司")
    expect(row).to_contain_text("91530100MA6K0A1B2C")
    row.get_by_label("发票号码").fill("25532000000012345678")
    doc_shot(desk, "invoices")
    check(desk, "invoices")
    row.get_by_role("button", name="标记已开票").click()
    expect(desk.locator("#flash")).to_contain_text("已标记开票：发票号码 25532000000012345678")
    expect(row).to_contain_text("已开具")
    expect(menu.locator(".nav-count")).to_be_hidden()
    assert [r.status for r in requests_of()] == ["issued"]

    phone.reload()
    expect(phone.locator("main")).to_contain_text("25532000000012345678")
    doc_shot(phone, "invoice-issued")
    for tabs in (phone_tabs, desk_tabs):
        with pytest.raises(StopIteration):
            next(tabs)

"""收银 in a real browser: a cash sale with its figures computed live by the server, then its
receipt printed at once (the first copy is the original, the next says 重打). Screenshots:
docs/counter-sale.png and docs/receipt-58mm.png, only with SAVE_DOC_SCREENSHOTS=1."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import axe
from tests.browser.conftest import login
from tests.browser.screens import check

DOCS = Path(__file__).resolve().parents[2] / "docs"
SAVE = os.environ.get("SAVE_DOC_SCREENSHOTS") == "1"  # docs are rewritten only when asked
# window.print() opens no dialog here: count the calls instead.
COUNT_PRINTS = "window.__prints = 0; window.print = () => { window.__prints += 1; };"


@pytest.mark.travel(hour=10)
def test_a_cash_sale_and_its_receipt(page, world):
    page.add_init_script(COUNT_PRINTS)
    axe.enable(page)
    login(page, "cashier_a")
    page.locator(".sidebar").get_by_role("link", name="收银").click()
    expect(page.locator("h1")).to_have_text("收银")
    page.locator(".nozzle-button", has_text="1 号枪").click()
    page.get_by_label("升数 / 金额（元）").fill("30")
    page.get_by_label("实收现金（元）").fill("300")
    expect(page.locator("#quote-amount")).to_have_text("¥230.40")
    expect(page.locator("#quote-change")).to_have_text("¥69.60")
    expect(page.locator("#quote-litres")).to_have_text("30.00 升")
    if SAVE:
        page.screenshot(path=str(DOCS / "counter-sale.png"), full_page=True)
    check(page, "counter-sale")  # axe at 1280 and 390 px wide, nothing sideways

    page.get_by_role("button", name="收款并打印小票").click()
    page.wait_for_url(re.compile(r"/console/orders/\d+/receipt\?width=58$"))
    page.wait_for_function("() => window.__prints === 1")
    receipt = page.locator("#receipt")
    for text in ("昆明北京路加油站", "92#汽油 · 1号枪", "30.00 升", "¥230.40", "¥69.60"):
        expect(receipt).to_contain_text(text)
    expect(receipt).not_to_contain_text("重打")
    expect(page.get_by_role("button", name="重打小票")).to_be_visible()
    assert page.locator("#receipt .r-qr svg").count() == 1
    # As printed: 58 mm wide, the controls hidden.
    page.emulate_media(media="print")
    expect(page.locator(".controls")).to_be_hidden()
    width_px = receipt.evaluate("el => el.getBoundingClientRect().width")
    assert abs(width_px - 58 / 25.4 * 96) < 1  # 58 mm at 96 px per inch
    if SAVE:
        receipt.screenshot(path=str(DOCS / "receipt-58mm.png"))
    pdf = page.pdf(prefer_css_page_size=True)
    box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert abs(float(box.group(1)) - 58 / 25.4 * 72) < 1  # the @page is 58 mm wide
    page.emulate_media(media="screen")

    page.get_by_role("button", name="重打小票").click()
    expect(receipt).to_contain_text("重打（第 2 次打印）")
    page.wait_for_function("() => window.__prints === 2")
    page.get_by_role("link", name="80 mm").click()
    expect(page.locator("body")).to_have_class(re.compile(r"\bw80\b"))
    expect(page.locator("#receipt")).to_contain_text("重打（第 3 次打印）")
    assert page.evaluate("window.__prints") == 0  # switching the width prints nothing

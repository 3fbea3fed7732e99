"""The 交接班 and 日结 pages in a browser: the cashier opens, previews and closes a shift through
the forms (the refusal shown with the field named), the slip, the next cashier's acceptance,
the daily close; each screen passes axe at desktop and 390 px (tests/browser/screens.py)."""

from datetime import timedelta

from playwright.sync_api import expect

from app.extensions import db
from app.services.platform import clock
from tests.browser import axe
from tests.browser.conftest import login
from tests.browser.screens import check
from tests.factories import make_staff
from tests.money.helpers import run_jobs
from tests.shifts.conftest import L, Pumps


def test_shift_pages(page, world):
    axe.enable(page)
    pumps = Pumps(world)
    make_staff(world.chain, "cashier", [world.station_a], "cashier_a2")
    db.session.commit()
    login(page, "cashier_a")
    page.locator(".sidebar").get_by_role("link", name="交接班").click()
    expect(page.get_by_role("heading", name="开班")).to_be_visible()
    check(page, "shift-open")
    page.get_by_role("button", name="开班").click()
    expect(page.locator(".form-errors")).to_contain_text("1号枪 请填写接班泵码")
    for number, litres in ((1, "100000"), (2, "50000"), (5, "20000")):
        page.get_by_label(f"{number}号枪", exact=False).first.fill(litres)
    page.get_by_role("button", name="开班").click()
    expect(page.get_by_text("本班实时数据")).to_be_visible()
    pumps.sell(1, 20 * L)
    pumps.sell(2, 40 * L)
    run_jobs()
    page.reload()
    check(page, "shift-live")

    closing = page.locator("fieldset", has_text="2号枪")
    closing.get_by_label("交班泵码（升）").fill("49999")
    page.locator("fieldset", has_text="1号枪").get_by_label("交班泵码（升）").fill("100020")
    page.locator("fieldset", has_text="5号枪").get_by_label("交班泵码（升）").fill("20000")
    page.get_by_label("实点现金（元）").fill("0")
    page.get_by_role("button", name="计算交班报表").click()
    expect(page.locator(".form-errors")).to_contain_text("2号枪 交班泵码 小于 接班泵码")
    check(page, "shift-close-errors")
    page.locator("fieldset", has_text="2号枪").get_by_label("交班泵码（升）").fill("50041")
    page.get_by_role("button", name="计算交班报表").click()
    expect(page.get_by_role("button", name="确认交班")).to_be_visible()
    expect(page.get_by_text("超出误差，请核查")).to_be_visible()
    check(page, "shift-preview")
    page.get_by_role("button", name="确认交班").click()
    expect(page.get_by_role("heading", name="交接班单 · 昆明北京路加油站")).to_be_visible()
    check(page, "shift-slip")

    page.get_by_role("button", name="退出登录").click()
    login(page, "cashier_a2")
    page.goto("/console/shifts")
    check(page, "shift-accept")
    page.get_by_role("button", name="核对无误，接班").click()
    expect(page.locator(".flash-success")).to_contain_text("已接班")

    page.get_by_role("button", name="退出登录").click()
    login(page, "manager_a")
    today = clock.to_local(clock.utcnow()).date()
    page.goto(f"/console/daily-close?date={today.isoformat()}")
    check(page, "daily-close")
    page.goto(f"/console/daily-close?date={(today - timedelta(days=1)).isoformat()}")
    expect(page.get_by_text("该日没有交班记录")).to_be_visible()

"""首页's figures in a real browser: the cards and the ECharts canvas show; an order paid
meanwhile shows in the figures and the chart at the next refresh, without a page reload;
head office narrows the figures to one station. Screenshots go to test-artifacts/."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import axe
from tests.browser.conftest import login, shot
from tests.browser.screens import check
from tests.console.test_orders_console import _place
from tests.factories import make_member
from tests.money.helpers import credit_wallet

DRAWN = """() => {
  const box = document.getElementById('dash-chart');
  const chart = window.echarts && window.echarts.getInstanceByDom(box);
  const canvas = box.querySelector('canvas');
  return chart && canvas && canvas.width > 0 ? chart.getOption().series[0].data : null;
}"""
# What today's bars add up to, in fen (the chart is drawn in yuan), once the chart is drawn.
DRAWN_FEN = f"""() => {{
  const bars = ({DRAWN})();
  return bars ? Math.round(bars.reduce((sum, v) => sum + (v || 0), 0) * 100) : null;
}}"""


def chart_shows(tab, fen: int) -> None:
    tab.wait_for_function(f"() => ({DRAWN_FEN})() === {fen}")


@pytest.fixture
def tab(page):
    axe.enable(page)
    return page


@pytest.fixture
def fast_refresh(app):
    """The figures refresh every second instead of every 15."""
    app.config["DASHBOARD_REFRESH_S"] = 1
    yield
    app.config["DASHBOARD_REFRESH_S"] = 15


@pytest.fixture
def driver(world):
    member = make_member(world.chain)
    credit_wallet(member, 100_000)
    return member


@pytest.mark.travel(hour=10)  # the clock stopped: no day ends while the test runs
def test_figures_and_chart_follow_a_new_payment_without_reload(tab, world, driver, fast_refresh):
    _place(driver, world.station_a, "92", 1, 10_000)
    login(tab, "manager_a")
    revenue = tab.locator('[data-figure="revenue"] .dash-value')
    expect(revenue).to_have_text("¥100.00")
    expect(tab.locator('[data-figure="orders"] .dash-value')).to_have_text("1 笔")
    expect(tab.locator("#dash-figures")).to_have_attribute("hx-trigger", "every 1s")
    chart_shows(tab, 10_000)
    check(tab, "home-dashboard")
    tab.evaluate("document.body.dataset.kept = 'yes'")  # gone if the whole page reloads

    _place(driver, world.station_a, "95", 2, 2_345, channel="counter")
    expect(revenue).to_have_text("¥123.45")  # polls, bounded by the default timeout
    expect(tab.locator('[data-figure="counter"]')).to_have_text("1")
    chart_shows(tab, 12_345)  # redrawn from the refreshed block's data
    assert tab.evaluate("document.body.dataset.kept") == "yes"
    shot(tab, "home-dashboard-refreshed")


@pytest.mark.travel(hour=10)
def test_head_office_filters_one_station(tab, world, driver, fast_refresh):
    _place(driver, world.station_a, "92", 1, 10_000)
    _place(driver, world.station_b, "92", 1, 3_000)
    login(tab, "admin")
    revenue = tab.locator('[data-figure="revenue"] .dash-value')
    expect(revenue).to_have_text("¥130.00")
    tab.get_by_label("油站").select_option(label="大理古城加油站")
    tab.get_by_role("button", name="查看").click()
    expect(tab).to_have_url(re.compile(rf"station_id={world.station_b.id}"))
    expect(revenue).to_have_text("¥30.00")
    # The block keeps polling for that station only.
    _place(driver, world.station_a, "92", 1, 1_000)
    _place(driver, world.station_b, "92", 1, 500)
    expect(revenue).to_have_text("¥35.00")
    chart_shows(tab, 3_500)
    check(tab, "home-dashboard-admin")

"""线上订单 in a real browser: an order paid while the page is open shows without a reload and
is announced once (tone and Chinese voice; speechSynthesis stubbed, as headless Chromium has no
voices), muted means silent, and a walk-in driver's order is confirmed by its short code."""

import pytest
from playwright.sync_api import expect

from app.services.orders import fueling, pickup
from tests.attendant.conftest import paid_order, reload
from tests.browser import axe
from tests.browser.conftest import login, shot
from tests.browser.screens import check
from tests.factories import make_member
from tests.money.helpers import credit_wallet, run_jobs

# Records what would be spoken and how many tones were started, before the page's scripts run.
STUBS = """
window.spoken = [];
window.tones = 0;
Object.defineProperty(window, 'speechSynthesis', {configurable: true, value: {
  speak: (words) => window.spoken.push({text: words.text, lang: words.lang}),
  cancel: () => {},
  getVoices: () => [],
}});
const oscillator = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  window.tones += 1;
  return oscillator.call(this);
};
"""
URL = "/console/counter/online"


@pytest.fixture
def tab(page, app):
    axe.enable(page)
    page.add_init_script(STUBS)
    app.config["COUNTER_LIVE_POLL_S"] = 1
    yield page
    app.config["COUNTER_LIVE_POLL_S"] = 3


@pytest.fixture
def driver(world):
    member = make_member(world.chain)
    credit_wallet(member, 100_000)
    return member


def pay(world, driver, nozzle=None, fuel="92", amount_fen=20000, plate=""):
    how = {"mode": "amount", "amount_fen": amount_fen, "plate": plate}
    return paid_order(world, driver, nozzle=nozzle, fuel=fuel, **how)


def row(tab, order):
    return tab.locator(f'#counter-live tr[data-order-id="{order.id}"]')


def spoken(tab) -> list[dict]:
    return tab.evaluate("window.spoken")


def one_poll(tab) -> None:
    """Wait for the next look at the events feed to be answered."""
    with tab.expect_response(lambda r: "/counter/online/list" in r.url):
        pass


def test_new_orders_show_live_and_are_announced_once(tab, world, driver):
    waiting, _ = pay(world, driver, nozzle=1)
    login(tab, "cashier_a")
    tab.get_by_role("link", name="线上订单").click()
    expect(row(tab, waiting)).to_contain_text("1号枪")
    tab.evaluate("document.body.dataset.kept = 'yes'")  # gone if the whole page reloads
    one_poll(tab)
    assert spoken(tab) == []  # what waited when the page opened is not news

    third, _ = pay(world, driver, nozzle=3, fuel="98", plate="云A88888")
    expect(row(tab, third)).to_contain_text("云A88888")
    expect(tab.locator("#counter-live tbody tr").first).to_have_attribute(
        "data-order-id", str(third.id)
    )  # newest first
    tab.wait_for_function("window.spoken.length === 1")
    assert spoken(tab) == [{"text": "您有新的线上加油订单，3号枪", "lang": "zh-CN"}]
    assert tab.evaluate("window.tones") == 1

    anywhere, _ = pay(world, driver)
    expect(row(tab, anywhere)).to_contain_text("任意油枪")
    tab.wait_for_function("window.spoken.length === 2")
    assert spoken(tab)[1]["text"] == "您有新的线上加油订单，任意油枪"

    # Another event re-renders the list: the orders already announced stay silent.
    pickup.confirm_fueling(world.attendant_a, pickup.token_for(reload(waiting)), 10000)
    expect(row(tab, waiting)).to_have_count(0)
    one_poll(tab)
    assert len(spoken(tab)) == 2 and tab.evaluate("window.tones") == 2

    tab.get_by_label("静音（不播报）").check()
    muted, _ = pay(world, driver, nozzle=2, fuel="95")
    expect(row(tab, muted)).to_be_visible()
    one_poll(tab)
    assert len(spoken(tab)) == 2 and tab.evaluate("window.tones") == 2
    assert tab.evaluate("document.body.dataset.kept") == "yes"
    tab.reload()
    expect(tab.get_by_label("静音（不播报）")).to_be_checked()  # remembered
    run_jobs()


def test_confirm_a_walk_in_driver_by_short_code(tab, world, driver):
    pay(world, driver, nozzle=1, amount_fen=30000, plate="云A12345")
    order, _ = pay(world, driver, nozzle=2, fuel="95", amount_fen=10000, plate="云A66666")
    code = pickup.live_token(reload(order)).code
    login(tab, "cashier_a")
    tab.goto(URL)
    expect(row(tab, order)).to_contain_text(code)
    check(tab, "counter-online")

    tab.get_by_label("取油码（8 位数字）").fill("00000000" if code != "00000000" else "11111111")
    tab.get_by_role("button", name="查找订单").click()
    expect(tab.locator("#counter-pickup .form-errors")).to_contain_text("本站没有这个取油码")

    tab.get_by_label("取油码（8 位数字）").fill(code)
    tab.get_by_role("button", name="查找订单").click()
    panel = tab.locator("#counter-pickup")
    expect(panel).to_contain_text("2号枪")
    expect(panel).to_contain_text("测试车主")
    tab.get_by_label("油机显示的加油升数").fill("10")
    tab.get_by_role("button", name="计算金额").click()
    expect(panel).to_contain_text("结算退款")
    priced = fueling.price_fueling(reload(order), 10000)
    expect(panel).to_contain_text(f"¥{priced.refund_fen / 100:.2f}")
    shot(tab, "counter-online")
    check(tab, "counter-online-preview")

    tab.get_by_role("button", name="确认加油").click()
    expect(panel).to_contain_text("已确认加油")
    expect(panel).to_contain_text("10.00 升")
    expect(row(tab, order)).to_have_count(0)  # gone from the live list with the fuelled event
    assert reload(order).status == "fueled"
    run_jobs()

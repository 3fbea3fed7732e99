"""The handheld's screens on a 360 x 640 phone in Chromium: with the keypad showing, the confirm
button and the refund line are on screen without scrolling; amounts never break across lines."""

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.pwa import (  # noqa: F401  (fixtures)
    doc_shot,
    key_in,
    open_by_code,
    paid,
    phone_fixture,
    row_of,
    sign_in,
)

HEIGHT = 640

# Each element's box in the viewport, as the attendant sees it right now.
BOXES = """ids => Object.fromEntries(ids.map(id => {
    const r = document.getElementById(id).getBoundingClientRect();
    return [id, {top: r.top, bottom: r.bottom, left: r.left, right: r.right}];
}))"""

# Lines of text an element's own text is laid out on: one per distinct line box.
LINES = """el => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set(Array.from(range.getClientRects(), r => Math.round(r.top))).size;
}"""


def refund_line(tab):
    """The preview's refund label and figure, which must be on screen."""
    return tab.locator("#preview span", has_text="退还司机")


def assert_on_screen(tab, *ids) -> None:
    boxes = tab.evaluate(BOXES, list(ids))
    off = {
        k: b for k, b in boxes.items() if b["top"] < 0 or b["bottom"] > HEIGHT or b["right"] > 360
    }
    assert not off, off
    refund = refund_line(tab).bounding_box()
    assert refund and refund["y"] >= 0 and refund["y"] + refund["height"] <= HEIGHT


def assert_one_line(tab, selector: str) -> None:
    lines = tab.eval_on_selector_all(selector, f"els => els.map({LINES})")
    assert lines and all(n == 1 for n in lines), list(
        zip(tab.locator(selector).all_inner_texts(), lines, strict=True)
    )


def viewport_shot(tab, name: str) -> None:
    """What the phone shows right now (not the whole page), in test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def assert_fits(tab, selector: str) -> None:
    """No text cut off or spilling into its neighbour."""
    spill = tab.eval_on_selector_all(
        selector, "els => els.filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent)"
    )
    assert not spill, spill


def test_with_the_keypad_the_confirm_button_and_refund_show_without_scrolling(phone, world):
    # The longest plate (new energy, 8 characters) next to the nozzle.
    _, token = paid(world, nozzle=1, mode="amount", amount_fen=20000, plate="云AD12345")
    sign_in(phone)
    open_by_code(phone, token)
    key_in(phone, "20.05")
    expect(phone.locator("#preview")).to_contain_text("退还司机 ¥50.03")
    expect(phone.locator("#preview")).not_to_contain_text("预计")  # the server's figures
    assert phone.evaluate("window.scrollY") == 0
    # The whole screen fits: nothing below the fold, nothing to scroll to.
    assert phone.evaluate("document.documentElement.scrollHeight") <= HEIGHT
    assert_on_screen(phone, "order-facts", "litres", "keypad", "preview", "confirm")
    assert_one_line(phone, "#preview span, #preview strong, #order-facts dd:not(.small)")
    assert_fits(phone, "#order-facts dd, #preview strong, #confirm")
    viewport_shot(phone, "pwa-360-confirm")


def test_offline_and_before_the_code_is_checked_they_stay_on_screen(phone, world):
    """The offline bar and the code check make the screen taller: the bar with the amount,
    the refund and the confirm button stays at the bottom of the screen."""
    order, token = paid(world, nozzle=2, fuel="95", mode="fill_up", plate="云AD12345")
    sign_in(phone)
    row_of(phone, order).click()  # opened from the list: the driver's code still to check
    key_in(phone, "55.55")
    expect(phone.locator("#preview")).to_contain_text("预计金额")
    expect(phone.locator("#verify")).to_be_visible()
    assert_on_screen(phone, "preview", "confirm")
    phone.get_by_role("button", name="返回").click()
    phone.context.set_offline(True)
    expect(phone.locator("#net")).to_be_visible()
    open_by_code(phone, token)
    key_in(phone, "12.34")
    assert_on_screen(phone, "keypad", "preview", "confirm")
    expect(phone.get_by_role("button", name="确认加油")).to_be_enabled()
    viewport_shot(phone, "pwa-360-offline")
    phone.context.set_offline(False)


def test_the_done_screen_keeps_every_amount_on_one_line(phone, world):
    _, token = paid(world, nozzle=1, mode="fill_up", plate="云A23456")
    sign_in(phone)
    open_by_code(phone, token)
    key_in(phone, "66.66")  # 498.62 元: the widest amount a 500 元 cap allows
    expect(phone.locator("#preview")).to_contain_text("加油金额 ¥498.62")
    phone.get_by_role("button", name="确认加油").click()
    expect(phone.get_by_role("heading", name="加油已确认")).to_be_visible()
    facts = phone.locator("#done-facts")
    expect(facts).to_contain_text("66.66 升")
    expect(facts).to_contain_text("¥498.62")
    expect(facts).to_contain_text("¥1.38")
    assert_one_line(phone, "#done-facts dt, #done-facts dd:not(.small)")
    assert_fits(phone, "#done-facts dd")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    doc_shot(phone, "pwa-done")

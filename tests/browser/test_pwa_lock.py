"""The handheld's PIN in Chromium: set it, lock and unlock, the server refuses a locked session,
idle minutes lock the screen, a late 423 does not lock again, and 5 wrong PINs send the
attendant back to the password."""

from playwright.sync_api import expect

from app.extensions import db
from app.models import Staff
from tests.browser.pwa import (  # noqa: F401  (fixtures)
    doc_shot,
    paid,
    phone_fixture,
    row_of,
    sign_in,
)


def set_pin(tab, pin="2580") -> None:
    tab.get_by_role("button", name="设置解锁 PIN").click()
    tab.get_by_label("新 PIN（4–6 位数字）").fill(pin)
    tab.get_by_label("再输入一次").fill(pin)
    tab.get_by_role("button", name="保存 PIN").click()
    expect(tab.locator("#screen-home")).to_be_visible()
    expect(tab.get_by_role("button", name="锁屏")).to_be_visible()


def unlock_with(tab, pin: str) -> None:
    tab.get_by_label("输入 PIN 解锁").fill(pin)
    tab.get_by_role("button", name="解锁").click()


def api_status(tab, path="/attendant/api/me") -> int:
    return tab.evaluate(f"fetch('{path}').then(r => r.status)")


def test_set_a_pin_lock_and_unlock(phone, world):
    sign_in(phone)
    phone.get_by_role("button", name="设置解锁 PIN").click()
    phone.get_by_label("新 PIN（4–6 位数字）").fill("1234")
    phone.get_by_label("再输入一次").fill("1234")
    phone.get_by_role("button", name="保存 PIN").click()
    expect(phone.locator("#pin-error")).to_contain_text("太简单")
    phone.get_by_role("button", name="返回").click()
    set_pin(phone)
    db.session.expire_all()
    assert db.session.get(Staff, world.attendant_a.id).pin_hash.startswith("$argon2id$")

    phone.get_by_role("button", name="锁屏").click()
    expect(phone.get_by_role("heading", name="已锁屏")).to_be_visible()
    expect(phone.locator("#lock-who")).to_contain_text("昆明北京路加油站")
    # The lock is the server's: the page itself cannot read anything while locked.
    assert api_status(phone) == 423
    assert api_status(phone, f"/attendant/api/stations/{world.station_a.id}/orders") == 423
    doc_shot(phone, "pwa-lock")
    unlock_with(phone, "0000")
    expect(phone.locator("#lock-error")).to_contain_text("PIN 错误，还可以再试 4 次")
    unlock_with(phone, "2580")
    expect(phone.locator("#screen-home")).to_be_visible()
    assert api_status(phone) == 200


def test_idle_minutes_lock_the_screen(phone, world):
    phone.clock.install()
    sign_in(phone)
    set_pin(phone)
    phone.clock.fast_forward("06:00")  # ATTENDANT_LOCK_MINUTES defaults to 5
    expect(phone.get_by_role("heading", name="已锁屏")).to_be_visible()
    assert api_status(phone) == 423
    unlock_with(phone, "2580")
    expect(phone.locator("#screen-home")).to_be_visible()


def test_a_late_423_from_before_the_unlock_does_not_lock_again(phone, world):
    """A poll sent while locked whose 423 arrives only after the unlock (a slow network, a busy
    server) is stale: the handheld stays unlocked and its live list keeps coming."""
    sign_in(phone)
    set_pin(phone)
    phone.get_by_role("button", name="锁屏").click()
    expect(phone.get_by_role("heading", name="已锁屏")).to_be_visible()
    events = f"/attendant/api/stations/{world.station_a.id}/events"
    locked_answer = phone.request.get(events, params={"since": 0, "wait": 0})
    assert locked_answer.status == 423
    held = []  # the first poll waits here; the live list's own polls after the unlock go on
    phone.route(f"**{events}?*", lambda route: route.continue_() if held else held.append(route))
    with phone.expect_request(f"**{events}?*"):  # sent while locked, answered after the unlock
        phone.evaluate(
            """station => {
                window.late = Jiayou.call("GET", `/stations/${station}/events`,
                    {params: {since: 0, wait: 25}}).catch(e => e.status);
            }""",
            world.station_a.id,
        )
    unlock_with(phone, "2580")
    expect(phone.locator("#screen-home")).to_be_visible()
    assert len(held) == 1
    held[0].fulfill(response=locked_answer)
    assert phone.evaluate("window.late") == 423
    expect(phone.locator("#screen-home")).to_be_visible()
    assert api_status(phone) == 200
    order, _ = paid(world, nozzle=1, mode="amount", amount_fen=20000)
    expect(row_of(phone, order)).to_be_visible()
    expect(phone.locator("#screen-home")).to_be_visible()


def test_five_wrong_pins_end_the_session(phone, world):
    sign_in(phone)
    set_pin(phone)
    phone.get_by_role("button", name="锁屏").click()
    for left in (4, 3, 2, 1):
        unlock_with(phone, "0000")
        expect(phone.locator("#lock-error")).to_contain_text(f"还可以再试 {left} 次")
    unlock_with(phone, "0000")
    expect(phone.get_by_role("heading", name="加油员登录")).to_be_visible()
    expect(phone.locator("#login-error")).to_contain_text("PIN 连续输错 5 次，请用密码重新登录")
    assert api_status(phone) == 401

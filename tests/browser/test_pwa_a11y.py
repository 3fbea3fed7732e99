"""Every handheld screen at 360 x 640 passes axe-core's WCAG A/AA rules, text contrast 4.5:1
included: login (and its error), the order list, the PIN screens, the confirm screen and the
done screen, online and offline. Screenshots go to test-artifacts/a11y-pwa-*.png."""

from playwright.sync_api import expect

from tests.browser import axe
from tests.browser.conftest import shot
from tests.browser.pwa import (  # noqa: F401  (fixtures)
    key_in,
    open_by_code,
    paid,
    phone_fixture,
    row_of,
    sign_in,
)
from tests.money.helpers import assert_ledger_ok, run_jobs


def check(phone, name: str) -> None:
    axe.assert_accessible(phone, f"handheld {name}")
    shot(phone, f"a11y-pwa-{name}")


def test_every_handheld_screen(phone, world):
    axe.enable(phone)
    waiting, waiting_token = paid(world, nozzle=2, fuel="95", mode="amount", amount_fen=20000)
    _, token = paid(world, nozzle=1, mode="amount", amount_fen=20000, plate="云A23456")

    phone.goto("/pwa/")
    expect(phone.get_by_role("heading", name="加油员登录")).to_be_visible()
    check(phone, "login")
    phone.get_by_label("用户名").fill("attendant_a")
    phone.get_by_label("密码").fill("not-the-password1")
    phone.get_by_role("button", name="登录").click()
    expect(phone.locator("#login-error")).to_have_text("用户名或密码错误")
    check(phone, "login-error")

    sign_in(phone)
    expect(row_of(phone, waiting)).to_be_visible()
    check(phone, "orders")

    phone.get_by_role("button", name="设置解锁 PIN").click()
    phone.get_by_label("新 PIN（4–6 位数字）").fill("1234")
    phone.get_by_label("再输入一次").fill("1234")
    phone.get_by_role("button", name="保存 PIN").click()
    expect(phone.locator("#pin-error")).to_contain_text("太简单")
    check(phone, "pin-error")
    phone.get_by_label("新 PIN（4–6 位数字）").fill("2580")
    phone.get_by_label("再输入一次").fill("2580")
    phone.get_by_role("button", name="保存 PIN").click()
    expect(phone.get_by_role("button", name="锁屏")).to_be_visible()

    phone.get_by_role("button", name="锁屏").click()
    expect(phone.get_by_role("heading", name="已锁屏")).to_be_visible()
    check(phone, "lock")
    phone.get_by_label("输入 PIN 解锁").fill("0000")
    phone.get_by_role("button", name="解锁").click()
    expect(phone.locator("#lock-error")).to_contain_text("PIN 错误")
    check(phone, "lock-error")
    phone.get_by_label("输入 PIN 解锁").fill("2580")
    phone.get_by_role("button", name="解锁").click()
    expect(phone.locator("#screen-home")).to_be_visible()

    open_by_code(phone, token)
    check(phone, "order")
    key_in(phone, "20.05")
    expect(phone.locator("#preview")).to_contain_text("退还司机")
    check(phone, "confirm")
    phone.get_by_role("button", name="确认加油").click()
    expect(phone.get_by_role("heading", name="加油已确认")).to_be_visible()
    check(phone, "done")

    # Offline: the confirmation waits in the handheld's queue, shown on the list.
    phone.get_by_role("button", name="下一单").click()
    phone.context.set_offline(True)
    expect(phone.locator("#net")).to_be_visible()
    open_by_code(phone, waiting_token)
    key_in(phone, "10")
    expect(phone.locator("#preview")).to_contain_text("预计")
    check(phone, "confirm-offline")
    phone.get_by_role("button", name="确认加油").click()
    expect(phone.get_by_role("heading", name="已记录，待同步")).to_be_visible()
    check(phone, "done-offline")
    phone.get_by_role("button", name="下一单").click()
    expect(phone.locator("#queue li")).to_contain_text("待同步")
    check(phone, "orders-offline")
    phone.context.set_offline(False)
    expect(phone.locator("#queue-box")).to_be_hidden()
    run_jobs()
    assert_ledger_ok()

"""The handheld in Chromium when the camera fails (the driver's 8-digit code), when the driver
cancels while the order is open, and when a new attendant must change the initial password."""

import uuid

from playwright.sync_api import expect

from app.extensions import db
from app.models import Member
from app.services.orders import pickup
from app.services.payments import refunds
from tests.api.conftest import Driver
from tests.attendant.conftest import reload
from tests.browser.pwa import (  # noqa: F401  (fixtures)
    doc_shot,
    key_in,
    open_by_code,
    paid,
    phone_fixture,
    row_of,
    sign_in,
)
from tests.money.helpers import assert_ledger_ok, run_jobs


def printed_code(order) -> str:
    """The code under the QR in the driver's app, grouped as a driver reads it out."""
    code = pickup.live_token(reload(order)).code
    return f"{code[:4]} {code[4:]}"


def type_code(tab, code: str) -> None:
    tab.get_by_label("或手动输入取油码").fill(code)
    tab.get_by_role("button", name="查询订单").click()


def test_the_typed_8_digit_code_opens_the_order_and_confirms_as_a_scan_does(phone, world):
    order, token = paid(world, nozzle=1, mode="amount", amount_fen=20000, plate="云A23456")
    sign_in(phone)
    sent = []
    phone.on("request", lambda r: r.url.endswith("/orders/confirm") and sent.append(r))
    type_code(phone, printed_code(order))
    expect(phone.get_by_role("heading", name="核对订单")).to_be_visible()
    expect(phone.locator("#verified")).to_be_visible()  # the code itself checked the driver
    expect(phone.locator("#order-facts")).to_contain_text("云A23456")
    key_in(phone, "20.05")
    expect(phone.locator("#preview")).to_contain_text("加油金额 ¥149.97")
    phone.get_by_role("button", name="确认加油").click()
    expect(phone.get_by_role("heading", name="加油已确认")).to_be_visible()
    # The same confirmation as after a scan: the QR's token, with the handheld's own id.
    body = sent[0].post_data_json
    assert body["token"] == token and body["confirmation_id"]
    fueled = reload(order)
    assert (fueled.status, fueled.dispensed_ml) == ("fueled", 20050)
    assert fueled.confirmation_id == body["confirmation_id"]
    run_jobs()
    assert_ledger_ok()


def test_a_tapped_order_is_checked_with_the_drivers_code(phone, world):
    order, _ = paid(world, nozzle=1, mode="amount", amount_fen=10000)
    other, _ = paid(world, nozzle=1, mode="amount", amount_fen=10000)
    sign_in(phone)
    row_of(phone, order).click()
    phone.get_by_label("或输入取油码").fill(printed_code(other))
    phone.get_by_role("button", name="核验", exact=True).click()
    expect(phone.locator("#verify-error")).to_contain_text("与该订单不符")
    phone.get_by_label("或输入取油码").fill(printed_code(order))
    phone.get_by_role("button", name="核验", exact=True).click()
    expect(phone.locator("#verified")).to_be_visible()
    key_in(phone, "10")
    expect(phone.get_by_role("button", name="确认加油")).to_be_enabled()


def test_five_wrong_codes_lock_typing_and_say_for_how_long(phone, world):
    order, token = paid(world, nozzle=1, mode="amount", amount_fen=10000)
    right = printed_code(order).replace(" ", "")
    wrong = f"{(int(right) + 1) % 10**8:08d}"
    sign_in(phone)
    for left in (4, 3, 2, 1):
        type_code(phone, wrong)
        expect(phone.locator("#code-error")).to_contain_text(f"再错 {left} 次")
    type_code(phone, wrong)
    error = phone.locator("#code-error")
    expect(error).to_contain_text("已暂停手动输入，请 10 分钟后再试")
    type_code(phone, right)  # locked: even the right code
    expect(error).to_contain_text("分钟后再试")
    expect(phone.get_by_role("heading", name="核对订单")).to_be_hidden()
    open_by_code(phone, token)  # what the camera reads still works


def test_offline_a_typed_code_cannot_be_looked_up_and_the_screen_says_so(phone, world):
    order, _ = paid(world, nozzle=1, mode="amount", amount_fen=10000)
    sign_in(phone)
    expect(row_of(phone, order)).to_be_visible()
    hint = phone.locator("#code-form .offline-only")
    expect(hint).to_be_hidden()
    phone.context.set_offline(True)
    expect(hint).to_contain_text("8 位取油码须联网查询")
    type_code(phone, printed_code(order))
    expect(phone.locator("#code-error")).to_contain_text("离线时不能查询 8 位取油码")
    row_of(phone, order).click()
    expect(phone.locator("#verify .offline-only")).to_be_visible()
    phone.get_by_label("或输入取油码").fill(printed_code(order))
    phone.get_by_role("button", name="核验", exact=True).click()
    expect(phone.locator("#verify-error")).to_contain_text("离线时不能查询")
    phone.context.set_offline(False)
    assert reload(order).status == "paid"


def cancel_as_driver(client, order) -> None:
    """The driver cancels in the mini-program: the driver API, with the driver's own login."""
    openid = db.session.get(Member, order.member_id).openid
    headers = {
        "Authorization": f"Bearer {Driver(client).token(openid)}",
        "Idempotency-Key": str(uuid.uuid4()),
    }
    answer = client.post(f"/api/v1/orders/{order.id}/cancel", headers=headers)
    assert answer.status_code == 200 and answer.get_json()["status"] == "cancelled", answer.data


def test_a_cancellation_shows_at_once_on_the_open_order(phone, world, client, live_server):
    order, token = paid(world, nozzle=1, mode="amount", amount_fen=20000, plate="云A23456")
    sign_in(phone)
    open_by_code(phone, token)
    expect(phone.locator("#litres")).to_have_text("0.00")  # nothing typed yet
    cancel_as_driver(client, order)
    gone = phone.locator("#order-gone")
    expect(gone).to_contain_text("司机已取消该订单", timeout=3000)  # from the live feed
    expect(phone.get_by_role("button", name="确认加油")).to_be_disabled()
    expect(phone.locator('#keypad button[data-key="1"]')).to_be_disabled()
    box = gone.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= 640
    doc_shot(phone, "pwa-cancelled")
    assert reload(order).status == "cancelled"
    assert_ledger_ok()


def test_a_refund_at_the_counter_shows_at_once_and_lowers_what_may_be_fuelled(phone, world):
    order, token = paid(world, nozzle=1, mode="amount", amount_fen=20000)
    sign_in(phone)
    open_by_code(phone, token)
    key_in(phone, "20.05")  # 149.97 元 of the 200 元 paid
    expect(phone.get_by_role("button", name="确认加油")).to_be_enabled()
    refunds.refund_order(world.cashier_a, order.id, 10000, "司机要求少加")  # commits
    notice = phone.locator("#order-gone")
    expect(notice).to_contain_text("现在最多可加 ¥100.00", timeout=3000)
    expect(phone.locator("#order-error")).to_contain_text("超过已付 100.00 元")
    expect(phone.get_by_role("button", name="确认加油")).to_be_disabled()
    expect(phone.locator("#litres-hint")).to_have_text("最多 13.36 升")
    for _ in range(5):
        phone.locator('#keypad button[data-key="back"]').click()
    key_in(phone, "13")
    expect(phone.locator("#preview")).to_contain_text("退还司机 ¥2.76")  # 100 - 97.24
    phone.get_by_role("button", name="确认加油").click()
    expect(phone.get_by_role("heading", name="加油已确认")).to_be_visible()
    assert reload(order).dispensed_fen == 9724
    run_jobs()
    assert_ledger_ok()


def test_a_new_attendant_is_given_the_consoles_address_as_a_link(phone, world, live_server):
    world.attendant_a.must_change_password = True
    db.session.commit()
    phone.goto("/pwa/")
    phone.get_by_label("用户名").fill("attendant_a")
    phone.get_by_label("密码").fill("Jiayou2026")
    phone.get_by_role("button", name="登录").click()
    address = f"{live_server.url}/console/password"
    error = phone.locator("#login-error")
    expect(error).to_contain_text("初始密码须先修改")
    link = error.get_by_role("link", name=address)
    expect(link).to_have_attribute("href", address)
    with phone.context.expect_page() as opened:
        link.click()
    console = opened.value
    console.wait_for_load_state()
    # Not signed in to the console yet: its login, which then leads to the password page.
    assert console.url.startswith(f"{live_server.url}/console/login?next=/console/password")
    expect(console.get_by_label("用户名")).to_be_visible()
    console.close()

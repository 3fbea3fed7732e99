"""The handheld in Chromium: sign in, open an order by code or camera, key the litres, confirm."""

from playwright.sync_api import expect

from app.extensions import db
from app.models import AuditLog
from tests.attendant.conftest import reload
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.pwa import (  # noqa: F401  (fixtures)
    assert_touch_targets,
    doc_shot,
    key_in,
    open_by_code,
    paid,
    phone_fixture,
    phone_tab,
    second_phone_fixture,
    sign_in,
    y4m_of,
)


def test_wrong_password_is_shown_in_chinese(phone):
    phone.goto("/pwa/")
    doc_shot(phone, "pwa-login")
    phone.get_by_label("用户名").fill("attendant_a")
    phone.get_by_label("密码").fill("not-the-password1")
    phone.get_by_role("button", name="登录").click()
    expect(phone.locator("#login-error")).to_have_text("用户名或密码错误")


def test_chain_admin_is_refused_with_a_clear_message(phone):
    phone.goto("/pwa/")
    phone.get_by_label("用户名").fill("admin")
    phone.get_by_label("密码").fill("Jiayou2026")
    phone.get_by_role("button", name="登录").click()
    expect(phone.locator("#login-error")).to_contain_text("总部管理员请使用管理后台")
    expect(phone.get_by_role("heading", name="加油员登录")).to_be_visible()


def test_enter_code_key_litres_confirm_and_a_second_confirm_is_refused(phone, world):
    order, token = paid(world, nozzle=1, mode="amount", amount_fen=20000, plate="云A23456")
    sign_in(phone)
    expect(phone.locator("#who")).to_have_text("attendant_a")
    expect(phone.locator("#station-name")).to_have_text("昆明北京路加油站")

    open_by_code(phone, token)
    facts = phone.locator("#order-facts")
    expect(facts).to_contain_text("车牌云A23456")
    expect(facts).to_contain_text("92#汽油")
    expect(facts).to_contain_text("1 号枪")
    expect(facts).to_contain_text("¥200.00")
    expect(phone.locator("#verified")).to_be_visible()  # the code itself opened it

    key_in(phone, "20.05")
    expect(phone.locator("#litres")).to_have_text("20.05")
    # 20.05 L at 7.48 元 = 149.97 元; 50.03 元 goes back to the driver. Online: the server's.
    preview = phone.locator("#preview")
    expect(preview).to_contain_text("加油金额 ¥149.97")
    expect(preview).not_to_contain_text("预计")
    expect(preview).to_contain_text("退还司机 ¥50.03")
    confirm = phone.get_by_role("button", name="确认加油")
    expect(confirm).to_be_enabled()
    assert_touch_targets(phone, "#keypad button, #confirm, #cancel-order, #logout")
    doc_shot(phone, "pwa-confirm")
    confirm.click()
    expect(phone.get_by_role("heading", name="加油已确认")).to_be_visible()

    fueled = reload(order)
    assert (fueled.status, fueled.dispensed_ml) == ("fueled", 20050)
    assert fueled.confirmation_id  # the handheld's own idempotency key

    phone.get_by_role("button", name="下一单").click()
    phone.get_by_label("或手动输入取油码").fill(token)
    phone.get_by_role("button", name="查询订单").click()
    expect(phone.locator("#code-error")).to_contain_text("已使用")


def test_more_than_paid_is_refused_before_sending(phone, world):
    order, token = paid(world, mode="amount", amount_fen=10000)
    sign_in(phone)
    open_by_code(phone, token)
    key_in(phone, "20")  # 149.60 元 > 100 元
    expect(phone.locator("#order-error")).to_contain_text("超过已付 100.00 元")
    expect(phone.get_by_role("button", name="确认加油")).to_be_disabled()
    assert reload(order).status == "paid"


def test_sign_out(phone):
    sign_in(phone)
    phone.get_by_role("button", name="退出").click()
    expect(phone.get_by_role("heading", name="加油员登录")).to_be_visible()
    status = phone.evaluate("fetch('/attendant/api/me').then(r => r.status)")
    assert status == 401


def test_two_handhelds_confirm_the_same_code_and_the_second_is_told_it_is_used(
    phone, second_phone, world
):
    order, token = paid(world, mode="fill_up")
    for tab in (phone, second_phone):
        sign_in(tab)
        open_by_code(tab, token)
        expect(tab.locator("#order-facts")).to_contain_text("加满")
        key_in(tab, "10")
        expect(tab.locator("#preview")).to_contain_text("加油金额 ¥74.80")  # the server's
        expect(tab.locator("#preview")).not_to_contain_text("预计")
        expect(tab.get_by_role("button", name="确认加油")).to_be_enabled()
    # The second handheld has not heard of the first confirmation (its live feed stopped, as
    # on a slow network): the server refuses its own.
    second_phone.evaluate("Jiayou.stopLive()")
    phone.get_by_role("button", name="确认加油").click()
    expect(phone.get_by_role("heading", name="加油已确认")).to_be_visible()
    second_phone.get_by_role("button", name="确认加油").click()
    expect(second_phone.locator("#order-error")).to_contain_text("已使用")
    expect(second_phone.get_by_role("button", name="确认加油")).to_be_disabled()
    fueled = reload(order)
    assert (fueled.status, fueled.dispensed_ml) == ("fueled", 10000)
    db.session.expire_all()
    confirmations = db.session.query(AuditLog).filter_by(action="order.fueled", entity_id=order.id)
    assert confirmations.count() == 1


def test_the_camera_scans_the_drivers_qr_and_opens_the_order(browser, live_server, world, tmp_path):
    order, token = paid(world, fuel="95", nozzle=2, mode="amount", amount_fen=10000)
    video = y4m_of(token, tmp_path / "qr.y4m")
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        tabs = phone_tab(camera_browser, live_server, permissions=["camera"])
        tab = next(tabs)
        sign_in(tab)
        tab.get_by_role("button", name="扫描二维码").click()
        expect(tab.get_by_role("heading", name="核对订单")).to_be_visible()
        facts = tab.locator("#order-facts")
        expect(facts).to_contain_text(order.order_no)
        expect(facts).to_contain_text("2 号枪")
        expect(facts).to_contain_text("¥100.00")
        assert tab.evaluate("document.getElementById('home-video').srcObject") is None
        next(tabs, None)
    finally:
        camera_browser.close()


def test_an_order_confirmed_on_another_handheld_is_shown_at_once(phone, second_phone, world):
    order, token = paid(world, nozzle=1, mode="amount", amount_fen=20000)
    for tab in (phone, second_phone):
        sign_in(tab)
        open_by_code(tab, token)
        key_in(tab, "10")
        expect(tab.get_by_role("button", name="确认加油")).to_be_enabled()
    phone.get_by_role("button", name="确认加油").click()
    expect(phone.get_by_role("heading", name="加油已确认")).to_be_visible()
    # From the live feed, before the second attendant touches anything.
    expect(second_phone.locator("#order-gone")).to_contain_text("已在其他手持机确认加油")
    expect(second_phone.get_by_role("button", name="确认加油")).to_be_disabled()
    expect(phone.locator("#order-gone")).to_have_text("")  # its own confirmation is no news
    assert reload(order).status == "fueled"

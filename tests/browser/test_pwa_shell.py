"""The attendant PWA in real Chromium: manifest, service worker, offline shell, code -> confirm."""

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from app.extensions import db
from app.services import pickup
from tests.attendant.conftest import paid_order, reload
from tests.browser.conftest import CHROMIUM, shot, watched_tab
from tests.factories import PASSWORD, make_member
from tests.money.helpers import credit_wallet


@pytest.fixture
def phone(browser, live_server, world):
    """A phone-sized tab (360 x 640, touch, zh-CN) on the live server, failing on JS errors."""
    yield from phone_tab(browser, live_server)


@pytest.fixture
def second_phone(browser, live_server, world):
    """Another handheld: its own context, cookies and session."""
    yield from phone_tab(browser, live_server)


def phone_tab(browser, live_server, **options):
    yield from watched_tab(
        browser,
        live_server,
        viewport={"width": 360, "height": 640},
        is_mobile=True,
        has_touch=True,
        timezone_id="Asia/Shanghai",
        **options,
    )


def y4m_of(token: str, path: Path) -> Path:
    """A fake camera video (Y4M, 640 x 480 greyscale) showing the pickup QR the driver sees."""
    qr = Image.open(io.BytesIO(pickup.qr_png(token))).convert("L")
    qr = qr.resize((400, 400), Image.NEAREST)
    canvas = Image.new("L", (640, 480), 255)
    canvas.paste(qr, (120, 40))
    y, uv = canvas.tobytes(), bytes([128]) * (320 * 240)
    with open(path, "wb") as f:
        f.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(10):
            f.write(b"FRAME\n" + y + uv + uv)
    return path


def paid(world, **how):
    member = make_member(world.chain, openid=how.pop("openid", "o-test-driver"))
    credit_wallet(member, 100_000)
    db.session.commit()
    order, token = paid_order(world, member, **how)
    db.session.commit()
    return order, token


def wait_for_control(tab) -> None:
    tab.evaluate("navigator.serviceWorker.ready.then(() => true)")
    tab.reload()
    tab.wait_for_function("navigator.serviceWorker.controller !== null")


def sign_in(tab, username="attendant_a"):
    tab.goto("/pwa/")
    tab.get_by_label("用户名").fill(username)
    tab.get_by_label("密码").fill(PASSWORD)
    tab.get_by_role("button", name="登录").click()
    expect(tab.locator("#screen-code")).to_be_visible()


def key_in(tab, litres: str) -> None:
    for key in litres:
        tab.locator(f'#keypad button[data-key="{key}"]').click()


def test_manifest_is_valid_and_icons_load(phone, live_server):
    answer = phone.request.get("/pwa/manifest.webmanifest")
    assert answer.ok
    assert answer.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(answer.text())
    assert manifest["name"] == "加油员助手" and manifest["short_name"]
    assert manifest["start_url"] == "/pwa/" and manifest["scope"] == "/pwa/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#") and manifest["background_color"]
    sizes = {icon["sizes"]: icon for icon in manifest["icons"]}
    assert set(sizes) >= {"192x192", "512x512"}
    phone.goto("/pwa/")
    for size, icon in sizes.items():
        width = int(size.split("x")[0])
        natural = phone.evaluate(
            """src => new Promise((ok, fail) => {
                const img = new Image();
                img.onload = () => ok([img.naturalWidth, img.naturalHeight]);
                img.onerror = () => fail(new Error("icon did not load: " + src));
                img.src = src;
            })""",
            icon["src"],
        )
        assert natural == [width, width]
    assert phone.evaluate(
        "document.querySelector('link[rel=manifest]').href.endsWith('/pwa/manifest.webmanifest')"
    )


def test_service_worker_headers(phone):
    answer = phone.request.get("/pwa/sw.js")
    assert answer.ok
    assert answer.headers["service-worker-allowed"] == "/pwa/"
    assert "no-cache" in answer.headers["cache-control"]
    assert "javascript" in answer.headers["content-type"]


def test_service_worker_controls_the_page_and_the_shell_loads_offline(phone):
    phone.goto("/pwa/")
    wait_for_control(phone)
    scope = phone.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope.endswith("/pwa/")
    cdp = phone.context.new_cdp_session(phone)
    # Chromium's own installability check; a Playwright context is always incognito.
    problems = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [p["errorId"] for p in problems if p["errorId"] != "in-incognito"] == []
    assert cdp.send("Page.getAppManifest")["errors"] == []
    caches = phone.evaluate("caches.keys()")
    assert any(name.startswith("jiayou-pwa-") for name in caches)
    phone.context.set_offline(True)
    try:
        phone.reload()
        expect(phone.get_by_role("heading", name="加油员登录")).to_be_visible()
        expect(phone.get_by_role("button", name="登录")).to_be_visible()
        # The API is never answered from the cache.
        status = phone.evaluate(
            "fetch('/attendant/api/me').then(r => r.status, () => 'network-error')"
        )
        assert status == "network-error"
    finally:
        phone.context.set_offline(False)


def test_wrong_password_is_shown_in_chinese(phone):
    phone.goto("/pwa/")
    phone.get_by_label("用户名").fill("attendant_a")
    phone.get_by_label("密码").fill("not-the-password1")
    phone.get_by_role("button", name="登录").click()
    expect(phone.locator("#login-error")).to_have_text("用户名或密码错误")


def test_enter_code_key_litres_confirm_and_a_second_confirm_is_refused(phone, world):
    order, token = paid(world, nozzle=1, mode="amount", amount_fen=20000)

    phone.goto("/pwa/")
    shot(phone, "pwa-login")
    sign_in(phone)
    expect(phone.locator("#who")).to_contain_text("昆明北京路加油站")

    phone.get_by_label("或手动输入取油码").fill(token)
    phone.get_by_role("button", name="查询订单").click()
    facts = phone.locator("#order-facts")
    expect(facts).to_contain_text("昆明北京路加油站")
    expect(facts).to_contain_text("92#汽油")
    expect(facts).to_contain_text("1 号枪")
    expect(facts).to_contain_text("¥200.00")

    key_in(phone, "20.05")
    expect(phone.locator("#litres")).to_have_text("20.05")
    # 20.05 L at 7.48 元 = 149.97 元; 50.03 元 goes back to the driver.
    expect(phone.locator("#preview")).to_contain_text("¥149.97")
    expect(phone.locator("#preview")).to_contain_text("退还司机 ¥50.03")
    confirm = phone.get_by_role("button", name="确认加油")
    expect(confirm).to_be_enabled()
    for button in phone.locator("#keypad button, #confirm").all():
        box = button.bounding_box()
        assert box["height"] >= 48 and box["width"] >= 48
    shot(phone, "pwa-confirm")
    confirm.click()
    expect(phone.get_by_role("heading", name="加油已确认")).to_be_visible()

    fueled = reload(order)
    assert (fueled.status, fueled.dispensed_ml) == ("fueled", 20050)

    # The same code again: the server refuses it and the page says so in Chinese.
    phone.get_by_role("button", name="下一单").click()
    phone.get_by_label("或手动输入取油码").fill(token)
    phone.get_by_role("button", name="查询订单").click()
    expect(phone.locator("#code-error")).to_contain_text("已使用")


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
        tab.get_by_label("或手动输入取油码").fill(token)
        tab.get_by_role("button", name="查询订单").click()
        expect(tab.locator("#order-facts")).to_contain_text("加满")
        key_in(tab, "10")
        expect(tab.get_by_role("button", name="确认加油")).to_be_enabled()
    phone.get_by_role("button", name="确认加油").click()
    expect(phone.get_by_role("heading", name="加油已确认")).to_be_visible()
    second_phone.get_by_role("button", name="确认加油").click()
    expect(second_phone.locator("#order-error")).to_contain_text("已使用")
    expect(second_phone.get_by_role("button", name="确认加油")).to_be_disabled()
    fueled = reload(order)
    assert (fueled.status, fueled.dispensed_ml) == ("fueled", 10000)


def test_the_camera_scans_the_drivers_qr_and_opens_the_order(browser, live_server, world, tmp_path):
    order, token = paid(world, fuel="95", nozzle=2, mode="amount", amount_fen=10000)
    video = y4m_of(token, tmp_path / "qr.y4m")
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
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
        assert tab.evaluate("document.getElementById('video').srcObject") is None
        next(tabs, None)
    finally:
        camera_browser.close()

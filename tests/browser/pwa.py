"""Helpers for the handheld's browser tests: phone-sized tabs, paid orders, signing in."""

import io
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from flask import current_app
from PIL import Image
from playwright.sync_api import expect

from app.extensions import db
from app.services.orders import pickup
from tests.attendant.conftest import paid_order
from tests.browser.conftest import shot, watched_tab
from tests.factories import PASSWORD, make_member
from tests.money.helpers import credit_wallet

DOCS = Path(__file__).resolve().parents[2] / "docs"


def drain(timeout_s: float = 5.0) -> None:
    """Wait until the live server has no request running: a long poll outlives its closed tab,
    and emptying the tables under it can deadlock."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(
        "process_request_thread" in t.name for t in threading.enumerate()
    ):
        time.sleep(0.05)


def phone_tab(browser, live_server, **options):
    """A phone-sized tab (360 x 640, touch, zh-CN), failing the test on JS or CSP errors."""
    # Short long polls (the client polls again at once), so a closed tab's poll ends soon.
    usual_wait, current_app.config["LIVE_WAIT_MAX_S"] = current_app.config["LIVE_WAIT_MAX_S"], 1
    try:
        yield from watched_tab(
            browser,
            live_server,
            viewport={"width": 360, "height": 640},
            is_mobile=True,
            has_touch=True,
            timezone_id="Asia/Shanghai",
            **options,
        )
    finally:
        drain()
        current_app.config["LIVE_WAIT_MAX_S"] = usual_wait


@pytest.fixture(name="phone")
def phone_fixture(browser, live_server, world):
    yield from phone_tab(browser, live_server)


@pytest.fixture(name="second_phone")
def second_phone_fixture(browser, live_server, world):
    """Another handheld: its own context, cookies, IndexedDB and session."""
    yield from phone_tab(browser, live_server)


def doc_shot(page, name: str) -> Path:
    """A screenshot in test-artifacts/; copied over docs/<name>.png only when asked for with
    UPDATE_DOCS_SCREENSHOTS=1 (so test runs never rewrite tracked files)."""
    path = shot(page, name)
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        shutil.copy(path, DOCS / f"{name}.png")
    return path


_drivers = iter(range(1, 10_000))


def paid(world, **how):
    """A paid order of station A (a new driver each time) and its pickup token."""
    member = make_member(world.chain, openid=f"o-test-driver-{next(_drivers)}")
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
    expect(tab.locator("#screen-home")).to_be_visible()


def row_of(tab, order):
    return tab.locator(f'.order-row[data-order-id="{order.id}"]')


def open_by_code(tab, token: str) -> None:
    tab.get_by_label("或手动输入取油码").fill(token)
    tab.get_by_role("button", name="查询订单").click()
    expect(tab.get_by_role("heading", name="核对订单")).to_be_visible()


def key_in(tab, litres: str) -> None:
    for key in litres:
        tab.locator(f'#keypad button[data-key="{key}"]').click()


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


def assert_touch_targets(tab, selector: str) -> None:
    """Every visible control matched is at least 48 x 48 CSS pixels."""
    boxes = tab.eval_on_selector_all(
        selector,
        """els => els.filter(e => e.offsetParent !== null).map(e => {
            const r = e.getBoundingClientRect();
            return {id: e.id || e.className, width: r.width, height: r.height};
        })""",
    )
    assert boxes
    small = [b for b in boxes if b["height"] < 48 or b["width"] < 48]
    assert not small, small

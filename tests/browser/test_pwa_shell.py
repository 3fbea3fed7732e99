"""The handheld's shell in Chromium: manifest, service worker, offline start, update prompt."""

import json
import re
import shutil
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.pwa import phone_fixture, wait_for_control  # noqa: F401  (fixtures)

PWA = Path(__file__).resolve().parents[2] / "pwa"


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


def test_service_worker_headers(phone):
    answer = phone.request.get("/pwa/sw.js")
    assert answer.ok
    assert answer.headers["service-worker-allowed"] == "/pwa/"
    assert "no-cache" in answer.headers["cache-control"]
    assert "javascript" in answer.headers["content-type"]


def test_every_file_the_page_loads_is_precached():
    html = (PWA / "index.html").read_text()
    loaded = set(re.findall(r'(?:src|href)="(/pwa/[^"]+)"', html))
    shell = set(re.findall(r'"(/pwa/[^"]*)"', (PWA / "sw.js").read_text()))
    assert loaded <= shell, loaded - shell
    assert all((PWA / p.removeprefix("/pwa/")).is_file() for p in shell if p != "/pwa/")


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
        # The API is never answered from the cache.
        status = phone.evaluate(
            "fetch('/attendant/api/me').then(r => r.status, () => 'network-error')"
        )
        assert status == "network-error"
    finally:
        phone.context.set_offline(False)


def test_a_new_version_waits_for_the_attendant_to_tap_update(phone, app, tmp_path):
    served = tmp_path / "pwa"
    shutil.copytree(PWA, served)
    app.config["PWA_ROOT"] = str(served)
    try:
        phone.goto("/pwa/")
        wait_for_control(phone)
        old = phone.evaluate("caches.keys()")
        sw = served / "sw.js"
        sw.write_text(re.sub(r'"jiayou-pwa-v\d+"', '"jiayou-pwa-next"', sw.read_text()))
        phone.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        banner = phone.get_by_role("button", name="有新版本，点击更新")
        expect(banner).to_be_visible()
        # Until the tap, the old version keeps serving.
        assert phone.evaluate("navigator.serviceWorker.getRegistration().then(r => !!r.waiting)")
        with phone.expect_event("load"):
            banner.click()
        phone.wait_for_function(
            "caches.keys().then(k => k.length === 1 && k[0] === 'jiayou-pwa-next')"
        )
        assert phone.evaluate("caches.keys()") != old
        expect(phone.get_by_role("button", name="有新版本，点击更新")).to_be_hidden()
    finally:
        app.config.pop("PWA_ROOT", None)

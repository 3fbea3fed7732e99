"""The screenshot step of `make miniprogram-screens`: every HTML page that the node step wrote
into miniprogram/screens/build/ (listed in its index.json), shot in headless Chromium as a
375x667 phone at device scale factor 2, into docs/miniprogram/<name>.png."""

import json
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
BUILD = HERE / "build"
OUT = HERE.parent.parent / "docs" / "miniprogram"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def main(names: list[str]) -> None:
    index = json.loads((BUILD / "index.json").read_text(encoding="utf-8"))
    shots = [s for s in index if not names or s["name"] in names]
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(
            viewport={"width": 375, "height": 667},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        # The pages are self-contained: nothing may come from the network.
        context.route("http*://**/*", lambda route: route.abort())
        page = context.new_page()
        for shot in shots:
            page.goto((BUILD / shot["html"]).as_uri())
            page.evaluate("document.fonts.ready")
            page.wait_for_function("Array.from(document.images).every((i) => i.complete)")
            target = OUT / f"{shot['name']}.png"
            page.screenshot(path=str(target))
            print(target.relative_to(HERE.parent.parent))
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])

"""订单退款 in Chromium: drivers' refund requests from the mini-program wait beside the counter's,
counted in the menu; the manager approves one (the money back to the wallet) and rejects
another with a reason; axe and the phone width pass on the queue."""

import re

from playwright.sync_api import expect

from app.extensions import db
from app.models import CounterRefundRequest
from app.services import ledger
from app.services.payments import driver_refunds
from tests.browser import axe
from tests.browser.conftest import login, shot
from tests.browser.pwa import doc_shot
from tests.browser.screens import check
from tests.console.member_helpers import driver
from tests.money.helpers import credit_wallet
from tests.money.tier_helpers import settled_order


def test_manager_decides_drivers_refund_requests(page, world):
    wang = driver(world, "王师傅", "13912345678", ("云A88888",))
    credit_wallet(wang, 100_000)
    short = driver_refunds.request_refund(
        wang,
        settled_order(world, wang).id,
        3000,
        "short_fuel",
        "油机显示20升，实际只加了约16升",
    )
    quality = driver_refunds.request_refund(
        wang, settled_order(world, wang).id, 5000, "fuel_quality", "加油后发动机抖动"
    )
    before = ledger.wallet_balance(wang.id)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))

    axe.enable(page)
    login(page, "manager_a")
    link = page.locator(".sidebar").get_by_role("link", name=re.compile("订单退款"))
    expect(link.locator("#nav-order-refunds-count")).to_have_text(re.compile(r"^2"))
    link.click()
    expect(page.locator("h1")).to_have_text("订单退款")
    first = page.locator(f"#counter-refund-{short.id}")
    for text in ("车主申请", "¥30.00", "王师傅", "139****5678", "未加到油或加油量不符：油机显示"):
        expect(first).to_contain_text(text)
    doc_shot(page, "driver-refund-queue")  # docs/driver-refund-queue.png when asked for
    check(page, "driver-refund-queue")

    first.get_by_role("button", name="同意退款").click()
    expect(page.locator("#flash")).to_contain_text("已同意车主申请的退款 30.00 元")
    assert dialogs[-1].startswith("确认同意车主的退款 30.00 元")
    expect(first).to_contain_text("已退款")
    expect(page.locator("#nav-order-refunds-count")).to_have_text(re.compile(r"^1"))

    second = page.locator(f"#counter-refund-{quality.id}")
    second.get_by_text("驳回…").click()
    second.get_by_label("驳回原因").fill("同批次油品检测合格，请到店协商")
    second.get_by_role("button", name="确认驳回").click()
    expect(page.locator("#flash")).to_contain_text("已驳回退款 50.00 元")
    expect(second).to_contain_text("同批次油品检测合格，请到店协商")
    expect(page.locator("#nav-order-refunds-count")).to_be_hidden()
    shot(page, "driver-refund-decided")

    db.session.expire_all()
    assert ledger.wallet_balance(wang.id) == before + 3000
    assert db.session.get(CounterRefundRequest, quality.id).status == "rejected"
    assert ledger.check() == []

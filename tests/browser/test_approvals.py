"""审核 in Chromium: a manager sees the count in the menu, approves one counter top-up and
rejects another with a reason; the wallet moves for the approved one only."""

import re
import shutil
import tempfile
from pathlib import Path

from playwright.sync_api import expect

from app.extensions import db
from app.models import Topup
from app.services import ledger
from tests.browser.conftest import login, shot
from tests.console.member_helpers import driver, package, pending


def keep(path, name: str) -> None:
    """A copy of the screenshot in /tmp as well, to look at after the run."""
    shutil.copy(path, Path(tempfile.gettempdir()) / f"{name}.png")


def test_manager_approves_one_topup_and_rejects_another(page, world):
    zhang = driver(world, "张师傅", "13812345678", ("云A12345",))
    li = driver(world, "李姐", "13987655678")
    offer = package(world, 50000, 3000)
    cash = pending(world, zhang, None, package_id=offer.id, note="车队月充")
    card = pending(world, li, 20000, "pos")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))

    login(page, "manager_a")
    link = page.locator(".sidebar").get_by_role("link", name=re.compile("审核"))
    expect(link.locator("#nav-approvals-count")).to_have_text(re.compile(r"^2"))
    link.click()
    expect(page.locator("h1")).to_have_text("审核")
    cards = page.locator("article.approval")
    expect(cards).to_have_count(2)
    cash_card, pos_card = page.locator(f"#topup-{cash.id}"), page.locator(f"#topup-{card.id}")
    expect(cash_card).to_contain_text("¥500.00")
    expect(cash_card).to_contain_text("赠送 ¥30.00")
    expect(cash_card).to_contain_text("138****5678")
    expect(pos_card).to_contain_text("POS-889901")
    keep(shot(page, "approvals-queue"), "approvals-queue")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing wider than it
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    keep(shot(page, "approvals-queue-390"), "approvals-queue-390")
    page.set_viewport_size({"width": 1366, "height": 860})

    cash_card.get_by_role("button", name="审核通过").click()
    expect(page.locator("#flash")).to_contain_text(
        "已审核通过：500.00 元已充入会员钱包，赠送金 30.00 元"
    )
    assert dialogs[-1].startswith("确认已核对现金，审核通过 500.00 元")
    expect(cards).to_have_count(1)
    expect(page.locator("#nav-approvals-count")).to_have_text(re.compile(r"^1"))

    pos_card.get_by_text("驳回…").click()
    pos_card.get_by_role("button", name="确认驳回").click()
    expect(pos_card.locator(".field-error")).to_have_text("请填写驳回原因")
    keep(shot(page, "approvals-reject-error"), "approvals-reject-error")
    pos_card.get_by_label("驳回原因").fill("签购单金额是 2000 元，请重新核对")
    pos_card.get_by_role("button", name="确认驳回").click()
    expect(page.locator("#flash")).to_contain_text("已驳回充值 200.00 元")
    expect(page.locator("#topup-queue .empty-state")).to_contain_text("暂无待审核的柜台充值")
    expect(page.locator("#nav-approvals-count")).to_be_hidden()
    keep(shot(page, "approvals-done"), "approvals-done")

    db.session.expire_all()
    assert ledger.wallet_balance(zhang.id) == 53000 and ledger.wallet_balance(li.id) == 0
    assert db.session.get(Topup, card.id).reject_reason == "签购单金额是 2000 元，请重新核对"
    assert ledger.check() == []


def test_cashier_records_a_topup_on_the_member_page(page, world):
    zhang = driver(world, "张师傅", "13812345678", ("云A12345",))
    login(page, "cashier_a")
    page.locator(".sidebar").get_by_role("link", name="会员").click()
    page.get_by_label("查找会员").fill("云A12345")
    page.get_by_role("button", name="查找").click()
    expect(page.locator("#member-results")).to_contain_text("138****5678")
    keep(shot(page, "members-search"), "members-search")
    page.get_by_role("link", name="张师傅").click()
    expect(page.locator("h1")).to_contain_text("张师傅")
    page.on("dialog", lambda dialog: dialog.accept())
    form = page.locator("#topup-form")
    form.get_by_label("银行卡").check()
    form.get_by_label("充值金额（元）").fill("300")
    form.get_by_role("button", name="提交充值申请").click()
    expect(form.locator(".field-error")).to_contain_text("POS 签购单上的参考号")
    form.get_by_label("POS 参考号").fill("889901")
    form.get_by_role("button", name="提交充值申请").click()
    expect(page.locator("#flash")).to_contain_text("已提交柜台充值 300.00 元")
    expect(page.locator("#member-topups")).to_contain_text("待审核")
    keep(shot(page, "member-page-cashier"), "member-page-cashier")
    assert db.session.scalar(db.select(db.func.count(Topup.id))) == 1
    assert ledger.wallet_balance(zhang.id) == 0
    assert ledger.check() == []


def test_member_pages_and_queue_pass_axe_at_desktop_and_phone_width(page, world):
    """axe's WCAG A/AA rules, nothing sideways and no broken word at 390 px."""
    from tests.browser import axe
    from tests.browser.screens import check
    from tests.money.helpers import credit_wallet

    axe.enable(page)
    zhang = driver(world, "张师傅", "13812345678", ("云A12345", "云AD54321"))
    credit_wallet(zhang, 12345)
    offer = package(world, 50000, 3000)
    pending(world, zhang, None, package_id=offer.id, note="车队月充")
    pending(world, zhang, 20000, "pos")
    login(page, "manager_a")
    page.goto("/console/members?q=5678")
    check(page, "members-search")
    page.goto(f"/console/members/{zhang.id}")
    check(page, "member-page")
    page.get_by_text("冻结钱包…").click()
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="确认冻结").click()
    expect(page.locator("#wallet .field-error")).to_have_text("请填写冻结原因")
    check(page, "member-freeze-error")
    page.goto("/console/approvals")
    check(page, "approvals")
    assert ledger.check() == []


def test_packages_page_and_refund_requests_pass_axe(page, world):
    """The 充值套餐 page and the queue's refund requests section."""
    from app.services.members import topup_refunds
    from tests.browser import axe
    from tests.browser.screens import check
    from tests.money import topup_helpers as helpers

    axe.enable(page)
    zhang = driver(world, "张师傅", "13812345678")
    topup = helpers.credited_topup(zhang, world.station_a)
    topup_refunds.request_refund(zhang, topup.id, "搬家了，不在本地加油")
    pending(world, driver(world, "李姐", "13987655678"), 20000, "pos")
    package(world, 50000, 3000)
    package(world, 100000, 8000, station=world.station_a)
    login(page, "manager_a")
    page.locator(".sidebar").get_by_role("link", name=re.compile("审核")).click()
    expect(page.locator("#nav-approvals-count")).to_have_text(re.compile(r"^2"))
    expect(page.locator("#refund-requests")).to_contain_text("可退 ¥500.00")
    check(page, "approvals-both")
    keep(shot(page, "approvals-both"), "approvals-both")
    page.locator(".sidebar").get_by_role("link", name="充值套餐").click()
    expect(page.locator("#package-table")).to_contain_text("仅总部可改")
    page.get_by_role("button", name="新建套餐").click()
    expect(page.locator("#package-form .field-error").first).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar over the side bar is not a11y's
    check(page, "packages")
    keep(shot(page, "packages"), "packages")
    assert ledger.check() == []

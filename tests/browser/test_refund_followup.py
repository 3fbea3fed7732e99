"""待处理退款 in Chromium: a manager re-issues a CLOSED WeChat refund and pays an ABNORMAL one
into the driver's wallet, both refunds played through the fake WeChat Pay."""

import re

from playwright.sync_api import expect

from app.extensions import db
from app.models import Refund
from app.services import ledger
from tests.browser.conftest import login, shot
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, run_jobs
from tests.money.refund_helpers import owed_refund_at_wechat, wait_for


def test_manager_follows_up_refunds_wechat_did_not_pay_out(page, world, sandbox):
    driver = make_member(world.chain)
    driver.nickname, driver.phone = "张师傅", "13800001234"
    db.session.commit()
    closed = owed_refund_at_wechat(sandbox, driver, world.station_a, "CLOSED")
    abnormal = owed_refund_at_wechat(sandbox, driver, world.station_a, "ABNORMAL")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))

    login(page, "manager_a")
    link = page.locator(".sidebar").get_by_role("link", name=re.compile("待处理退款"))
    expect(link.locator("#nav-refunds-count")).to_have_text(re.compile(r"^2"))
    link.click()
    expect(page.locator("h1")).to_have_text("待处理退款")
    cards = page.locator("article.owed")
    expect(cards).to_have_count(2)
    closed_card, abnormal_card = (
        page.locator(f"#refund-{closed.id}"),
        page.locator(f"#refund-{abnormal.id}"),
    )
    expect(closed_card).to_contain_text("退款关闭")
    expect(closed_card).to_contain_text("张师傅")
    expect(closed_card).to_contain_text("¥200.00")
    expect(abnormal_card).to_contain_text("退款异常")
    expect(abnormal_card.get_by_role("button", name="重新发起微信退款")).to_have_count(0)
    shot(page, "refunds-list")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing wider than it
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "refunds-list-390")
    page.set_viewport_size({"width": 1366, "height": 860})

    closed_card.get_by_role("button", name="重新发起微信退款").click()
    expect(page.locator("#flash")).to_contain_text("已重新向微信发起退款 200.00 元")
    assert dialogs[-1].startswith("确认重新向微信发起退款 200.00 元")
    expect(cards).to_have_count(1)
    expect(page.locator("#nav-refunds-count")).to_have_text(re.compile(r"^1"))

    abnormal_card.get_by_text("退回车主钱包…").click()
    abnormal_card.get_by_role("button", name="确认退回钱包").click()
    expect(abnormal_card.locator(".field-error")).to_have_text(
        ["请选择车主同意的方式", re.compile("请写明与车主沟通的情况")]
    )
    shot(page, "refunds-wallet-errors")
    assert ledger.wallet_balance(driver.id) == 0

    abnormal_card.get_by_label("电话联系").check()
    abnormal_card.get_by_label("沟通说明").fill("14:20 电话联系张师傅，同意退回钱包")
    abnormal_card.get_by_role("button", name="确认退回钱包").click()
    expect(page.locator("#flash")).to_contain_text("已将 200.00 元退回车主钱包")
    assert dialogs[-1].startswith("确认将 200.00 元退回车主钱包")
    expect(page.locator(".empty-state")).to_contain_text("暂无待处理退款")
    expect(page.locator("#nav-refunds-count")).to_be_hidden()
    shot(page, "refunds-done")

    db.session.expire_all()
    assert ledger.wallet_balance(driver.id) == 20000
    run_jobs()  # the re-issued refund goes to WeChat, which pays it this time
    reissued = db.session.scalars(
        db.select(Refund).where(Refund.order_id == closed.order_id, Refund.id != closed.id)
    ).one()
    assert wait_for(lambda: db.session.get(Refund, reissued.id).status == "SUCCESS")
    assert_ledger_ok()

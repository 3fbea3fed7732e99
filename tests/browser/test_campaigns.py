"""活动 in a real browser: head office makes a weekly members' day for 金卡 on 92#, sees the
form's mistakes named in Chinese, activates it; a driver's order gets it; the list and the
report (with its Excel link) show it. Every screen passes axe at 1280 and 390 px
(tests/browser/screens)."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models.base import utcnow
from tests.browser import axe
from tests.browser.conftest import login
from tests.browser.screens import check
from tests.marketing.campaign_helpers import active_campaign
from tests.marketing.checkout_helpers import fuel, paid, settle, wallet_member
from tests.marketing.test_campaigns_console import local
from tests.money.helpers import assert_ledger_ok
from tests.money.tier_helpers import add_tier


@pytest.fixture
def tab(page):
    axe.enable(page)
    return page


@pytest.mark.travel(weekday=2, hour=10)  # a Wednesday morning
def test_head_office_runs_a_members_day(tab, world):
    add_tier(world, "金卡", 10_000, {"92": 8})
    active_campaign(world.admin, "spend_off", name="大理满减", scope="cities", cities=["大理"])
    login(tab, "admin")
    tab.get_by_role("link", name="活动", exact=True).click()
    expect(tab.get_by_role("heading", name="活动", exact=True)).to_be_visible()
    expect(tab.locator("#campaigns")).to_contain_text("大理满减")
    check(tab, "campaigns")

    tab.get_by_role("link", name="新建活动").click()
    form = tab.locator("#campaign-form")
    form.get_by_label("活动名称").fill("周三会员日")
    form.get_by_label("会员日", exact=True).check()
    form.get_by_label("每升直降（元/升）").fill("9")
    form.get_by_label("周三").check()
    form.get_by_label("活动开始（北京时间）").fill("2019-01-01T00:00")
    form.get_by_label("活动结束（北京时间，不含）").fill("2019-01-01T00:00")
    form.get_by_role("button", name="保存为草稿").click()
    expect(tab.locator("#campaign-form")).to_contain_text("每升直降应在 0.01 元到 5 元之间")
    expect(tab.locator("#campaign-form")).to_contain_text("结束时间应晚于开始时间")
    check(tab, "campaign-errors")

    form = tab.locator("#campaign-form")
    form.get_by_label("每升直降（元/升）").fill("0.30")
    now = utcnow()
    form.get_by_label("活动开始（北京时间）").fill(local(now - timedelta(hours=1)))
    form.get_by_label("活动结束（北京时间，不含）").fill(local(now + timedelta(days=30)))
    form.get_by_label("全部油站").check()
    form.get_by_label("92#汽油").check()
    form.get_by_label("金卡").check()
    form.get_by_role("button", name="保存为草稿").click()
    expect(tab.locator(".flash-success")).to_contain_text("已保存活动「周三会员日」（草稿）")
    check(tab, "campaign-edit")
    tab.get_by_role("button", name="启用活动").click()
    expect(tab.locator(".flash-success")).to_contain_text("已启用活动「周三会员日」")
    expect(tab.locator("main")).to_contain_text("会员每升直降0.30元 · 每周三 全天，限金卡")

    member = wallet_member(world)
    db.session.execute(
        db.text("UPDATE member SET tier_id = (SELECT id FROM tier LIMIT 1) WHERE id = :m"),
        {"m": member.id},
    )
    db.session.commit()
    # 30.00 L at 7.48 - 0.08 - 0.30 = 7.10 元/L: the day saved 30 x 0.30 = 9.00 元.
    settle(
        fuel(world, paid(world, member, mode="volume", amount_fen=None, volume_ml=30_000), 30_000)
    )
    tab.reload()
    expect(tab.locator("#report-total")).to_contain_text("9.00")
    expect(tab.get_by_role("link", name="导出 Excel")).to_be_visible()
    check(tab, "campaign-report")
    assert_ledger_ok()

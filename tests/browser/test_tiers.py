"""会员等级 in a real browser: the chain admin adds, edits and deletes a tier and switches the
metric; the manager reads. Every screen passes axe at 1280 and 390 px (tests/browser/screens)."""

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Chain
from tests.browser import axe
from tests.browser.conftest import login
from tests.browser.screens import check
from tests.money.tier_helpers import add_tier


@pytest.fixture
def tab(page):
    axe.enable(page)
    return page


def test_the_chain_admin_manages_tiers(tab, world):
    add_tier(world, "银卡", 200_000, {"92": 5})
    login(tab, "admin")
    tab.get_by_role("link", name="会员等级").click()
    expect(tab.get_by_role("heading", name="会员等级", exact=True)).to_be_visible()
    check(tab, "tiers-admin")

    form = tab.locator("#tier-form")
    form.get_by_label("等级名称").fill("金卡")
    form.get_by_label("门槛（元）").fill("2000")  # the same as 银卡
    form.get_by_label("92#汽油（元/升）").fill("0.1x")
    form.get_by_role("button", name="新增等级").click()
    expect(tab.locator("#tier-form .field-error")).to_have_text("请输入金额，例如 7.85")
    form = tab.locator("#tier-form")
    form.get_by_label("92#汽油（元/升）").fill("0.10")
    form.get_by_role("button", name="新增等级").click()  # now the rules: the threshold is taken
    expect(tab.locator("#tier-form .field-error")).to_contain_text("门槛与「银卡」相同")
    check(tab, "tiers-errors")
    form = tab.locator("#tier-form")
    form.get_by_label("门槛（元）").fill("8000")
    form.get_by_role("button", name="新增等级").click()
    expect(tab.locator(".flash-success")).to_contain_text("已新增等级「金卡」")
    expect(tab.locator("#tier-table tbody tr")).to_have_count(2)

    tab.locator("#tier-table tr", has_text="金卡").get_by_role("link", name="编辑").click()
    expect(tab.get_by_role("heading", name="编辑等级「金卡」")).to_be_visible()
    check(tab, "tier-edit")
    tab.get_by_label("门槛（元）").fill("9000")
    tab.get_by_role("button", name="保存").click()
    expect(tab.locator(".flash-success")).to_contain_text("已保存等级「金卡」")
    expect(tab.locator("#tier-table")).to_contain_text("9000.00 元")

    rules = tab.locator("#tier-rules")
    rules.get_by_label("加油升数").check()
    rules.get_by_label("考核周期（天）").fill("180")
    rules.get_by_label("金卡").fill("1500")
    rules.get_by_role("button", name="保存考核规则").click()
    expect(tab.locator("#tier-rules .field-error")).to_contain_text("请重新填写每个等级的门槛")
    check(tab, "tier-rules-errors")
    rules = tab.locator("#tier-rules")
    expect(rules.get_by_label("金卡")).to_have_value("1500")  # kept as typed
    rules.get_by_label("银卡").fill("500")
    rules.get_by_role("button", name="保存考核规则").click()
    expect(tab.locator(".flash-success")).to_contain_text("考核规则已保存")
    expect(tab.locator("#tier-table")).to_contain_text("1500 升")

    tab.on("dialog", lambda dialog: dialog.accept())
    tab.locator("#tier-table tr", has_text="银卡").get_by_role("button", name="删除").click()
    expect(tab.locator(".flash-success")).to_contain_text("已删除等级「银卡」")
    expect(tab.locator("#tier-table tbody tr")).to_have_count(1)
    db.session.expire_all()
    chain = db.session.get(Chain, world.chain.id)
    assert (chain.tier_metric, chain.tier_window_days) == ("litres", 180)


def test_the_manager_reads_the_tiers(tab, world):
    add_tier(world, "银卡", 200_000, {"92": 5, "95": 5, "98": 8, "0": 5})
    add_tier(world, "钻石卡", 2_000_000, {"92": 20, "95": 20, "98": 25, "0": 15})
    login(tab, "manager_a")
    tab.goto("/console/tiers")
    expect(tab.locator("#tier-table tbody tr")).to_have_count(2)
    expect(tab.get_by_role("button", name="新增等级")).to_have_count(0)
    check(tab, "tiers-manager")

"""Every console page, for every role and with its forms' errors shown: axe-core finds no WCAG
A/AA violation (text contrast 4.5:1 included), and at 390 px wide the page fits and keeps its
words whole. Screenshots of each go to test-artifacts/a11y-*.png."""

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from app.extensions import db
from app.models import Nozzle
from app.services.catalogue import nozzles, pricing
from app.services.platform import clock
from app.services.staff import accounts
from tests.browser import axe
from tests.browser.conftest import login
from tests.browser.screens import check
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, run_jobs
from tests.money.refund_helpers import owed_refund_at_wechat


@pytest.fixture
def tab(page):
    axe.enable(page)
    return page


def busy_station(world):
    """Station A as a manager sees it on a working day: a pending price change, a fuel not
    sold, a nozzle out of use, a disabled account and one waiting for its first login."""
    a, admin = world.station_a, world.admin
    later = clock.utcnow() + timedelta(days=1)
    pricing.schedule_price(admin, a.id, world.fuels["95"].id, 850, 830, later)
    pricing.set_fuel_enabled(admin, a.id, world.fuels["98"].id, False)
    nozzle = db.session.query(Nozzle).filter_by(station_id=a.id, number=4).one()
    nozzles.update_nozzle(admin, a.id, nozzle.id, 4, nozzle.fuel_id, False)
    accounts.create_staff(admin, "li_new", "李新", "", "attendant", [a.id], "Start2026x")
    accounts.set_enabled(admin, world.cashier_a.id, False)


def submit(tab, button: str, scope=None) -> None:
    (scope or tab).get_by_role("button", name=button).click()
    expect(tab.locator(".field-error, .form-errors").first).to_be_visible()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 400), (22, 104, 220)).save(out, "PNG")
    return out.getvalue()


def test_login_pages(tab, world):
    tab.goto("/console/login")
    check(tab, "login")
    submit(tab, "登录")
    check(tab, "login-empty")
    tab.get_by_label("用户名").fill("manager_a")
    tab.get_by_label("密码").fill("not-the-password1")
    submit(tab, "登录")
    check(tab, "login-wrong")


def test_manager_pages(tab, world):
    busy_station(world)
    a = world.station_a
    login(tab, "manager_a")
    check(tab, "home-manager")
    tab.goto("/console/stations")
    check(tab, "stations")

    tab.goto(f"/console/stations/{a.id}")
    check(tab, "station-profile")
    station_form = tab.locator("#station-form")
    station_form.get_by_label("油站名称").fill("")
    station_form.get_by_label("纬度").fill("north")
    submit(tab, "保存资料")
    monday = tab.locator("#hours-form tr", has_text="周一")
    monday.get_by_label("周一营业方式").select_option("range")
    monday.get_by_label("周一开始").fill("25:00")
    tab.get_by_role("button", name="保存营业时间").click()
    expect(monday.locator(".field-error")).to_be_visible()
    tab.get_by_role("button", name="上传照片").click()
    expect(tab.locator("#photos .field-error")).to_be_visible()
    check(tab, "station-profile-errors")
    tab.locator("#photos").get_by_label("照片").set_input_files(
        {"name": "photo.png", "mimeType": "image/png", "buffer": png()}
    )
    tab.locator("#photos").get_by_label("说明").fill("站容站貌")
    tab.get_by_role("button", name="上传照片").click()
    expect(tab.locator("#photos figure")).to_have_count(1)
    check(tab, "station-photos")

    tab.goto(f"/console/stations/{a.id}/prices")
    check(tab, "prices")
    tab.get_by_label("会员价（元/升）").fill("abc")
    tab.get_by_label("指定时间").check()
    submit(tab, "保存调价")
    expect(tab.locator("#price-form .field-error")).to_have_count(3)
    check(tab, "prices-errors")
    tab.get_by_label("立即生效").check()
    tab.get_by_label("挂牌价（元/升）").fill("7.99")
    tab.get_by_label("会员价（元/升）").fill("7.79")
    tab.get_by_role("button", name="保存调价").click()
    expect(tab.locator("#flash")).to_contain_text("新价格已生效")
    check(tab, "prices-saved")

    tab.goto(f"/console/stations/{a.id}/nozzles")
    check(tab, "nozzles")
    row = tab.locator("#nozzle-table tbody tr").first
    row.get_by_role("link", name="编辑").click()
    row.get_by_label("枪号").fill("2")
    row.get_by_role("button", name="保存").click()
    expect(row.locator(".field-error")).to_have_text("2号枪已存在")
    check(tab, "nozzle-inline-error")
    nozzle = db.session.query(Nozzle).filter_by(station_id=a.id, number=1).one()
    tab.goto(f"/console/stations/{a.id}/nozzles/{nozzle.id}/edit")
    check(tab, "nozzle-edit")

    tab.goto("/console/staff")
    check(tab, "staff")
    tab.get_by_label("用户名", exact=True).fill("Li Si")
    submit(tab, "创建员工")
    check(tab, "staff-errors")
    tab.on("dialog", lambda dialog: dialog.accept())
    tab.locator("#staff-table tr", has_text="李新").get_by_role("button", name="重置密码").click()
    expect(tab.locator(".flash-password")).to_contain_text("临时密码")
    check(tab, "staff-password")

    tab.goto("/console/audit")
    check(tab, "audit")
    tab.goto("/console/audit?day_from=yesterday")
    check(tab, "audit-bad-filter")

    tab.goto("/console/password")
    check(tab, "password")
    submit(tab, "保存新密码")
    check(tab, "password-errors")

    assert tab.goto(f"/console/stations/{world.station_b.id}/prices").status == 403
    check(tab, "forbidden")
    assert tab.goto("/console/stations/999999").status == 404
    check(tab, "not-found")


def test_chain_admin_pages(tab, world):
    busy_station(world)
    login(tab, "admin")
    check(tab, "home-admin")
    tab.goto("/console/stations")
    check(tab, "stations-admin")
    tab.goto("/console/stations/new")
    check(tab, "station-new")
    tab.get_by_label("油站编号").fill("KM001")
    submit(tab, "创建油站")
    check(tab, "station-new-errors")
    tab.goto("/console/staff")
    check(tab, "staff-admin")
    tab.goto("/console/audit")
    check(tab, "audit-admin")


def test_cashier_and_attendant_pages(tab, world):
    login(tab, "cashier_a")
    check(tab, "home-cashier")
    tab.get_by_role("button", name="退出登录").click()
    expect(tab.locator(".flash-info")).to_have_text("您已退出登录")
    check(tab, "logged-out")
    world.attendant_a.must_change_password = True
    db.session.commit()
    tab.goto("/console/login")
    tab.get_by_label("用户名").fill("attendant_a")
    tab.get_by_label("密码").fill("Jiayou2026")
    tab.get_by_role("button", name="登录").click()
    expect(tab.locator(".notice")).to_contain_text("请先设置您自己的新密码")
    check(tab, "password-forced")


def test_expired_session_leads_to_login_and_back(tab, world):
    """The session cookie is gone when the manager saves a price: log in, land on the page."""
    login(tab, "manager_a")
    prices = f"/console/stations/{world.station_a.id}/prices"
    tab.goto(prices)
    tab.get_by_label("挂牌价（元/升）").fill("7.99")
    tab.get_by_label("会员价（元/升）").fill("7.79")
    tab.context.clear_cookies()
    tab.get_by_role("button", name="保存调价").click()
    tab.wait_for_url(re.compile(r"/console/login\?next="))
    expect(tab.locator(".flash-info")).to_contain_text("登录已过期，请重新登录")
    check(tab, "login-session-ended")
    tab.get_by_label("用户名").fill("manager_a")
    tab.get_by_label("密码").fill("Jiayou2026")
    tab.get_by_role("button", name="登录").click()
    tab.wait_for_url(f"**{prices}")
    expect(tab.get_by_role("heading", name="调价")).to_be_visible()


def test_refunds_to_follow_up(tab, world, sandbox):
    """待处理退款 with its forms' errors, then both follow-ups as the audit log tells them."""
    driver = make_member(world.chain)
    closed = owed_refund_at_wechat(sandbox, driver, world.station_a, "CLOSED")
    abnormal = owed_refund_at_wechat(sandbox, driver, world.station_a, "ABNORMAL")
    tab.on("dialog", lambda dialog: dialog.accept())
    login(tab, "manager_a")
    tab.goto("/console/refunds")
    check(tab, "refunds")
    card = tab.locator(f"#refund-{abnormal.id}")
    card.get_by_text("退回车主钱包…").click()
    submit(tab, "确认退回钱包", card)
    check(tab, "refunds-wallet-errors")
    card.get_by_label("电话联系").check()
    card.get_by_label("沟通说明").fill("14:20 电话联系车主，同意退回钱包")
    card.get_by_role("button", name="确认退回钱包").click()
    expect(tab.locator("#flash")).to_contain_text("已将 200.00 元退回车主钱包")
    tab.locator(f"#refund-{closed.id}").get_by_role("button", name="重新发起微信退款").click()
    expect(tab.locator(".empty-state")).to_contain_text("暂无待处理退款")
    check(tab, "refunds-done")

    tab.goto("/console/audit")
    log = tab.locator("#audit-rows")
    expect(log).to_contain_text("重新发起微信退款")
    expect(log).to_contain_text("退款状态：微信已关闭")
    expect(log).to_contain_text("车主同意方式：电话联系")
    check(tab, "audit-refunds")
    run_jobs()
    assert_ledger_ok()

"""The console in a real browser: login, prices, inline errors, nozzles, staff, refusals."""

import io
import re
from datetime import timedelta

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import FuelPrice, Nozzle
from app.services.catalogue import nozzles, pricing
from app.services.platform import clock
from tests.browser.conftest import login, shot


def current_92(world):
    db.session.expire_all()
    rows = pricing.fuel_rows(world.station_a.id)
    return next(r for r in rows if r.fuel.code == "92").current


def test_login_page_and_wrong_password(page, world):
    page.goto("/console/login")
    expect(page).to_have_title(re.compile("登录"))
    shot(page, "login")
    page.get_by_label("用户名").fill("manager_a")
    page.get_by_label("密码").fill("not-the-password1")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".form-errors")).to_have_text("用户名或密码错误")
    shot(page, "login-error")


def test_manager_schedules_a_price_now(page, world):
    login(page, "manager_a")
    expect(page.locator(".topbar")).to_contain_text("站长")
    expect(page.locator(".topbar")).to_contain_text("昆明北京路加油站")
    shot(page, "home-manager")
    page.locator(".sidebar").get_by_role("link", name="油站管理").click()
    expect(page.locator("h1")).to_have_text("油站管理")
    shot(page, "station-list")
    page.get_by_role("link", name="价格").click()
    expect(page.locator("#fuel-table")).to_contain_text("7.68")

    page.get_by_label("油品").select_option(label="92#汽油")
    page.get_by_label("挂牌价（元/升）").fill("7.99")
    page.get_by_label("会员价（元/升）").fill("7.79")
    page.get_by_role("button", name="保存调价").click()

    row = page.locator("#fuel-table tr", has_text="92#汽油")
    expect(row).to_contain_text("7.99")
    expect(row).to_contain_text("7.79")
    expect(page.locator("#flash")).to_contain_text("新价格已生效")
    expect(page.get_by_label("挂牌价（元/升）")).to_have_value("")  # a fresh form
    shot(page, "prices-after-change")
    price = current_92(world)
    assert (price.list_price_fen, price.member_price_fen) == (799, 779)


def test_bad_price_shows_inline_error_and_saves_nothing(page, world):
    login(page, "manager_a")
    page.goto(f"/console/stations/{world.station_a.id}/prices")
    count = db.session.query(FuelPrice).count()

    page.get_by_label("挂牌价（元/升）").fill("7.50")
    page.get_by_label("会员价（元/升）").fill("7.60")
    page.get_by_role("button", name="保存调价").click()
    error = page.locator("#price-form .field-error")
    expect(error).to_have_text("会员价不能高于挂牌价")
    expect(page.get_by_label("会员价（元/升）")).to_have_value("7.60")
    shot(page, "prices-member-above-list")

    page.get_by_label("挂牌价（元/升）").fill("7.505")
    page.get_by_label("会员价（元/升）").fill("7.30")
    page.get_by_role("button", name="保存调价").click()
    expect(error).to_have_text("金额最多两位小数")
    color = error.evaluate("e => getComputedStyle(e).color")
    assert color == "rgb(201, 42, 42)"  # red, under the field

    db.session.expire_all()
    assert db.session.query(FuelPrice).count() == count
    assert current_92(world).list_price_fen == 768
    expect(page.locator("#fuel-table tr", has_text="92#汽油")).to_contain_text("7.68")


def test_schedule_later_and_cancel(page, world):
    login(page, "manager_a")
    page.goto(f"/console/stations/{world.station_a.id}/prices")
    page.get_by_label("油品").select_option(label="95#汽油")
    page.get_by_label("挂牌价（元/升）").fill("8.50")
    page.get_by_label("会员价（元/升）").fill("8.30")
    page.get_by_label("指定时间").check()
    tomorrow = (clock.to_local(clock.utcnow()) + timedelta(days=1)).strftime("%Y-%m-%d")
    page.get_by_label("生效时间（北京时间）").fill(f"{tomorrow}T06:00")
    page.get_by_role("button", name="保存调价").click()
    expect(page.locator("#flash")).to_contain_text("调价已保存")
    row = page.locator("#fuel-table tr", has_text="95#汽油")
    expect(row.locator(".scheduled")).to_contain_text(f"{tomorrow} 06:00")
    page.on("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="取消").click()
    expect(page.locator("#flash")).to_contain_text("已取消该调价")
    expect(row.locator(".scheduled")).to_have_count(0)


def png(color) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 400), color).save(out, "PNG")
    return out.getvalue()


def test_profile_page(page, world):
    login(page, "manager_a")
    page.goto(f"/console/stations/{world.station_a.id}")
    expect(page.get_by_role("heading", name="营业时间")).to_be_visible()

    photos = page.locator("#photos")
    for caption, color in (("站容站貌", (22, 104, 220)), ("便利店", (47, 158, 68))):
        photos.get_by_label("照片").set_input_files(
            {"name": "photo.png", "mimeType": "image/png", "buffer": png(color)}
        )
        photos.get_by_label("说明").fill(caption)
        photos.get_by_role("button", name="上传照片").click()
        expect(photos.locator("figure", has_text=caption)).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("照片已上传")
    page.evaluate("document.fonts.ready")
    assert photos.locator("img").first.evaluate("img => img.naturalWidth") == 640

    row = page.locator("#hours-form tr", has_text="周六")
    row.get_by_label("周六营业方式").select_option("range")
    row.get_by_label("周六开始").fill("18:00")
    row.get_by_label("周六结束").fill("02:00")
    page.get_by_role("button", name="保存营业时间").click()
    expect(page.locator("#flash")).to_contain_text("营业时间已保存")
    expect(row.get_by_label("周六结束")).to_have_value("02:00")
    shot(page, "station-profile")
    page.set_viewport_size({"width": 820, "height": 1180})
    shot(page, "station-profile-tablet")
    page.set_viewport_size({"width": 1366, "height": 860})
    page.get_by_label("纬度").fill("102.7")
    page.get_by_role("button", name="保存资料").click()
    expect(page.locator("#station-form .field-error")).to_contain_text("坐标应在")
    shot(page, "station-profile-error")


def test_nozzle_inline_edit(page, world):
    login(page, "manager_a")
    page.goto(f"/console/stations/{world.station_a.id}/nozzles")
    row = page.locator("#nozzle-table tbody tr").first
    expect(row).to_contain_text("1号枪")
    row.get_by_role("link", name="编辑").click()
    expect(row.get_by_label("枪号")).to_be_visible()
    row.get_by_label("枪号").fill("2")
    row.get_by_role("button", name="保存").click()
    expect(row.locator(".field-error")).to_have_text("2号枪已存在")
    shot(page, "nozzles-inline-error")
    row.get_by_label("枪号").fill("11")
    row.get_by_role("button", name="保存").click()
    expect(row).to_contain_text("11号枪")
    expect(page.locator("#flash")).to_contain_text("11号枪已保存")
    shot(page, "nozzles")
    db.session.expire_all()
    numbers = db.session.scalars(
        select(Nozzle.number).where(Nozzle.station_id == world.station_a.id)
    ).all()
    assert sorted(numbers) == [2, 3, 4, 11]


def test_staff_page_create_and_reset(page, world):
    login(page, "manager_a")
    page.locator(".sidebar").get_by_role("link", name="员工管理").click()
    page.get_by_label("用户名").fill("cashier_new")
    page.get_by_label("姓名").fill("王收银")
    page.get_by_label("角色").select_option(label="收银员")
    page.get_by_label("初始密码").fill("Start2026x")
    # The manager's only station is implied, not left unticked.
    expect(page.locator("#staff-form .only-station")).to_have_text("昆明北京路加油站")
    page.get_by_role("button", name="创建员工").click()
    expect(page.locator("#staff-table")).to_contain_text("王收银")
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("#staff-table tr", has_text="王收银").get_by_role(
        "button", name="重置密码"
    ).click()
    expect(page.locator(".flash-password")).to_contain_text("临时密码")
    shot(page, "staff")


def test_manager_a_gets_403_on_station_b(page, world):
    login(page, "manager_a")
    response = page.goto(f"/console/stations/{world.station_b.id}/prices")
    assert response.status == 403
    expect(page.locator(".error-card")).to_contain_text("您不是该油站的站长")
    shot(page, "forbidden")


def test_cashier_sees_no_management(page, world):
    login(page, "cashier_a")
    expect(page.locator(".sidebar")).not_to_contain_text("油站管理")
    response = page.goto("/console/staff")
    assert response.status == 403


def test_audit_log_filters_in_place(page, world):
    pricing.schedule_price(world.admin, world.station_a.id, world.fuels["92"].id, 790, 770)
    nozzles.add_nozzle(world.admin, world.station_b.id, 9, world.fuels["0"].id)
    login(page, "admin")
    page.goto("/console/audit")
    rows = page.locator("#audit-rows tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_label("操作", exact=True).select_option(label="添加油枪")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("9号枪")
    expect(page).to_have_url(re.compile(r"action=nozzle\.add"))
    page.get_by_label("操作人").select_option(label="admin（admin）")
    expect(rows).to_have_count(1)
    expect(page.get_by_label("操作", exact=True)).to_have_value("nozzle.add")

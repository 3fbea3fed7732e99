"""A form shows every field's error at once and keeps what was typed (prices, staff, station
profile), so one corrected submit is enough."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, FuelPrice, Staff, Station
from app.services.platform import clock
from tests.console.conftest import page


def errors_in(html: str) -> list[str]:
    return re.findall(r'<p class="field-error">([^<]*)</p>', html)


def nothing_saved() -> None:
    assert db.session.query(AuditLog).count() == 0


@pytest.fixture
def manager(as_staff, world):
    return as_staff("manager_a")


@pytest.mark.parametrize("htmx", [False, True])
def test_price_form_lists_every_error_and_keeps_the_input(manager, world, htmx):
    url = f"/console/stations/{world.station_a.id}/prices"
    manager.get(url)
    count = db.session.query(FuelPrice).count()
    data = {"fuel_id": world.fuels["95"].id, "list_price": "", "member_price": "7,5"}
    data |= {"when": "later", "effective_at": ""}
    response = manager.post(url, data, htmx=htmx)
    assert response.status_code == 400
    html = page(response)
    assert errors_in(html) == ["必填", "请输入金额，例如 7.85", "请选择生效的日期和时间"]
    assert 'value="7,5"' in html
    assert f'<option selected value="{world.fuels["95"].id}">' in html
    assert 'value="later" checked' in html or 'checked id="when-1"' in html

    past = clock.to_local(clock.utcnow()).replace(year=2000).strftime("%Y-%m-%dT%H:%M")
    data = {"fuel_id": world.fuels["95"].id, "list_price": "99.00", "member_price": "abc"}
    data |= {"when": "later", "effective_at": past}
    html = page(manager.post(url, data, htmx=htmx))
    assert errors_in(html) == [
        "每升价格应在 1 到 50 元之间",
        "请输入金额，例如 7.85",
        "生效时间不能早于现在",
    ]
    data = {"fuel_id": world.fuels["95"].id, "list_price": "7.50", "member_price": "7.60"}
    data |= {"when": "later", "effective_at": past}
    html = page(manager.post(url, data, htmx=htmx))
    assert errors_in(html) == ["会员价不能高于挂牌价", "生效时间不能早于现在"]
    assert f'value="{past}"' in html
    assert db.session.query(FuelPrice).count() == count
    nothing_saved()


def new_staff(**overrides) -> dict:
    data = {
        "username": "cashier_a2",
        "display_name": "李收银",
        "phone": "13800000000",
        "role": "cashier",
        "password": "Start2026x",
    }
    return {**data, **overrides}


@pytest.mark.parametrize("htmx", [False, True])
def test_staff_form_lists_every_error_and_keeps_the_input(manager, world, htmx):
    manager.get("/console/staff")
    data = new_staff(username="Li Si", display_name="", phone="138-0000", role="attendant")
    response = manager.post("/console/staff", data, htmx=htmx)
    assert response.status_code == 400
    html = page(response)
    assert errors_in(html) == [
        "用户名为 3-30 位小写字母、数字、下划线或点",
        "必填",
        "手机号只能是数字",
    ]
    # The initial password the manager typed stays, and so does the role.
    assert 'value="Start2026x"' in html and 'value="Li Si"' in html and 'value="138-0000"' in html
    assert '<option selected value="attendant">' in html
    nothing_saved()

    response = manager.post("/console/staff", new_staff(username="cashier_a", password="short"))
    assert errors_in(page(response)) == ["该用户名已被使用", "密码至少 8 位"]
    nothing_saved()


def test_a_manager_with_one_station_has_nothing_to_tick(manager, world):
    html = page(manager.get("/console/staff"))
    assert 'name="station_ids"' not in html
    assert '<p class="only-station">昆明北京路加油站</p>' in html
    response = manager.post("/console/staff", new_staff(), htmx=True)
    assert response.status_code == 200
    staff = db.session.scalar(select(Staff).where(Staff.username == "cashier_a2"))
    assert staff.station_ids == {world.station_a.id}


def test_a_chain_admin_still_chooses_stations(as_staff, world):
    admin = as_staff("admin")
    html = page(admin.get("/console/staff"))
    assert html.count('name="station_ids"') == 2
    response = admin.post("/console/staff", new_staff(password=""))
    assert errors_in(page(response)) == ["必填", "请至少选择一个油站"]
    nothing_saved()


PROFILE = {
    "name": "",
    "city": "昆明",
    "address": "盘龙区北京路 100 号",
    "phone": "0871-6555",
    "lat": "north",
    "lng": "200",
    "services": ["便利店"],
    "is_active": "y",
    "fill_up_cap": "五百",
    "max_order": "5",
}


@pytest.mark.parametrize("htmx", [False, True])
def test_station_profile_lists_every_error_and_keeps_the_input(manager, world, htmx):
    url = f"/console/stations/{world.station_a.id}"
    manager.get(url)
    response = manager.post(url, PROFILE, htmx=htmx)
    assert response.status_code == 400
    html = page(response)
    assert errors_in(html) == [
        "必填",
        "请输入数字坐标",
        "坐标应在 73.0 到 135.0 之间（GCJ-02）",
        "请输入金额，例如 7.85",
        "单笔上限应在 100 到 10000 元之间",
    ]
    for typed in ('value="north"', 'value="200"', 'value="五百"', 'value="0871-6555"'):
        assert typed in html
    db.session.expire_all()
    assert db.session.get(Station, world.station_a.id).name == "昆明北京路加油站"
    nothing_saved()


def test_new_station_lists_the_code_error_with_the_rest(as_staff, world):
    admin = as_staff("admin")
    admin.get("/console/stations/new")
    response = admin.post("/console/stations/new", {**PROFILE, "code": "KM001"})
    assert response.status_code == 400
    html = page(response)
    assert errors_in(html)[0] == "该编号已被使用" and len(errors_in(html)) == 6
    assert 'value="KM001"' in html
    nothing_saved()


def test_an_amount_with_too_many_digits_is_a_field_error(manager, world):
    url = f"/console/stations/{world.station_a.id}/prices"
    manager.get(url)
    data = {"fuel_id": world.fuels["92"].id, "list_price": "1e400", "member_price": "7"}
    response = manager.post(url, {**data, "when": "now"})
    assert response.status_code == 400
    assert errors_in(page(response)) == ["金额太大"]

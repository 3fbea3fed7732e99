"""Station profile, opening hours, photos and creating a station."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, Station, StationPhoto
from app.services.catalogue import stations
from tests.console.conftest import page

PROFILE = {
    "name": "昆明北京路加油站（新）",
    "city": "昆明",
    "address": "盘龙区北京路 100 号",
    "phone": "0871-65551234",
    "lat": "25.0500",
    "lng": "102.7200",
    "services": ["便利店", "洗车"],
    "is_active": "y",
    "fill_up_cap": "600.00",
    "max_order": "3000",
}


@pytest.fixture
def manager(as_staff, world):
    console = as_staff("manager_a")
    console.get(f"/console/stations/{world.station_a.id}")
    return console


def url(world, tail="") -> str:
    return f"/console/stations/{world.station_a.id}{tail}"


def test_profile_page(manager, world):
    html = page(manager.get(url(world)))
    for text in ("基本资料", "KM001", "GCJ-02", "营业时间", "周一", "周日", "油站照片", "便利店"):
        assert text in html
    assert 'name="code"' not in html  # the code is read-only


@pytest.mark.parametrize("htmx", [False, True])
def test_profile_edit(manager, world, htmx):
    response = manager.post(url(world), PROFILE, htmx=htmx)
    assert response.status_code == (200 if htmx else 303)
    if htmx:
        assert page(response).lstrip().startswith('<form id="station-form"')
        assert "油站资料已保存" in page(response)
    db.session.expire_all()
    station = db.session.get(Station, world.station_a.id)
    assert station.name == "昆明北京路加油站（新）"
    assert station.services == ["便利店", "洗车"]
    assert (station.lat, station.lng) == (25.05, 102.72)
    assert station.code == "KM001"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "station.update"))
    assert entry.after["name"] == "昆明北京路加油站（新）"
    assert entry.before["name"] == "昆明北京路加油站"


def test_posted_code_is_ignored(manager, world):
    assert manager.post(url(world), {**PROFILE, "code": "HACK"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Station, world.station_a.id).code == "KM001"


@pytest.mark.parametrize(
    ("lat", "lng", "field_message"),
    [
        ("abc", "102.7", "请输入数字坐标"),
        ("102.7", "25.0", "坐标应在"),  # swapped
        ("25.0", "", "必填"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_coordinates_are_refused_inline(manager, world, lat, lng, field_message, htmx):
    response = manager.post(url(world), {**PROFILE, "lat": lat, "lng": lng}, htmx=htmx)
    assert response.status_code == 400
    html = page(response)
    assert field_message in html and 'class="field-error"' in html
    assert "昆明北京路加油站（新）" in html  # typed values kept
    db.session.expire_all()
    station = db.session.get(Station, world.station_a.id)
    assert station.name == "昆明北京路加油站" and station.lat == 25.0406
    assert db.session.query(AuditLog).count() == 0


def test_hours_edit(manager, world):
    form = {}
    for day in range(7):
        form[f"mode{day}"] = "allday"
        form[f"opens{day}"] = ""
        form[f"closes{day}"] = ""
    form.update({"mode0": "range", "opens0": "06:30", "closes0": "22:00"})
    form.update({"mode5": "range", "opens5": "18:00", "closes5": "02:00"})  # overnight
    form.update({"mode6": "closed"})
    response = manager.post(url(world, "/hours"), form, htmx=True)
    assert response.status_code == 200
    assert "营业时间已保存" in page(response)
    db.session.expire_all()
    hours = stations.station_hours(db.session.get(Station, world.station_a.id))
    assert hours[0] == (390, 1320)
    assert hours[5] == (1080, 120)
    assert hours[1] == (0, 1440)
    assert 6 not in hours
    entry = db.session.scalars(select(AuditLog)).one()
    assert entry.action == "station.hours"
    # Written for people: weekday names and clock times, not indexes and minutes.
    # Only the days that changed, in weekday order.
    assert entry.after == {"周一": "06:30-22:00", "周六": "18:00-次日02:00", "周日": "休息"}
    assert entry.before == {"周一": "24小时营业", "周六": "24小时营业", "周日": "24小时营业"}
    html = page(manager.get(url(world)))
    assert 'value="06:30"' in html and 'value="02:00"' in html


def test_closing_at_midnight_means_end_of_day(manager, world):
    form = {f"mode{d}": "allday" for d in range(7)}
    form.update({"mode2": "range", "opens2": "07:00", "closes2": "00:00"})
    assert manager.post(url(world, "/hours"), form).status_code == 303
    db.session.expire_all()
    assert stations.station_hours(db.session.get(Station, world.station_a.id))[2] == (420, 1440)


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [("25:00", "22:00", "时间格式应为 HH:MM"), ("08:00", "08:00", "开始和结束不能相同")],
)
def test_bad_hours_are_refused(manager, world, opens, closes, message):
    form = {f"mode{d}": "allday" for d in range(7)}
    form.update({"mode3": "range", "opens3": opens, "closes3": closes})
    response = manager.post(url(world, "/hours"), form)
    assert response.status_code == 400
    assert message in page(response)
    db.session.expire_all()
    hours = stations.station_hours(db.session.get(Station, world.station_a.id))
    assert hours == {d: (0, 1440) for d in range(7)}


def test_photo_upload_view_and_delete(manager, world, png_bytes):
    import io

    data = {"photo": (io.BytesIO(png_bytes), "front.png"), "caption": "站容站貌"}
    response = manager.post(url(world, "/photos"), data, htmx=True)
    assert response.status_code == 200
    html = page(response)
    assert html.lstrip().startswith('<section id="photos"') and "站容站貌" in html
    photo = db.session.scalar(select(StationPhoto))
    assert photo.content_type == "image/jpeg" and photo.width == 64

    image = manager.get(url(world, f"/photos/{photo.id}"))
    assert image.status_code == 200
    assert image.mimetype == "image/jpeg" and image.data[:2] == b"\xff\xd8"
    again = manager.get(
        url(world, f"/photos/{photo.id}"), headers={"If-None-Match": f'"{photo.sha256}"'}
    )
    assert again.status_code == 304

    response = manager.post(url(world, f"/photos/{photo.id}/delete"))
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.query(StationPhoto).count() == 0
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["photo.add", "photo.delete"]


@pytest.mark.parametrize("htmx", [False, True])
def test_non_image_upload_is_refused(manager, world, htmx):
    import io

    data = {"photo": (io.BytesIO(b"%PDF-1.4 not an image"), "x.png"), "caption": ""}
    response = manager.post(url(world, "/photos"), data, htmx=htmx)
    assert response.status_code == 400
    assert "请上传 JPG 或 PNG 图片" in page(response)
    assert db.session.query(StationPhoto).count() == 0


def test_upload_without_a_file(manager, world):
    response = manager.post(url(world, "/photos"), {"caption": "x"})
    assert response.status_code == 400
    assert "请选择图片文件" in page(response)


def test_admin_creates_a_station(as_staff, world):
    console = as_staff("admin")
    console.get("/console/stations/new")
    data = {**PROFILE, "code": "km002", "name": "昆明新站"}
    response = console.post("/console/stations/new", data)
    assert response.status_code == 303
    station = db.session.scalar(select(Station).where(Station.code == "KM002"))
    assert response.headers["Location"] == f"/console/stations/{station.id}"
    assert station.name == "昆明新站"
    assert "已创建油站" in page(console.get(response.headers["Location"]))
    assert db.session.scalar(select(AuditLog.action)) == "station.create"


def test_duplicate_station_code_is_an_inline_error(as_staff, world):
    console = as_staff("admin")
    console.get("/console/stations/new")
    response = console.post("/console/stations/new", {**PROFILE, "code": "KM001"})
    assert response.status_code == 400
    assert "该编号已被使用" in page(response)
    assert db.session.query(Station).count() == 2


def test_order_limits_are_edited_in_yuan_and_checked(manager, world):
    url = f"/console/stations/{world.station_a.id}"
    page = manager.get(url).get_data(as_text=True)
    assert 'value="500.00"' in page and 'value="2000.00"' in page
    answer = manager.post(url, data=PROFILE)
    assert answer.status_code in (200, 303), answer.get_data(as_text=True)[:500]
    db.session.expire_all()
    station = db.session.get(Station, world.station_a.id)
    assert (station.fill_up_cap_fen, station.max_order_fen) == (60000, 300000)
    refused = manager.post(url, data={**PROFILE, "fill_up_cap": "3000.01"})
    assert refused.status_code == 400 and "加满预付上限" in refused.get_data(as_text=True)
    wrong = manager.post(url, data={**PROFILE, "max_order": "12.345"})
    assert wrong.status_code == 400 and "两位小数" in wrong.get_data(as_text=True)
    db.session.expire_all()
    station = db.session.get(Station, world.station_a.id)
    assert (station.fill_up_cap_fen, station.max_order_fen) == (60000, 300000)

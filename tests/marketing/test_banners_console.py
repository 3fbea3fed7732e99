"""横幅管理 in the console: the list (filters, pages, Excel), the form with its picture and the
phone preview, publish, withdraw and order; every page checked for role, station and CSRF."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, Banner
from app.services.marketing import banners
from tests.console.conftest import page
from tests.marketing.conftest import (
    BANNERS_URL,
    banner_fields,
    live_banner,
    picture,
    post_form,
)
from tests.marketing.conftest import banner_form as form

pytestmark = pytest.mark.travel(hour=10)
URL = BANNERS_URL


def count(model=Banner) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_admin_creates_a_banner_previews_it_and_publishes_it(as_staff, world, client):
    admin = as_staff("admin")
    html = page(admin.get(URL + "/new"))
    assert "小程序首页预览" in html and "banner_preview.js" in html
    assert 'type="datetime-local"' in html and "保存为草稿" in html
    answer = post_form(admin, URL + "/new", form())
    assert answer.status_code == 303, page(answer)
    banner = db.session.scalars(select(Banner)).one()
    assert (banner.status, banner.target, banner.scope) == ("draft", "wallet", "chain")
    edit = page(admin.get(answer.headers["Location"]))
    assert "确认预览无误后请发布" in edit and f"{URL}/{banner.id}/image" in edit
    image = admin.get(f"{URL}/{banner.id}/image")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert client.get("/api/v1/banners").get_json()["items"] == []
    answer = admin.post(f"{URL}/{banner.id}/publish", {"back": URL + "?state=live"})
    assert answer.status_code == 303 and answer.headers["Location"] == URL + "?state=live"
    listed = page(admin.get(URL + "?state=live"))
    assert "周末加油满200减10" in listed and "展示中" in listed and "撤下" in listed
    assert [i["title"] for i in client.get("/api/v1/banners").get_json()["items"]] == [
        "周末加油满200减10"
    ]
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["banner.create", "banner.publish"]
    log = page(admin.get("/console/audit"))
    assert "新建横幅" in log and "发布横幅" in log and "横幅「周末加油满200减10」" in log


def test_the_form_names_each_wrong_field(as_staff, world):
    admin = as_staff("admin")
    answer = post_form(
        admin,
        URL + "/new",
        form(title="", live_from="", scope="city", city="上海", target="station", image=None),
    )
    assert answer.status_code == 400
    html = page(answer)
    for message in ("标题：必填", "请选择日期和时间", "城市：请选择城市"):
        assert message in html, message
    assert "跳转油站：请选择要打开的油站" in html and "横幅图片：请选择图片文件" in html
    assert count() == 0


def test_editing_keeps_the_picture_unless_a_new_one_is_chosen(as_staff, world):
    banner = live_banner(world.admin, title="旧")
    old_image = banner.image_id
    admin = as_staff("admin")
    answer = post_form(admin, f"{URL}/{banner.id}", form(title="新", image=None))
    assert answer.status_code == 303, page(answer)
    db.session.expire_all()
    assert (db.session.get(Banner, banner.id).title, banner.image_id) == ("新", old_image)
    post_form(admin, f"{URL}/{banner.id}", form(title="新"))
    db.session.expire_all()
    assert db.session.get(Banner, banner.id).image_id != old_image
    log = page(admin.get("/console/audit"))
    assert "修改横幅" in log and "新图片" in log


def test_the_list_is_filtered_paged_and_exported(as_staff, world):
    for n in range(22):
        banners.create_banner(world.admin, banner_fields(title=f"草稿{n:02d}"), picture())
    live_banner(world.manager_a, title="北京路站", scope="station", station_id=world.station_a.id)
    admin = as_staff("admin")
    first = page(admin.get(URL))
    assert first.count('<tr id="banner-') == 20 and "第 1 / 2 页，共 23 个" in first
    assert page(admin.get(URL + "?page=2")).count('<tr id="banner-') == 3
    only = page(admin.get(f"{URL}?scope=station:{world.station_a.id}", htmx=True))
    assert only.count('<tr id="banner-') == 1 and "北京路站" in only
    assert page(admin.get(URL + "?state=live")).count('<tr id="banner-') == 1
    assert "共 22 个" in page(admin.get(URL + "?state=draft"))
    answer = admin.get(URL + "/export.xlsx?state=live")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(answer.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "标题", "展示范围", "状态")
    assert [r[1:4] for r in rows[1:]] == [("北京路站", "油站：昆明北京路加油站", "展示中")]


def test_up_and_down_reorder_the_list(as_staff, world, client):
    live_banner(world.admin, title="甲")
    second = live_banner(world.admin, title="乙")
    admin = as_staff("admin")
    assert admin.post(f"{URL}/{second.id}/move", {"direction": "up"}).status_code == 303
    html = page(admin.get(URL))
    assert html.index("乙") < html.index("甲")
    titles = [i["title"] for i in client.get("/api/v1/banners").get_json()["items"]]
    assert titles == ["乙", "甲"]


@pytest.mark.parametrize("username", ["cashier_a", "attendant_a"])
def test_cashiers_and_attendants_are_refused_everywhere(as_staff, world, username):
    banner = live_banner(world.admin)
    console = as_staff(username)
    assert "横幅管理" not in page(console.get("/console/"))
    for url in (URL, URL + "/new", f"{URL}/{banner.id}", f"{URL}/{banner.id}/image"):
        assert console.get(url).status_code == 403, url
    assert console.get(URL + "/export.xlsx").status_code == 403
    for url in (URL + "/new", f"{URL}/{banner.id}"):
        assert post_form(console, url, form()).status_code == 403, url
    for action in ("publish", "withdraw", "move"):
        assert console.post(f"{URL}/{banner.id}/{action}").status_code == 403
    assert count() == 1 and db.session.scalar(select(func.count(AuditLog.id))) == 2


def test_a_manager_runs_only_their_stations_banners(as_staff, world):
    b = world.station_b.id
    theirs = live_banner(world.manager_b, title="古城站", scope="station", station_id=b)
    chain = live_banner(world.admin, title="全连锁")
    audits = db.session.scalar(select(func.count(AuditLog.id)))
    manager = as_staff("manager_a")
    assert "横幅管理" in page(manager.get("/console/"))
    listed = page(manager.get(URL))
    assert "全连锁" in listed and "古城站" not in listed and "总部" in listed
    assert f"{URL}/{chain.id}/withdraw" not in listed
    assert "只能查看" in page(manager.get(f"{URL}/{chain.id}"))
    assert manager.get(f"{URL}/{theirs.id}").status_code == 403
    assert manager.get(f"{URL}/{theirs.id}/image").status_code == 403
    assert manager.get(f"{URL}?scope=station:{world.station_b.id}").status_code == 200
    for target in (theirs, chain):
        assert post_form(manager, f"{URL}/{target.id}", form(title="改")).status_code == 403
        for action in ("publish", "withdraw", "move"):
            assert manager.post(f"{URL}/{target.id}/{action}").status_code == 403
    assert post_form(manager, URL + "/new", form(scope="station", station_id=b)).status_code == 403
    assert post_form(manager, URL + "/new", form(scope="chain")).status_code == 403
    assert post_form(manager, URL + "/new", form(scope="city", city="昆明")).status_code == 403
    a = world.station_a.id
    assert post_form(manager, URL + "/new", form(scope="station", station_id=a)).status_code == 303
    db.session.expire_all()
    assert {b.title for b in db.session.scalars(select(Banner))} == {
        "古城站",
        "全连锁",
        "周末加油满200减10",
    }
    assert db.session.scalar(select(func.count(AuditLog.id))) == audits + 1


def test_posts_without_the_csrf_token_change_nothing(as_staff, world):
    banner = live_banner(world.admin, title="在展示")
    admin = as_staff("admin")
    admin.get(URL)
    posts = [
        (URL + "/new", form()),
        (f"{URL}/{banner.id}", form(title="改")),
        (f"{URL}/{banner.id}/withdraw", {}),
        (f"{URL}/{banner.id}/move", {"direction": "down"}),
    ]
    for url, data in posts:
        answer = admin.post(url, data, csrf=False, content_type="multipart/form-data")
        assert answer.status_code == 303, url
        assert "页面已过期，请重新操作" in page(admin.get(answer.headers["Location"]))
    db.session.expire_all()
    assert count() == 1 and db.session.get(Banner, banner.id).status == "published"
    assert db.session.get(Banner, banner.id).title == "在展示"


def test_publishing_twice_is_refused_with_a_reason(as_staff, world):
    banner = live_banner(world.admin)
    admin = as_staff("admin")
    answer = admin.post(f"{URL}/{banner.id}/publish")
    assert "该横幅已发布，不能发布" in page(admin.get(answer.headers["Location"]))

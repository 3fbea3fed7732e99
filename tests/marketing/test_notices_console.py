"""公告与调价通知 in the console: announcements (list, form, publish, withdraw, Excel) and the
price-change notices drivers are shown; every page checked for role, station and CSRF."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import Announcement, AuditLog
from app.models.base import utcnow
from app.services.catalogue import chain_prices, pricing
from app.services.marketing import notices
from tests.console.conftest import page
from tests.marketing.conftest import HOUR, announcement_fields, live_announcement, local

pytestmark = pytest.mark.travel(hour=10)
URL = "/console/marketing/notices"
PRICES = "/console/marketing/price-notices"


def form(**changes) -> dict:
    data = {
        "title": "春节营业时间",
        "body": "除夕 18:00 至初一 08:00 暂停营业。\n其余时间照常。",
        "scope": "chain",
        "live_from": local(utcnow()),
    }
    return {k: v for k, v in (data | changes).items() if v is not None}


def count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Announcement))


def test_admin_writes_publishes_and_withdraws_an_announcement(as_staff, world, client):
    admin = as_staff("admin")
    assert "置顶" in page(admin.get(URL + "/new"))
    answer = admin.post(URL + "/new", form(pinned="y"))
    assert answer.status_code == 303, page(answer)
    row = db.session.scalars(select(Announcement)).one()
    assert (row.status, row.pinned, row.body.count("\n")) == ("draft", True, 1)
    listed = page(admin.get(answer.headers["Location"]))
    assert "春节营业时间" in listed and "草稿" in listed and "置顶" in listed
    assert admin.post(f"{URL}/{row.id}/publish").status_code == 303
    assert [i["title"] for i in client.get("/api/v1/notices").get_json()["items"]] == [
        "春节营业时间"
    ]
    answer = admin.post(f"{URL}/{row.id}", form(title="春节照常营业", pinned=None))
    assert answer.status_code == 303
    assert client.get("/api/v1/notices").get_json()["items"][0]["title"] == "春节照常营业"
    assert admin.post(f"{URL}/{row.id}/withdraw").status_code == 303
    assert client.get("/api/v1/notices").get_json()["items"] == []
    log = page(admin.get("/console/audit"))
    for words in ("新建公告", "发布公告", "修改公告", "撤下公告", "公告「春节照常营业」"):
        assert words in log, words


def test_the_form_names_each_wrong_field(as_staff, world):
    admin = as_staff("admin")
    later = local(utcnow() + HOUR)
    answer = admin.post(
        URL + "/new", form(title="", body="字" * 1001, live_until=later, live_from=later)
    )
    assert answer.status_code == 400
    html = page(answer)
    for message in ("标题：必填", "内容：最多 1000 字", "下线时间：必须晚于上线时间"):
        assert message in html, message
    assert count() == 0


def test_the_list_is_filtered_paged_and_exported(as_staff, world):
    for n in range(21):
        notices.create_announcement(world.admin, announcement_fields(title=f"草稿{n:02d}"))
    live_announcement(
        world.manager_a, title="北京路站", scope="station", station_id=world.station_a.id
    )
    admin = as_staff("admin")
    assert "第 1 / 2 页，共 22 条" in page(admin.get(URL))
    assert page(admin.get(URL + "?page=2")).count('<tr id="notice-') == 2
    live = page(admin.get(URL + "?state=live", htmx=True))
    assert live.count('<tr id="notice-') == 1 and "北京路站" in live
    answer = admin.get(URL + "/export.xlsx?state=live")
    rows = list(load_workbook(io.BytesIO(answer.data)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("编号", "标题", "内容", "展示范围", "状态")
    assert [r[1] for r in rows[1:]] == ["北京路站"]


def test_price_notices_list_what_drivers_see_for_the_managers_stations(as_staff, world):
    chain_prices.apply(
        world.admin,
        world.fuels["92"].id,
        chain_prices.Selection(),
        800,
        780,
        chain_prices.coming_midnight(),
    )
    fuel = world.fuels["95"].id
    pricing.schedule_price(world.manager_b, world.station_b.id, fuel, 850, 830, utcnow() + HOUR)
    admin_page = page(as_staff("admin").get(PRICES))
    assert admin_page.count('<tr id="price-notice-') == 3 and "即将生效" in admin_page
    assert "92# 调整为 8.00 元/升（+0.32）" in admin_page
    manager = as_staff("manager_a")
    mine = page(manager.get(PRICES))
    assert mine.count('<tr id="price-notice-') == 1 and "大理古城加油站" not in mine
    rows = list(
        load_workbook(io.BytesIO(manager.get(PRICES + "/export.xlsx").data)).active.iter_rows(
            values_only=True
        )
    )
    assert rows[1][:2] == ("昆明北京路加油站", "92#汽油") and rows[1][5:7] == (7.68, 8)


@pytest.mark.parametrize("username", ["cashier_a", "attendant_a"])
def test_cashiers_and_attendants_are_refused_everywhere(as_staff, world, username):
    row = live_announcement(world.admin)
    console = as_staff(username)
    assert "公告与调价通知" not in page(console.get("/console/"))
    for url in (URL, URL + "/new", f"{URL}/{row.id}", URL + "/export.xlsx", PRICES):
        assert console.get(url).status_code == 403, url
    assert console.get(PRICES + "/export.xlsx").status_code == 403
    for url in (URL + "/new", f"{URL}/{row.id}"):
        assert console.post(url, form(title="改")).status_code == 403, url
    for action in ("publish", "withdraw"):
        assert console.post(f"{URL}/{row.id}/{action}").status_code == 403
    db.session.expire_all()
    assert count() == 1 and db.session.get(Announcement, row.id).title == "春节营业时间"


def test_a_manager_runs_only_their_stations_announcements(as_staff, world):
    b = world.station_b.id
    theirs = live_announcement(world.manager_b, title="古城站", scope="station", station_id=b)
    chain = live_announcement(world.admin, title="全连锁")
    audits = db.session.scalar(select(func.count(AuditLog.id)))
    manager = as_staff("manager_a")
    listed = page(manager.get(URL))
    assert "全连锁" in listed and "古城站" not in listed
    assert "只能查看" in page(manager.get(f"{URL}/{chain.id}"))
    assert manager.get(f"{URL}/{theirs.id}").status_code == 403
    for target in (theirs, chain):
        assert manager.post(f"{URL}/{target.id}", form(title="改")).status_code == 403
        for action in ("publish", "withdraw"):
            assert manager.post(f"{URL}/{target.id}/{action}").status_code == 403
    assert manager.post(URL + "/new", form(scope="station", station_id=b)).status_code == 403
    assert manager.post(URL + "/new", form()).status_code == 403
    a = world.station_a.id
    assert manager.post(URL + "/new", form(scope="station", station_id=a)).status_code == 303
    assert count() == 3
    assert db.session.scalar(select(func.count(AuditLog.id))) == audits + 1


def test_posts_without_the_csrf_token_change_nothing(as_staff, world):
    row = live_announcement(world.admin, title="在展示")
    admin = as_staff("admin")
    admin.get(URL)
    for url, data in (
        (URL + "/new", form()),
        (f"{URL}/{row.id}", form(title="改")),
        (f"{URL}/{row.id}/withdraw", {}),
    ):
        answer = admin.post(url, data, csrf=False)
        assert answer.status_code == 303, url
        assert "页面已过期，请重新操作" in page(admin.get(answer.headers["Location"]))
    db.session.expire_all()
    kept = db.session.get(Announcement, row.id)
    assert count() == 1 and (kept.title, kept.status) == ("在展示", "published")

"""GET /api/v1/banners: what the carousel shows for a station, a city or anywhere, on time
(scheduled with a stopped clock), in order, cached in memory or Redis and seen anew on every
change and at every boundary."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import Station
from app.models.base import utcnow
from app.services.catalogue.stations import mark_catalogue_changed
from app.services.marketing import banners
from tests.api.conftest import assert_error
from tests.marketing.conftest import HOUR, banner_fields, live_banner, picture
from tests.timing import statements

pytestmark = pytest.mark.travel(hour=10)


def items(client, **query) -> list[dict]:
    answer = client.get("/api/v1/banners", query_string=query)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["items"]


def shown(client, **query) -> list[str]:
    return [item["title"] for item in items(client, **query)]


def test_a_banner_shows_between_its_times_with_no_change_to_tell(world, client, travel, cache_mode):
    now = utcnow()
    live_banner(world.admin, title="早场", live_from=now + HOUR, live_until=now + 3 * HOUR)
    live_banner(world.admin, title="常驻")
    assert shown(client) == ["常驻"]  # cached until 11:00
    travel.shift(HOUR)
    assert shown(client) == ["早场", "常驻"]
    travel.shift(2 * HOUR - timedelta(seconds=1))
    assert shown(client) == ["早场", "常驻"]
    travel.shift(timedelta(seconds=1))
    assert shown(client) == ["常驻"]


def test_each_place_sees_the_chain_its_city_and_its_station(world, client, cache_mode):
    a, b = world.station_a.id, world.station_b.id
    live_banner(world.admin, title="全连锁")
    live_banner(world.admin, title="昆明", scope="city", city="昆明")
    live_banner(world.admin, title="大理", scope="city", city="大理")
    live_banner(world.manager_a, title="北京路站", scope="station", station_id=a)
    live_banner(world.manager_b, title="古城站", scope="station", station_id=b)
    assert shown(client, station_id=a) == ["北京路站", "昆明", "全连锁"]
    assert shown(client, station_id=b) == ["古城站", "大理", "全连锁"]
    assert shown(client, city="昆明") == ["昆明", "全连锁"]
    assert shown(client, city="上海") == ["全连锁"]  # no station there: the chain's only
    assert shown(client) == ["全连锁"]
    assert shown(client, station_id=b, city="昆明") == ["古城站", "大理", "全连锁"]
    scopes = {item["title"]: item["scope"] for item in items(client, station_id=a)}
    assert scopes == {"北京路站": "station", "昆明": "city", "全连锁": "chain"}


def test_drafts_and_withdrawn_banners_are_not_shown(world, client, cache_mode):
    banners.create_banner(world.admin, banner_fields(title="草稿"), picture())
    withdrawn = live_banner(world.admin, title="撤下的")
    live_banner(world.admin, title="在展示")
    assert shown(client) == ["撤下的", "在展示"]
    banners.withdraw(world.admin, withdrawn.id)
    assert shown(client) == ["在展示"]
    banners.publish(world.admin, withdrawn.id)
    assert shown(client) == ["撤下的", "在展示"]


def test_reads_come_from_redis_until_a_change(world, client, app, with_redis):
    banner = live_banner(world.admin, title="旧标题")
    with app.app_context():
        engine = db.engine
    with statements(engine, "FROM banner JOIN banner_image") as queries:
        for _ in range(3):
            assert shown(client, city="昆明") == ["旧标题"]
    assert queries.count == 1
    assert list(with_redis.scan_iter("jiayou:content:*"))
    banners.update_banner(world.admin, banner.id, banner_fields(title="新标题"))
    assert shown(client, city="昆明") == ["新标题"]
    banners.move(world.admin, live_banner(world.admin, title="第二").id, "up")
    assert shown(client, city="昆明") == ["第二", "新标题"]
    banners.withdraw(world.admin, banner.id)
    assert shown(client, city="昆明") == ["第二"]


def test_a_city_renamed_in_the_catalogue_is_seen_at_once(world, client, cache_mode):
    live_banner(world.admin, title="昆明", scope="city", city="昆明")
    assert shown(client, station_id=world.station_a.id) == ["昆明"]
    db.session.execute(update(Station).where(Station.id == world.station_a.id).values(city="玉溪"))
    mark_catalogue_changed(world.chain.id)
    db.session.commit()
    assert shown(client, station_id=world.station_a.id) == []


def test_redis_out_of_reach_costs_the_cache_not_the_answer(world, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    live_banner(world.admin, title="照常")
    assert shown(client) == ["照常"]
    assert shown(client) == ["照常"]


def test_staff_order_the_carousel_within_a_scope(world, client):
    first, second, third = (live_banner(world.admin, title=t) for t in ("甲", "乙", "丙"))
    assert shown(client) == ["甲", "乙", "丙"]
    banners.move(world.admin, third.id, "up")
    assert shown(client) == ["甲", "丙", "乙"]
    banners.move(world.admin, first.id, "down")
    assert shown(client) == ["丙", "甲", "乙"]
    banners.move(world.admin, third.id, "up")  # already first: nothing moves
    assert shown(client) == ["丙", "甲", "乙"]
    assert second.id  # still there, last


def test_a_tap_opens_a_page_of_the_mini_program(world, client):
    a = world.station_a.id
    live_banner(world.admin, title="充值卡", target="card")
    live_banner(world.admin, title="去北京路", target="station", target_station_id=a)
    live_banner(world.admin, title="下单", target="order", target_station_id=a)
    live_banner(world.admin, title="订单", target="orders")
    live_banner(world.admin, title="领券", target="coupon_centre")
    live_banner(world.admin, title="只看看")
    targets = {item["title"]: item["target"] for item in items(client)}
    assert targets == {
        "充值卡": {"page": "/pages/wallet/wallet?tab=card", "tab": False},
        "去北京路": {"page": f"/pages/station/station?id={a}", "tab": False},
        "下单": {"page": f"/pages/order/order?station_id={a}", "tab": False},
        "订单": {"page": "/pages/orders/orders", "tab": True},
        "领券": {"page": "/pages/coupon-centre/coupon-centre", "tab": False},
        "只看看": None,
    }
    # A station no longer shown is no longer linked to.
    db.session.execute(update(Station).where(Station.id == a).values(is_active=False))
    mark_catalogue_changed(world.chain.id)
    db.session.commit()
    targets = {item["title"]: item["target"] for item in items(client)}
    assert targets["去北京路"] is None and targets["下单"] is None


def test_the_picture_is_served_once_live_and_kept_by_its_digest(world, client, travel):
    banner = live_banner(world.admin, live_from=utcnow() + HOUR)
    draft = banners.create_banner(world.admin, banner_fields(title="草稿"), picture())
    path = f"/api/v1/banner-images/{banner.image_id}"
    assert_error(client.get(path), 404, "not_found")  # not before its time
    travel.shift(HOUR)
    image = items(client)[0]["image"]
    assert (image["width"], image["height"]) == (750, 300)
    assert image["url"].split("?")[0].endswith(path) and "?v=" in image["url"]
    answer = client.get(path)
    assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
    assert answer.data[:2] == b"\xff\xd8"
    assert "immutable" in answer.headers["Cache-Control"]
    again = client.get(path, headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304
    assert_error(client.get(f"/api/v1/banner-images/{draft.image_id}"), 404, "not_found")


@pytest.mark.parametrize("path", ["/api/v1/banners", "/api/v1/notices"])
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"station_id": "abc"}, "油站应为整数"),
        ({"station_id": "0"}, "油站不能小于 1"),
        ({"station_id": str(2**31)}, "油站不能大于 2147483647"),
        ({"city": "城" * 51}, "城市最多 50 个字符"),
        ({"city": ""}, "请填写城市"),
    ],
)
def test_a_bad_query_is_told_in_chinese_naming_the_field(world, client, path, query, message):
    assert assert_error(client.get(path, query_string=query), 400, "invalid_request") == message


@pytest.mark.parametrize("path", ["/api/v1/banners", "/api/v1/notices"])
def test_a_closed_or_unknown_station_is_404(world, client, path):
    db.session.execute(
        update(Station).where(Station.id == world.station_b.id).values(is_active=False)
    )
    mark_catalogue_changed(world.chain.id)
    db.session.commit()
    for station_id in (world.station_b.id, 9999):
        answer = client.get(path, query_string={"station_id": station_id})
        assert assert_error(answer, 404, "not_found") == "油站不存在"


def test_every_target_is_a_page_of_the_mini_program_opened_the_right_way():
    app_json = json.loads((Path(__file__).parents[2] / "miniprogram" / "app.json").read_text())
    tabs = {item["pagePath"] for item in app_json["tabBar"]["list"]}
    for target, (_label, path, is_tab) in banners.TARGETS.items():
        if target == "none":
            continue
        page = path.lstrip("/").split("?")[0]
        assert page in app_json["pages"], target
        assert (page in tabs) == is_tab, target

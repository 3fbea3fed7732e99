"""GET /api/v1/notices: announcements by place and time, pinned first, and price-change notices
made from the scheduled prices (a chain-wide change, a station's own), from the moment they are
scheduled until a day after they take effect, gone when cancelled."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import FuelPrice
from app.models.base import utcnow
from app.services.catalogue import chain_prices, pricing
from app.services.marketing import notices
from app.services.platform import clock
from tests.api.conftest import make_station
from tests.marketing.conftest import HOUR, announcement_fields, live_announcement

pytestmark = pytest.mark.travel(hour=10)
DAY = timedelta(days=1)


def items(client, **query) -> list[dict]:
    answer = client.get("/api/v1/notices", query_string=query)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["items"]


def texts(client, **query) -> list[str]:
    return [item["text"] for item in items(client, **query)]


def tonight() -> str:
    """How the coming 24:00 is written in a notice: 今天's date, 24:00."""
    today = clock.to_local(utcnow())
    return f"{today.month}月{today.day}日 24:00"


def chain_change(world, list_fen=800, member_fen=780, fuel="92", **selection):
    return chain_prices.apply(
        world.admin,
        world.fuels[fuel].id,
        chain_prices.Selection(**selection),
        list_fen,
        member_fen,
        chain_prices.coming_midnight(),
    )


def test_a_chain_price_change_is_announced_until_a_day_after_it_takes_effect(
    world, client, travel, cache_mode
):
    chain_change(world)
    notice = items(client, station_id=world.station_a.id)[0]
    assert notice["text"] == f"{tonight()} 起 92# 调整为 8.00 元/升（+0.32）"
    assert notice["kind"] == "price_change" and notice["title"] == "92#汽油调价"
    change = notice["price_change"]
    assert change["in_effect"] is False
    assert (change["previous_list_price_fen"], change["list_price_fen"]) == (768, 800)
    assert (change["change_fen"], change["member_price_fen"]) == (32, 780)
    assert change["stations"] == [
        {
            "id": world.station_a.id,
            "name": "昆明北京路加油站",
            "list_price_fen": 800,
            "previous_list_price_fen": 768,
            "member_price_fen": 780,
            "previous_member_price_fen": 748,
        }
    ]
    assert notice["published_at"] == change["effective_at"]
    assert change["effective_at"].endswith("T00:00:00+08:00")
    travel.move_to(chain_prices.coming_midnight())
    assert items(client, station_id=world.station_a.id)[0]["price_change"]["in_effect"] is True
    travel.shift(DAY - timedelta(seconds=1))
    assert len(items(client, station_id=world.station_a.id)) == 1
    travel.shift(timedelta(seconds=1))
    assert items(client, station_id=world.station_a.id) == []


def test_a_city_reads_one_notice_for_its_stations_that_change_alike(world, client, cache_mode):
    third = make_station(world, "昆明西山加油站", 25.02, 102.65, city="昆明")
    other_price = make_station(world, "昆明官渡加油站", 25.00, 102.75, city="昆明")
    db.session.execute(  # sold at another price so far: its change reads differently
        update(FuelPrice)
        .where(FuelPrice.station_id == other_price.id)
        .values(list_price_fen=700, member_price_fen=690)
    )
    db.session.commit()
    chain_change(world)
    found = items(client, city="昆明")
    stations = [[s["name"] for s in item["price_change"]["stations"]] for item in found]
    assert sorted(stations) == [["昆明北京路加油站", "昆明西山加油站"], ["昆明官渡加油站"]]
    alike = next(item for item in found if len(item["price_change"]["stations"]) == 2)
    assert alike["scope"] == "city"
    assert alike["text"] == f"{tonight()} 起 92# 调整为 8.00 元/升（+0.32）"
    assert texts(client, city="大理") == [f"{tonight()} 起 92# 调整为 8.00 元/升（+0.32）"]
    assert texts(client) == []  # no place, no prices
    assert third.id


def test_stations_a_few_fen_apart_changed_by_the_same_amount_read_one_notice(world, client):
    third = make_station(world, "昆明西山加油站", 25.02, 102.65, city="昆明")
    db.session.execute(
        update(FuelPrice)
        .where(FuelPrice.station_id == third.id)
        .values(list_price_fen=775, member_price_fen=755)
    )
    db.session.commit()
    for station, list_fen in ((world.station_a, 800), (third, 807)):
        pricing.schedule_price(
            world.admin,
            station.id,
            world.fuels["92"].id,
            list_fen,
            list_fen - 20,
            chain_prices.coming_midnight(),
        )
    [notice] = items(client, city="昆明")
    assert notice["text"] == f"{tonight()} 起 92# 每升上调 0.32 元（8.00-8.07 元/升）"
    by_station = {s["name"]: s for s in notice["price_change"]["stations"]}
    assert by_station["昆明西山加油站"]["previous_list_price_fen"] == 775
    assert by_station["昆明西山加油站"]["list_price_fen"] == 807
    assert by_station["昆明北京路加油站"]["list_price_fen"] == 800


def test_a_cancelled_change_is_no_longer_announced(world, client, cache_mode):
    chain_change(world)
    assert len(items(client, station_id=world.station_b.id)) == 1
    batch = chain_prices.batches(world.admin)[0]
    chain_prices.cancel(world.admin, batch.entry.id)
    assert items(client, station_id=world.station_b.id) == []


def test_a_station_change_reads_its_time_and_a_fall(world, client, cache_mode):
    moment = clock.from_local(clock.to_local(utcnow()).replace(hour=20, minute=30, tzinfo=None))
    fuel = world.fuels["0"].id
    pricing.schedule_price(world.manager_a, world.station_a.id, fuel, 735, 715, moment)
    local = clock.to_local(moment)
    assert texts(client, station_id=world.station_a.id) == [
        f"{local.month}月{local.day}日 20:30 起 0# 调整为 7.35 元/升（-0.10）"
    ]
    assert texts(client, station_id=world.station_b.id) == []


def test_a_change_of_the_member_price_alone_is_not_announced(world, client):
    fuel = world.fuels["95"].id
    pricing.schedule_price(world.admin, world.station_a.id, fuel, 821, 790, utcnow() + HOUR)
    assert texts(client, station_id=world.station_a.id) == []


def test_announcements_by_place_pinned_first_then_newest(world, client, travel, cache_mode):
    a, b = world.station_a.id, world.station_b.id
    now = utcnow()
    live_announcement(world.admin, title="旧闻", live_from=now - 2 * HOUR)
    live_announcement(world.admin, title="置顶", pinned=True, live_from=now - 3 * HOUR)
    live_announcement(world.admin, title="昆明", scope="city", city="昆明", live_from=now - HOUR)
    live_announcement(world.manager_a, title="北京路", scope="station", station_id=a)
    live_announcement(world.manager_b, title="古城", scope="station", station_id=b)
    live_announcement(world.admin, title="晚上", live_from=now + HOUR, live_until=now + 2 * HOUR)
    notices.create_announcement(world.admin, announcement_fields(title="草稿"))

    def titles(**query):
        return [item["title"] for item in items(client, **query)]

    assert titles(station_id=a) == ["置顶", "北京路", "昆明", "旧闻"]
    assert titles(city="昆明") == ["置顶", "昆明", "旧闻"]
    assert titles(station_id=b) == ["置顶", "古城", "旧闻"]
    assert titles() == ["置顶", "旧闻"]
    first = items(client)[0]
    assert first["kind"] == "announcement" and first["price_change"] is None
    assert first["id"].startswith("a") and first["pinned"] is True
    travel.shift(HOUR)
    assert titles() == ["置顶", "晚上", "旧闻"]
    travel.shift(HOUR)
    assert titles() == ["置顶", "旧闻"]


def test_price_changes_and_announcements_share_the_list_newest_first(world, client):
    live_announcement(world.admin, title="今早", live_from=utcnow() - HOUR)
    chain_change(world)
    kinds = [item["kind"] for item in items(client, station_id=world.station_a.id)]
    assert kinds == ["price_change", "announcement"]  # tonight's change is the newest
    notice = notices.create_announcement(world.admin, announcement_fields(title="改期"))
    notices.update_announcement(
        world.admin, notice.id, announcement_fields(title="改期", pinned=True)
    )
    notices.publish(world.admin, notice.id)
    titles = [item["title"] for item in items(client, station_id=world.station_a.id)]
    assert titles == ["改期", "92#汽油调价", "今早"]

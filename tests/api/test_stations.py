"""GET /api/v1/stations: nearby search, distances, filters, hours, prices and paging."""

import math
from datetime import timedelta

import pytest

from app.api.schemas import StationPage
from app.extensions import db
from app.models import FuelPrice, StationFuel
from app.models.base import utcnow
from app.services.catalogue.geo import gcj02_to_wgs84
from app.services.platform.clock import SHANGHAI
from tests.api.conftest import assert_error, bump_catalogue, make_station

KUNMING = (25.0406, 102.7123)  # world.station_a


def great_circle_m(lat1, lng1, lat2, lng2):
    """Spherical law of cosines: an independent check of the service's haversine."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lng2 - lng1)
    cos_angle = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371008.8 * math.acos(min(1.0, cos_angle))


def search(client, **params):
    answer = client.get("/api/v1/stations", query_string=params)
    assert answer.status_code == 200, answer.get_json()
    return StationPage.model_validate(answer.get_json())


def test_nearest_first_with_plausible_distances(world, client):
    chenggong = make_station(world, "呈贡加油站", 24.8877, 102.8210)
    guandu = make_station(world, "官渡加油站", 25.0200, 102.7500)
    page = search(client, lat=KUNMING[0], lng=KUNMING[1], radius_m=50000)
    assert [s.id for s in page.items] == [world.station_a.id, guandu.id, chenggong.id]
    distances = [s.distance_m for s in page.items]
    assert distances[0] == 0
    for item, station in zip(page.items[1:], (guandu, chenggong), strict=True):
        expected = great_circle_m(*KUNMING, station.lat, station.lng)
        assert abs(item.distance_m - expected) <= 1
    assert 4000 < distances[1] < 5000 and 18000 < distances[2] < 21000
    assert world.station_b.id not in {s.id for s in page.items}  # Dali is about 250 km away
    assert page.total == 3 and page.has_more is False


def test_radius_filter_and_default_radius(world, client):
    make_station(world, "呈贡加油站", 24.8877, 102.8210)  # about 20.2 km from station A
    assert search(client, lat=KUNMING[0], lng=KUNMING[1]).total == 1  # default 10 km
    assert search(client, lat=KUNMING[0], lng=KUNMING[1], radius_m=20200).total == 1
    assert search(client, lat=KUNMING[0], lng=KUNMING[1], radius_m=20300).total == 2
    dali = search(client, lat=25.6065, lng=100.2676, radius_m=50000)
    assert [s.id for s in dali.items] == [world.station_b.id]


def test_summary_carries_everything_the_list_shows(world, client):
    page = search(client, lat=KUNMING[0], lng=KUNMING[1])
    item = page.items[0]
    assert item.name == "昆明北京路加油站"
    assert item.address == world.station_a.address and item.phone == world.station_a.phone
    assert item.services == ["便利店"]
    assert (item.location.lat, item.location.lng, item.location.coord) == (*KUNMING, "gcj02")
    assert item.open_now is True and item.hours_today == "24小时营业"
    prices = {f.code: (f.list_price_fen, f.member_price_fen, f.name) for f in item.fuels}
    assert prices == {
        "92": (768, 748, "92#汽油"),
        "95": (821, 801, "95#汽油"),
        "98": (929, 909, "98#汽油"),
        "0": (745, 725, "0#柴油"),
    }
    assert [f.code for f in item.fuels] == ["92", "95", "98", "0"]  # the chain's sort order


def test_fuel_filter_keeps_stations_selling_that_fuel(world, client):
    diesel_only = make_station(world, "柴油站", 25.0450, 102.7150, fuels=("0",))
    both = {world.station_a.id, diesel_only.id}
    assert {s.id for s in search(client, lat=KUNMING[0], lng=KUNMING[1], fuel="0").items} == both
    only_a = search(client, lat=KUNMING[0], lng=KUNMING[1], fuel="95")
    assert [s.id for s in only_a.items] == [world.station_a.id]
    assert search(client, lat=KUNMING[0], lng=KUNMING[1], fuel="E92").total == 0
    # A fuel switched off at a station is not sold there any more.
    link = db.session.query(StationFuel).filter_by(station_id=diesel_only.id).one()
    link.enabled = False
    bump_catalogue(world.chain)
    db.session.commit()
    after = search(client, lat=KUNMING[0], lng=KUNMING[1], fuel="0")
    assert [s.id for s in after.items] == [world.station_a.id]


def test_wgs84_input_is_converted_to_gcj02(world, client):
    wgs_lat, wgs_lng = gcj02_to_wgs84(*KUNMING)
    shift = great_circle_m(wgs_lat, wgs_lng, *KUNMING)
    assert 300 < shift < 700  # the datum offset in Kunming
    converted = search(client, lat=wgs_lat, lng=wgs_lng, coord="wgs84", radius_m=100)
    assert [s.id for s in converted.items] == [world.station_a.id]
    assert converted.items[0].distance_m <= 1
    taken_as_gcj = search(client, lat=wgs_lat, lng=wgs_lng, radius_m=100)
    assert taken_as_gcj.total == 0
    wide = search(client, lat=wgs_lat, lng=wgs_lng, radius_m=2000)
    assert abs(wide.items[0].distance_m - shift) <= 1


def test_inactive_stations_are_not_listed(world, client):
    closed_for_good = make_station(world, "停业站", 25.0410, 102.7130, is_active=False)
    ids = {s.id for s in search(client, lat=KUNMING[0], lng=KUNMING[1]).items}
    assert world.station_a.id in ids and closed_for_good.id not in ids


@pytest.fixture
def hours_world(world):
    """Three stations near A: day hours, overnight hours, and one closed on Wednesdays."""
    day = make_station(world, "白天站", 25.0410, 102.7130, hours=(6 * 60, 22 * 60))
    night = make_station(world, "夜间站", 25.0420, 102.7140, hours=(20 * 60, 2 * 60))
    wednesday_off = make_station(world, "周三休息站", 25.0430, 102.7150, hours=None)
    from app.models import StationHours

    for weekday in (0, 1, 3, 4, 5, 6):
        db.session.add(
            StationHours(
                chain_id=world.chain.id,
                station_id=wednesday_off.id,
                weekday=weekday,
                opens_min=480,
                closes_min=1080,
            )
        )
    db.session.commit()
    return {
        "day": day.id,
        "night": night.id,
        "wed_off": wednesday_off.id,
        "all": world.station_a.id,
    }


def status_at(client, travel, moment):
    travel.move_to(moment)
    items = search(client, lat=KUNMING[0], lng=KUNMING[1]).items
    return {s.id: (s.open_now, s.hours_today) for s in items}


def today_at(hour, minute=0, days=0):
    """A wall-clock time in Shanghai, on the day the clock stands at (or `days` later)."""
    today = utcnow().astimezone(SHANGHAI) + timedelta(days=days)
    return today.replace(hour=hour, minute=minute, second=0, microsecond=0)


@pytest.mark.travel(weekday=2)  # the stations are made at 00:00 on a Wednesday
@pytest.mark.parametrize(
    ("hour", "minute", "open_ids"),
    [
        (3, 0, {"all"}),  # 03:00: the overnight station closed at 02:00
        (1, 59, {"all", "night"}),  # still Tuesday's night opening
        (2, 0, {"all"}),
        (5, 59, {"all"}),
        (6, 0, {"all", "day"}),
        (12, 0, {"all", "day"}),
        (21, 59, {"all", "day", "night"}),
        (22, 0, {"all", "night"}),
        (23, 30, {"all", "night"}),
    ],
)
def test_open_now_follows_local_hours(hours_world, client, travel, hour, minute, open_ids):
    wednesday = today_at(hour, minute)
    assert wednesday.weekday() == 2
    status = status_at(client, travel, wednesday)
    assert {name for name, sid in hours_world.items() if status[sid][0]} == open_ids


@pytest.mark.travel(weekday=2)
def test_hours_today_text(hours_world, client, travel):
    status = status_at(client, travel, today_at(3))
    assert status[hours_world["day"]][1] == "06:00-22:00"
    assert status[hours_world["night"]][1] == "20:00-次日02:00"
    assert status[hours_world["wed_off"]] == (False, "休息")
    assert status[hours_world["all"]][1] == "24小时营业"
    thursday = status_at(client, travel, today_at(9, days=1))
    assert thursday[hours_world["wed_off"]] == (True, "08:00-18:00")


def a_price(world, station, code, list_fen, member_fen, effective_at):
    db.session.add(
        FuelPrice(
            chain_id=world.chain.id,
            station_id=station.id,
            fuel_id=world.fuels[code].id,
            list_price_fen=list_fen,
            member_price_fen=member_fen,
            effective_at=effective_at,
        )
    )


def price_92(client):
    item = search(client, lat=KUNMING[0], lng=KUNMING[1]).items[0]
    return next((f.list_price_fen, f.member_price_fen) for f in item.fuels if f.code == "92")


@pytest.mark.travel(hour=12)
def test_scheduled_price_takes_effect_exactly_on_time(world, client, travel):
    midnight = today_at(0, days=1)
    a_price(world, world.station_a, "92", 790, 770, midnight)
    a_price(world, world.station_a, "92", 800, 780, midnight + timedelta(days=10))
    cancelled = FuelPrice(
        chain_id=world.chain.id,
        station_id=world.station_a.id,
        fuel_id=world.fuels["92"].id,
        list_price_fen=999,
        member_price_fen=999,
        effective_at=midnight + timedelta(hours=1),
        cancelled_at=utcnow(),
    )
    db.session.add(cancelled)
    db.session.commit()
    travel.move_to(midnight - timedelta(seconds=1))
    assert price_92(client) == (768, 748)
    travel.move_to(midnight)
    assert price_92(client) == (790, 770)
    travel.move_to(midnight + timedelta(hours=2))
    assert price_92(client) == (790, 770)  # the cancelled row never applies
    travel.move_to(midnight + timedelta(days=10))
    assert price_92(client) == (800, 780)


def test_console_change_is_seen_on_the_next_request(world, client):
    assert price_92(client) == (768, 748)
    a_price(world, world.station_a, "92", 777, 757, utcnow() - timedelta(minutes=1))
    db.session.commit()
    # Without a version bump the cached catalogue is kept (that is the point of the cache) ...
    assert price_92(client) == (768, 748)
    bump_catalogue(world.chain)
    db.session.commit()
    # ... and the bump that the console makes in the same transaction reloads it.
    assert price_92(client) == (777, 757)
    world.station_a.name = "昆明北京路加油站（新）"
    bump_catalogue(world.chain)
    db.session.commit()
    assert search(client, lat=KUNMING[0], lng=KUNMING[1]).items[0].name.endswith("（新）")


def test_paging(world, client):
    for n in range(5):
        make_station(world, f"环城{n}站", KUNMING[0] + 0.002 * (n + 1), KUNMING[1])
    pages = [
        search(client, lat=KUNMING[0], lng=KUNMING[1], per_page=2, page=p) for p in (1, 2, 3, 4)
    ]
    assert [len(p.items) for p in pages] == [2, 2, 2, 0]
    assert [p.has_more for p in pages] == [True, True, False, False]
    assert {p.total for p in pages} == {6}
    ids = [s.id for p in pages for s in p.items]
    assert len(set(ids)) == 6 and ids[0] == world.station_a.id
    distances = [s.distance_m for p in pages for s in p.items]
    assert distances == sorted(distances)
    default = search(client, lat=KUNMING[0], lng=KUNMING[1])
    assert default.per_page == 20 and default.page == 1 and len(default.items) == 6


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"lng": 102.7}, "请填写纬度"),
        ({"lat": 25.0}, "请填写经度"),
        ({"lat": "north", "lng": 102.7}, "纬度应为数字"),
        ({"lat": 91, "lng": 102.7}, "纬度不能大于 90"),
        ({"lat": "nan", "lng": 102.7}, "纬度应为有限的数字"),
        ({"lat": 25.0, "lng": -181}, "经度不能小于 -180"),
        ({"lat": 25.0, "lng": "inf"}, "经度应为有限的数字"),
        ({"lat": 25.0, "lng": 102.7, "radius_m": 0}, "搜索半径不能小于 1"),
        ({"lat": 25.0, "lng": 102.7, "radius_m": 50001}, "搜索半径不能大于 50000"),
        ({"lat": 25.0, "lng": 102.7, "radius_m": "far"}, "搜索半径应为整数"),
        ({"lat": 25.0, "lng": 102.7, "page": 0}, "页码不能小于 1"),
        ({"lat": 25.0, "lng": 102.7, "per_page": 51}, "每页条数不能大于 50"),
        ({"lat": 25.0, "lng": 102.7, "coord": "bd09"}, "坐标系应为 gcj02 或 wgs84"),
        ({"lat": 25.0, "lng": 102.7, "fuel": ""}, "请填写油品"),
    ],
)
def test_bad_query_is_400_naming_the_field(world, client, params, message):
    answer = client.get("/api/v1/stations", query_string=params)
    assert assert_error(answer, 400, "invalid_request") == message


def test_no_chain_configured_is_a_clear_503(app_ctx, client):
    answer = client.get("/api/v1/stations", query_string={"lat": 25.0, "lng": 102.7})
    assert_error(answer, 503, "chain_not_configured")


def test_search_by_name_city_or_address_covers_the_whole_chain(world, client):
    lijiang = make_station(world, "丽江古城加油站", 26.8721, 100.2299, city="丽江")
    guandu = make_station(world, "官渡加油站", 25.0200, 102.7500, address="昆明市官渡区春城路8号")
    # From Kunming, 丽江 finds Lijiang's station 400 km away: a name search has no radius.
    found = search(client, lat=KUNMING[0], lng=KUNMING[1], q="丽江")
    assert [s.id for s in found.items] == [lijiang.id]
    assert found.items[0].distance_m > 300_000
    assert [s.id for s in search(client, lat=KUNMING[0], lng=KUNMING[1], q="大理").items] == [
        world.station_b.id  # by its city
    ]
    by_address = search(client, lat=KUNMING[0], lng=KUNMING[1], q="春城路")
    assert [s.id for s in by_address.items] == [guandu.id]
    # Several hits come nearest first; the fuel filter still applies; nothing found is empty.
    every = search(client, lat=KUNMING[0], lng=KUNMING[1], q="加油站", per_page=50)
    assert [s.id for s in every.items][:2] == [world.station_a.id, guandu.id]
    assert every.items[-1].id == lijiang.id
    assert search(client, lat=KUNMING[0], lng=KUNMING[1], q="丽江", fuel="0").total == 0
    assert search(client, lat=KUNMING[0], lng=KUNMING[1], q="上海").items == []


@pytest.mark.parametrize("q", ["", "x" * 31])
def test_a_search_word_must_be_1_to_30_characters(world, client, q):
    answer = client.get("/api/v1/stations", query_string={"lat": 25.04, "lng": 102.71, "q": q})
    assert_error(answer, 400, "invalid_request")
    assert "搜索词" in answer.get_json()["error"]["message"]

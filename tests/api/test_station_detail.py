"""GET /api/v1/stations/{id} and the station photos."""

import hashlib
import io
from datetime import datetime, timedelta

import time_machine
from PIL import Image

from app.api.schemas import StationDetail, StationPage
from app.extensions import db
from app.models import FuelPrice, Nozzle, StationHours, StationPhoto
from app.services.platform.clock import SHANGHAI
from tests.api.conftest import assert_error, bump_catalogue, make_station
from tests.factories import ChainFactory, StationFactory


def a_photo(station, colour="red", position=0, caption="站容") -> StationPhoto:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), colour).save(buffer, "PNG")
    data = buffer.getvalue()
    photo = StationPhoto(
        chain_id=station.chain_id,
        station_id=station.id,
        position=position,
        caption=caption,
        content_type="image/png",
        width=8,
        height=6,
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )
    db.session.add(photo)
    db.session.commit()
    return photo


def detail(client, station_id):
    answer = client.get(f"/api/v1/stations/{station_id}")
    assert answer.status_code == 200, answer.get_json()
    return StationDetail.model_validate(answer.get_json())


def test_detail_lists_fuels_prices_nozzles_and_hours(world, client):
    station = world.station_a
    sunday = db.session.query(StationHours).filter_by(station_id=station.id, weekday=6).one()
    sunday.opens_min, sunday.closes_min = 22 * 60, 6 * 60
    db.session.query(StationHours).filter_by(station_id=station.id, weekday=5).delete()
    nozzle_4 = db.session.query(Nozzle).filter_by(station_id=station.id, number=4).one()
    nozzle_4.enabled = False
    db.session.commit()

    body = detail(client, station.id)
    assert body.id == station.id and body.name == station.name
    assert [(f.code, f.list_price_fen, f.member_price_fen) for f in body.fuels] == [
        ("92", 768, 748),
        ("95", 821, 801),
        ("98", 929, 909),
        ("0", 745, 725),
    ]
    assert all(f.next_price is None for f in body.fuels)
    assert [(n.number, n.fuel_code) for n in body.nozzles] == [(1, "92"), (2, "95"), (3, "98")]
    assert [h.weekday for h in body.hours] == list(range(7))
    assert [h.name for h in body.hours][:2] == ["周一", "周二"]
    assert body.hours[0].text == "24小时营业"
    assert (body.hours[0].opens, body.hours[0].closes) == ("00:00", "24:00")
    assert (body.hours[5].text, body.hours[5].opens) == ("休息", None)
    assert (body.hours[6].text, body.hours[6].opens, body.hours[6].closes) == (
        "22:00-次日06:00",
        "22:00",
        "06:00",
    )
    assert body.location.coord == "gcj02" and body.location.lat == station.lat


def test_detail_shows_the_next_scheduled_price(world, client):
    midnight = datetime(2026, 11, 28, 0, 0, tzinfo=SHANGHAI)
    db.session.add(
        FuelPrice(
            chain_id=world.chain.id,
            station_id=world.station_a.id,
            fuel_id=world.fuels["95"].id,
            list_price_fen=835,
            member_price_fen=815,
            effective_at=midnight,
        )
    )
    db.session.commit()
    with time_machine.travel(midnight - timedelta(hours=1), tick=False):
        fuels = {f.code: f for f in detail(client, world.station_a.id).fuels}
        assert fuels["95"].list_price_fen == 821
        assert fuels["95"].next_price.list_price_fen == 835
        assert fuels["95"].next_price.effective_at == "2026-11-28T00:00:00+08:00"
    with time_machine.travel(midnight, tick=False):
        fuels = {f.code: f for f in detail(client, world.station_a.id).fuels}
        assert (fuels["95"].list_price_fen, fuels["95"].next_price) == (835, None)


def test_detail_404_for_unknown_inactive_or_other_chains_station(world, client, app):
    world.chain.wechat_appid = app.config["WECHAT_APPID"]
    other = StationFactory(chain=ChainFactory(), name="别家的站")
    inactive = make_station(world, "停业站", 25.05, 102.72, is_active=False)
    db.session.commit()
    assert detail(client, world.station_b.id).name == "大理古城加油站"
    for station_id in (other.id, inactive.id, 999999):
        message = assert_error(client.get(f"/api/v1/stations/{station_id}"), 404, "not_found")
        assert message == "油站不存在"
    # Deactivating a station (with the version bump the console makes) hides it at once.
    world.station_b.is_active = False
    bump_catalogue(world.chain)
    db.session.commit()
    assert_error(client.get(f"/api/v1/stations/{world.station_b.id}"), 404, "not_found")


def test_photos_are_listed_in_order_and_served_with_etag(world, client, app):
    second = a_photo(world.station_a, "blue", position=2, caption="便利店")
    first = a_photo(world.station_a, "red", position=1, caption="站容")
    body = detail(client, world.station_a.id)
    assert [p.id for p in body.photos] == [first.id, second.id]
    assert [p.caption for p in body.photos] == ["站容", "便利店"]
    url = body.photos[0].url
    assert url.startswith(app.config["PUBLIC_BASE_URL"] + f"/api/v1/photos/{first.id}")
    listed = StationPage.model_validate(
        client.get("/api/v1/stations", query_string={"lat": 25.0406, "lng": 102.7123}).get_json()
    )
    assert [p.url for p in listed.items[0].photos] == [p.url for p in body.photos]

    answer = client.get(url.removeprefix(app.config["PUBLIC_BASE_URL"]))
    assert answer.status_code == 200
    assert answer.data == first.data
    assert answer.content_type == "image/png"
    assert answer.headers["ETag"] == f'"{first.sha256}"'
    assert "max-age=31536000" in answer.headers["Cache-Control"]
    assert Image.open(io.BytesIO(answer.data)).getpixel((0, 0)) == (255, 0, 0)

    again = client.get(f"/api/v1/photos/{first.id}", headers={"If-None-Match": f'"{first.sha256}"'})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == f'"{first.sha256}"'
    stale = client.get(
        f"/api/v1/photos/{first.id}", headers={"If-None-Match": f'"{second.sha256}"'}
    )
    assert stale.status_code == 200 and stale.data == first.data


def test_photo_404_for_unknown_or_other_chain_or_inactive_station(world, client, app):
    world.chain.wechat_appid = app.config["WECHAT_APPID"]
    db.session.commit()
    foreign = a_photo(StationFactory(chain=ChainFactory()))
    hidden = a_photo(make_station(world, "停业站", 25.05, 102.72, is_active=False))
    for photo_id in (foreign.id, hidden.id, 424242):
        message = assert_error(client.get(f"/api/v1/photos/{photo_id}"), 404, "not_found")
        assert message == "图片不存在"

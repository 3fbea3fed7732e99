"""The catalogue read model: chain lookup, versioned reloads, search and prices in force."""

import random
from datetime import timedelta

import pytest
import time_machine

from app.extensions import db
from app.models import FuelPrice, Station
from app.models.base import utcnow
from app.services import catalogue
from app.services.catalogue import read_model
from app.services.catalogue.geo import haversine_m
from app.services.catalogue.read_model import ChainNotConfigured, FuelOffer, Price, hours_text
from tests.factories import ChainFactory, StationFactory
from tests.threads import run_together, start_line


def test_chain_is_the_one_with_the_configured_appid(app_ctx, app):
    ChainFactory()
    mine = ChainFactory(wechat_appid=app.config["WECHAT_APPID"])
    ChainFactory()
    db.session.commit()
    assert catalogue.current_chain_id() == mine.id


def test_single_chain_is_used_when_no_appid_matches(app_ctx):
    only = ChainFactory()
    db.session.commit()
    assert catalogue.current_chain_id() == only.id


def test_several_chains_and_no_match_is_not_configured(app_ctx):
    ChainFactory()
    ChainFactory()
    db.session.commit()
    with pytest.raises(ChainNotConfigured) as caught:
        catalogue.current_chain_id()
    assert caught.value.status == 503


def test_catalogue_is_reused_until_the_version_changes(world):
    first = catalogue.current()
    assert catalogue.current() is first
    assert first.version == world.chain.catalogue_version
    world.chain.catalogue_version += 1
    db.session.commit()
    second = catalogue.current()
    assert second is not first and second.version == first.version + 1
    catalogue.clear_cache()
    assert catalogue.current() is not second


def test_a_recent_check_serves_names_but_never_a_price(world, app):
    chain_id = world.chain.id

    def in_new_request(**how):  # a request of its own: its own session and memo
        with app.app_context(), app.test_request_context():
            found = catalogue.for_chain(chain_id, **how)
            db.session.remove()
            return found

    first = in_new_request()
    world.chain.catalogue_version += 1  # e.g. a station renamed
    db.session.commit()
    assert in_new_request(checked_within_s=5) is first  # names: a check just now will do
    exact = in_new_request(exact=True, checked_within_s=5)  # an order's price: never stale
    assert exact.version == first.version + 1
    world.chain.catalogue_version += 1
    db.session.commit()
    read_model._checked_at[chain_id] -= 6  # the last check is now 6 s old
    assert in_new_request(checked_within_s=5).version == first.version + 2


def test_concurrent_first_use_loads_once(world, app):
    results, start = [], start_line(6)

    def use():
        with app.app_context():
            start.wait()
            results.append(catalogue.current())
            db.session.remove()

    run_together(*[use] * 6, barrier=start)
    assert len(results) == 6 and all(result is results[0] for result in results)


def test_search_matches_brute_force_over_many_stations(world):
    rng = random.Random(7)
    for n in range(300):
        lat, lng = 25.0 + rng.uniform(-0.6, 0.6), 102.7 + rng.uniform(-0.6, 0.6)
        StationFactory(chain=world.chain, code=f"R{n:03d}", lat=lat, lng=lng, open_all_day=False)
    db.session.commit()
    stations = db.session.query(Station).filter_by(is_active=True).all()
    for _ in range(20):
        lat, lng = 25.0 + rng.uniform(-0.5, 0.5), 102.7 + rng.uniform(-0.5, 0.5)
        radius = rng.choice([1000, 5000, 10000, 30000, 50000])
        expected = sorted(
            (round(haversine_m(lat, lng, s.lat, s.lng)), s.id)
            for s in stations
            if haversine_m(lat, lng, s.lat, s.lng) <= radius
        )
        result = catalogue.search_nearby(lat, lng, radius, per_page=1000)
        assert [(h.distance_m, h.station.id) for h in result.hits] == expected
        assert result.total == len(expected)


def a_price(world, list_fen, effective_at, cancelled=False):
    db.session.add(
        FuelPrice(
            chain_id=world.chain.id,
            station_id=world.station_a.id,
            fuel_id=world.fuels["95"].id,
            list_price_fen=list_fen,
            member_price_fen=list_fen - 20,
            effective_at=effective_at,
            cancelled_at=utcnow() if cancelled else None,
        )
    )


def offer_95(station_id):
    return next(f for f in catalogue.get_station(station_id).fuels if f.code == "95")


def test_old_prices_are_not_loaded_but_time_travel_back_reloads(world):
    now = utcnow()
    # The world's 95 price took effect a day ago; add an older history and a recent change.
    db.session.query(FuelPrice).filter_by(
        station_id=world.station_a.id, fuel_id=world.fuels["95"].id
    ).delete()
    for days, fen in ((60, 600), (30, 700), (3, 800)):
        a_price(world, fen, now - timedelta(days=days))
    a_price(world, 999, now - timedelta(days=2), cancelled=True)
    db.session.commit()
    offer = offer_95(world.station_a.id)
    assert [p.list_price_fen for p in offer.prices] == [700, 800]
    assert offer.price_at(now).list_price_fen == 800
    with time_machine.travel(now - timedelta(days=20), tick=False):
        assert offer_95(world.station_a.id).price_at(utcnow()).list_price_fen == 700
    with time_machine.travel(now - timedelta(days=90), tick=False):
        assert offer_95(world.station_a.id).price_at(utcnow()) is None


def test_price_at_and_next_price_boundaries():
    base = utcnow()
    rows = (Price(1, base, 700, 680), Price(2, base + timedelta(hours=1), 720, 700))
    offer = FuelOffer(1, "92", "92#汽油", "gasoline", tuple(p.effective_at for p in rows), rows)
    assert offer.price_at(base - timedelta(microseconds=1)) is None
    assert offer.next_price(base - timedelta(microseconds=1)) == rows[0]
    assert offer.price_at(base) == rows[0]
    assert offer.price_at(base + timedelta(minutes=59, seconds=59)) == rows[0]
    assert offer.price_at(base + timedelta(hours=1)) == rows[1]
    assert offer.next_price(base + timedelta(hours=1)) is None


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (None, "休息"),
        ((0, 1440), "24小时营业"),
        ((360, 1320), "06:00-22:00"),
        ((1320, 360), "22:00-次日06:00"),
        ((0, 720), "00:00-12:00"),
        ((720, 1440), "12:00-24:00"),
    ],
)
def test_hours_text(span, text):
    assert hours_text(span) == text


def test_unknown_station_and_photo_are_not_found(world):
    from app.services.platform.errors import NotFound

    with pytest.raises(NotFound):
        catalogue.get_station(12345)
    with pytest.raises(NotFound):
        catalogue.get_photo(12345)

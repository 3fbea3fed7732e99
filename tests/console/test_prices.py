"""Fuels and prices: schedule now or later, cancel, refuse bad prices inline."""

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, FuelPrice, StationFuel
from app.services.catalogue import pricing
from app.services.platform import clock
from tests.console.conftest import page


@pytest.fixture
def manager(as_staff, world):
    console = as_staff("manager_a")
    console.get(f"/console/stations/{world.station_a.id}/prices")
    return console


def url(world) -> str:
    return f"/console/stations/{world.station_a.id}/prices"


def row_for(world, code):
    rows = pricing.fuel_rows(world.station_a.id)
    return next(r for r in rows if r.fuel.code == code)


def test_page_shows_prices_in_yuan(manager, world):
    html = page(manager.get(url(world)))
    for text in ("92#汽油", "7.68", "7.48", "0#柴油", "7.45", "元/升"):
        assert text in html


@pytest.mark.parametrize("htmx", [False, True])
def test_schedule_now_changes_the_current_price(manager, world, htmx):
    fuel = world.fuels["92"]
    data = {"fuel_id": fuel.id, "list_price": "7.99", "member_price": "7.79", "when": "now"}
    response = manager.post(url(world), data, htmx=htmx)
    if htmx:
        assert response.status_code == 200
        html = page(response)
        assert 'id="price-form"' in html and 'hx-swap-oob="true"' in html
        assert "7.99" in html and "新价格已生效" in html
    else:
        assert response.status_code == 303
        assert response.headers["Location"] == url(world)
        assert "7.99" in page(manager.get(url(world)))
    db.session.expire_all()
    current = row_for(world, "92").current
    assert (current.list_price_fen, current.member_price_fen) == (799, 779)
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "price.schedule"))
    assert entry.station_id == world.station_a.id
    assert entry.actor_staff_id == world.manager_a.id
    assert entry.before["list_price_fen"] == 768 and entry.after["list_price_fen"] == 799


def test_schedule_later_in_shanghai_time_then_cancel(manager, world):
    fuel = world.fuels["95"]
    tomorrow = (clock.to_local(clock.utcnow()) + timedelta(days=1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    local = tomorrow.strftime("%Y-%m-%dT%H:%M")
    data = {
        "fuel_id": fuel.id,
        "list_price": "8.50",
        "member_price": "8.30",
        "when": "later",
        "effective_at": local,
    }
    assert manager.post(url(world), data).status_code == 303
    db.session.expire_all()
    row = row_for(world, "95")
    assert row.current.list_price_fen == 821  # unchanged until midnight
    [scheduled] = row.scheduled
    assert scheduled.effective_at == clock.from_local(tomorrow.replace(tzinfo=None))
    html = page(manager.get(url(world)))
    assert tomorrow.strftime("%Y-%m-%d 00:00") in html and "8.50" in html

    with time_machine.travel(scheduled.effective_at + timedelta(minutes=1)):
        assert row_for(world, "95").current.list_price_fen == 850

    response = manager.post(f"{url(world)}/{scheduled.id}/cancel", htmx=True)
    assert response.status_code == 200
    assert "已取消该调价" in page(response)
    db.session.expire_all()
    assert row_for(world, "95").scheduled == []
    assert db.session.get(FuelPrice, scheduled.id).cancelled_at is not None
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["price.schedule", "price.cancel"]


def test_cancelling_an_effective_price_is_refused(manager, world):
    current = row_for(world, "92").current
    response = manager.post(f"{url(world)}/{current.id}/cancel")
    assert response.status_code == 303
    assert "已生效或已取消" in page(manager.get(url(world)))
    db.session.expire_all()
    assert db.session.get(FuelPrice, current.id).cancelled_at is None


@pytest.mark.parametrize(
    ("list_price", "member_price", "message"),
    [
        ("7.50", "7.60", "会员价不能高于挂牌价"),
        ("7.505", "7.30", "金额最多两位小数"),
        ("abc", "7.30", "请输入金额"),
        ("7.50", "七块", "请输入金额"),
        ("", "7.30", "必填"),
        ("785", "765", "每升价格应在"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_prices_are_shown_inline_and_nothing_is_saved(
    manager, world, list_price, member_price, message, htmx
):
    before = db.session.query(FuelPrice).count()
    data = {
        "fuel_id": world.fuels["92"].id,
        "list_price": list_price,
        "member_price": member_price,
        "when": "now",
    }
    response = manager.post(url(world), data, htmx=htmx)
    assert response.status_code == 400
    html = page(response)
    assert f'<p class="field-error">{message}' in html
    assert f'value="{list_price}"' in html  # the typed values come back
    if htmx:
        assert html.lstrip().startswith('<form id="price-form"')
    db.session.expire_all()
    assert db.session.query(FuelPrice).count() == before
    assert db.session.query(AuditLog).count() == 0


def test_later_without_a_time_is_an_inline_error(manager, world):
    data = {
        "fuel_id": world.fuels["92"].id,
        "list_price": "7.50",
        "member_price": "7.40",
        "when": "later",
        "effective_at": "",
    }
    response = manager.post(url(world), data)
    assert response.status_code == 400
    assert "请选择生效的日期和时间" in page(response)


def test_a_past_time_is_refused(manager, world):
    past = (clock.to_local(clock.utcnow()) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "fuel_id": world.fuels["92"].id,
        "list_price": "7.50",
        "member_price": "7.40",
        "when": "later",
        "effective_at": past,
    }
    response = manager.post(url(world), data)
    assert response.status_code == 400
    assert "生效时间不能早于现在" in page(response)


def test_disable_and_enable_a_fuel(manager, world):
    fuel = world.fuels["98"]
    toggle = f"/console/stations/{world.station_a.id}/fuels/{fuel.id}/enabled"
    response = manager.post(toggle, {"enabled": "0"}, htmx=True)
    assert response.status_code == 200
    assert 'id="fuel-table"' in page(response) and "已停售该油品" in page(response)
    db.session.expire_all()
    link = db.session.scalar(
        select(StationFuel).where(
            StationFuel.station_id == world.station_a.id, StationFuel.fuel_id == fuel.id
        )
    )
    assert link.enabled is False
    assert manager.post(toggle, {"enabled": "1"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(StationFuel, link.id).enabled is True
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["fuel.disable", "fuel.enable"]


def test_effective_time_is_read_as_shanghai(as_staff, world):
    # Log in inside the travelled time: a session cookie signed "later" would not load.
    with time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=clock.SHANGHAI)):
        manager = as_staff("manager_a")
        data = {
            "fuel_id": world.fuels["0"].id,
            "list_price": "7.60",
            "member_price": "7.40",
            "when": "later",
            "effective_at": "2026-03-02T08:30",
        }
        assert manager.post(url(world), data).status_code == 303
    db.session.expire_all()
    price = db.session.scalar(select(FuelPrice).where(FuelPrice.list_price_fen == 760))
    assert price.effective_at.isoformat() == "2026-03-02T00:30:00+00:00"


def test_a_new_station_lists_the_chain_fuels_to_enable(as_staff, world):
    from app.services.catalogue import stations

    station = stations.create_station(
        world.admin,
        {"code": "KM009", "name": "新站", "city": "昆明", "address": "x", "lat": 25, "lng": 102},
    )
    console = as_staff("admin")
    prices_url = f"/console/stations/{station.id}/prices"
    html = page(console.get(prices_url))
    assert "92#汽油" in html and "未售" in html
    fuel = world.fuels["92"]
    toggle = f"/console/stations/{station.id}/fuels/{fuel.id}/enabled"
    assert console.post(toggle, {"enabled": "1"}).status_code == 303
    data = {"fuel_id": fuel.id, "list_price": "7.70", "member_price": "7.50", "when": "now"}
    assert console.post(prices_url, data).status_code == 303
    db.session.expire_all()
    row = next(r for r in pricing.fuel_rows(station.id) if r.fuel.code == "92")
    assert row.enabled and row.current.list_price_fen == 770

"""Prices per litre: scheduling, the price in force, cancelling, validation and audit."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, Chain, FuelPrice
from app.models.base import utcnow
from app.services.catalogue import pricing
from app.services.platform.clock import SHANGHAI
from app.services.platform.errors import Conflict, Invalid, PermissionDenied


def _current(world, station, code):
    row = next(r for r in pricing.fuel_rows(station.id) if r.fuel.code == code)
    return row.current


def _version(world):
    return db.session.get(Chain, world.chain.id).catalogue_version


def test_price_now_replaces_current_and_is_audited(world):
    version = _version(world)
    fuel = world.fuels["92"]
    pricing.schedule_price(world.manager_a, world.station_a.id, fuel.id, 799, 769)
    current = _current(world, world.station_a, "92")
    assert (current.list_price_fen, current.member_price_fen) == (799, 769)
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "price.schedule")).one()
    assert entry.station_id == world.station_a.id
    assert entry.actor_staff_id == world.manager_a.id
    assert entry.before["list_price_fen"] == 768
    assert entry.after["list_price_fen"] == 799
    effective = current.effective_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert entry.after["effective_at"] == effective  # Beijing time, as people read it
    assert _version(world) == version + 1


def test_future_price_takes_effect_exactly_then(world):
    fuel = world.fuels["95"]
    start = utcnow()
    effective = start + timedelta(hours=5)
    pricing.schedule_price(world.manager_a, world.station_a.id, fuel.id, 900, 880, effective)
    row = next(r for r in pricing.fuel_rows(world.station_a.id) if r.fuel.code == "95")
    assert row.current.list_price_fen == 821
    assert [p.list_price_fen for p in row.scheduled] == [900]
    just_before = pricing.fuel_rows(world.station_a.id, effective - timedelta(microseconds=1))
    assert next(r for r in just_before if r.fuel.code == "95").current.list_price_fen == 821
    with time_machine.travel(effective, tick=False):
        assert _current(world, world.station_a, "95").list_price_fen == 900


@pytest.mark.parametrize(
    ("list_fen", "member_fen", "field"),
    [(800, 801, "member_price"), (0, 0, "list_price"), (99999, 700, "list_price")],
)
def test_bad_prices_are_refused_and_nothing_saved(world, list_fen, member_fen, field):
    before = db.session.scalar(select(func.count(FuelPrice.id)))
    with pytest.raises(Invalid) as err:
        pricing.schedule_price(
            world.manager_a, world.station_a.id, world.fuels["92"].id, list_fen, member_fen
        )
    assert field in err.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count(FuelPrice.id))) == before


def test_past_effective_time_is_refused(world):
    with pytest.raises(Invalid) as err:
        pricing.schedule_price(
            world.manager_a,
            world.station_a.id,
            world.fuels["92"].id,
            800,
            780,
            utcnow() - timedelta(hours=1),
        )
    assert "effective_at" in err.value.fields


def test_cancel_future_price_once(world):
    effective = utcnow() + timedelta(days=1)
    price = pricing.schedule_price(
        world.manager_a, world.station_a.id, world.fuels["92"].id, 800, 780, effective
    )
    pricing.cancel_price(world.manager_a, world.station_a.id, price.id)
    row = next(r for r in pricing.fuel_rows(world.station_a.id) if r.fuel.code == "92")
    assert row.scheduled == []
    with pytest.raises(Conflict):
        pricing.cancel_price(world.manager_a, world.station_a.id, price.id)
    with time_machine.travel(effective + timedelta(minutes=1), tick=False):
        assert _current(world, world.station_a, "92").list_price_fen == 768


def test_price_in_force_cannot_be_cancelled(world):
    price = pricing.schedule_price(
        world.manager_a, world.station_a.id, world.fuels["92"].id, 800, 780
    )
    with pytest.raises(Conflict):
        pricing.cancel_price(world.manager_a, world.station_a.id, price.id)


def test_manager_of_other_station_and_cashier_are_refused(world):
    fuel = world.fuels["92"].id
    with pytest.raises(PermissionDenied):
        pricing.schedule_price(world.manager_b, world.station_a.id, fuel, 800, 780)
    with pytest.raises(PermissionDenied):
        pricing.schedule_price(world.cashier_a, world.station_a.id, fuel, 800, 780)
    assert _current(world, world.station_a, "92").list_price_fen == 768


def test_disabling_a_fuel_is_audited_and_shown(world):
    pricing.set_fuel_enabled(world.manager_a, world.station_a.id, world.fuels["98"].id, False)
    row = next(r for r in pricing.fuel_rows(world.station_a.id) if r.fuel.code == "98")
    assert row.enabled is False
    assert (
        db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "fuel.disable"))
        == 1
    )

"""Placing orders: server-side pricing, the snapshot, and every refusal."""

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.extensions import db
from app.models import Nozzle, Order, OutboxJob, StationHours
from app.services import orders
from app.services.catalogue import pricing, stations
from app.services.orders import placing
from app.services.platform.clock import SHANGHAI
from app.services.platform.errors import Invalid, NotFound
from tests.factories import make_member


@pytest.fixture
def member(world):
    return make_member(world.chain)


def place(world, member, **kwargs):
    args = {"fuel_code": "92", "nozzle_number": None, "mode": "amount", "amount_fen": 20000}
    args.update(kwargs)
    return orders.place_order(member, world.station_a.id, **args)


def test_amount_order_is_priced_at_member_price_with_snapshot(world, member):
    order = place(world, member)
    assert (order.status, order.amount_fen, order.mode) == ("created", 20000, "amount")
    assert (order.list_price_fen, order.unit_price_fen) == (768, 748)
    assert order.member_price_applied
    assert len(order.order_no) == 24 and order.order_no.startswith("JY")
    assert order.expires_at - order.created_at == timedelta(minutes=15)
    job = db.session.scalars(select(OutboxJob)).one()
    assert (job.kind, job.run_after) == ("expire_order", order.expires_at)
    # A later price change does not touch the order's snapshot.
    pricing.schedule_price(world.manager_a, world.station_a.id, world.fuels["92"].id, 799, 779)
    db.session.refresh(order)
    assert order.unit_price_fen == 748


def test_volume_order_costs_its_litres_at_the_member_price(world, member):
    order = place(world, member, mode="volume", amount_fen=None, volume_ml=30_010)
    assert order.amount_fen == 22447  # 30.01 L x 7.48 = 224.4748 -> 224.47


def test_fill_up_is_prepaid_up_to_the_station_cap(world, member):
    order = place(world, member, mode="fill_up", amount_fen=None)
    assert order.amount_fen == world.station_a.fill_up_cap_fen == 50000


def test_nozzle_gives_the_fuel(world, member):
    order = place(world, member, fuel_code=None, nozzle_number=2)
    assert order.fuel_id == world.fuels["95"].id and order.unit_price_fen == 801


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount_fen": 99}, "amount_fen"),
        ({"amount_fen": 200001}, "amount_fen"),
        ({"mode": "volume", "amount_fen": None, "volume_ml": 999}, "volume_ml"),
        ({"mode": "volume", "amount_fen": None, "volume_ml": 10_005}, "volume_ml"),
        ({"mode": "volume", "amount_fen": None, "volume_ml": 400_000}, "volume_ml"),
        ({"nozzle_number": 2}, "nozzle"),  # 2号枪 pours 95#, not 92#
        ({"nozzle_number": 42}, "nozzle"),
        ({"fuel_code": "E10"}, "fuel"),
        ({"mode": "lots"}, "mode"),
    ],
)
def test_bad_orders_are_refused_and_nothing_is_stored(world, member, kwargs, field):
    with pytest.raises(Invalid) as err:
        place(world, member, **kwargs)
    assert field in err.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_disabled_nozzle_unknown_and_closed_station(world, member):
    db.session.execute(Nozzle.__table__.update().where(Nozzle.number == 1).values(enabled=False))
    db.session.commit()
    with pytest.raises(Invalid, match="暂停使用"):
        place(world, member, nozzle_number=1)
    with pytest.raises(NotFound):
        orders.place_order(member, 999999, fuel_code="92", nozzle_number=None, mode="fill_up")
    db.session.execute(StationHours.__table__.delete())
    for weekday in range(7):
        db.session.add(
            StationHours(
                chain_id=world.chain.id,
                station_id=world.station_a.id,
                weekday=weekday,
                opens_min=7 * 60,
                closes_min=22 * 60,
            )
        )
    stations.mark_catalogue_changed(world.chain.id)  # as the console's hours edit does
    db.session.commit()
    late = datetime(2026, 11, 25, 23, 30, tzinfo=SHANGHAI)
    with time_machine.travel(late, tick=False), pytest.raises(orders.StationClosed):
        place(world, member)
    with time_machine.travel(datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI), tick=False):
        assert place(world, member).status == "created"


def test_orders_of_others_are_not_found(world, member):
    order = place(world, member)
    other = make_member(world.chain, openid="o-someone-else")
    with pytest.raises(NotFound):
        orders.get_order(other, order.id)
    assert orders.list_orders(other, 1, 20) == ([], 0)
    assert orders.list_orders(member, 1, 20)[1] == 1


def test_a_clashing_order_number_is_drawn_again_once(world, member, monkeypatch):
    first = place(world, member)  # committed, member and all
    numbers = iter([first.order_no, "JY2026112510000000000001"])
    monkeypatch.setattr(placing, "new_order_no", lambda: next(numbers))
    second = place(world, member)
    assert second.order_no == "JY2026112510000000000001"
    assert db.session.scalar(select(func.count(Order.id))) == 2
    assert db.session.scalar(select(func.count(OutboxJob.id))) == 2

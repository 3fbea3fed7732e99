"""A shift's figures against a hand-worked example: two fuels, three nozzles, a 回罐, a jump
with its reason, cash over; and a price change inside the shift splitting the report."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, Order, Shift, ShiftReading
from app.services.catalogue import pricing
from app.services.counter import shifts
from app.services.counter.shifts import handover
from app.services.counter.shifts.readings import Closing, litres_to_ml, ml_to_litres
from tests.shifts.conftest import L

pytestmark = pytest.mark.travel(hour=8)


def close_example(pumps, travel):
    world = pumps.world
    shift = pumps.open()
    travel.shift(timedelta(minutes=30))
    pumps.sell(1, 20 * L)  # 92# at 7.48: 149.60
    pumps.sell(5, 30_500)  # 92#: 228.14
    pumps.sell(2, 40 * L)  # 95# at 8.01: 320.40
    travel.shift(timedelta(hours=7))
    closings = pumps.closings(
        # 21.00 L on the meter, 1.00 L of it a test pour returned to the tank
        n1=Closing(100_021 * L, test_pour_ml=1 * L),
        # the board was swapped at 20 010.50 L; the new board counted 20.00 L from 0
        n5=Closing(20 * L, jump_before_ml=20_010_500, jump_after_ml=0, jump_reason="主板更换"),
        # 41.00 L on the meter, 40.00 L sold: 1.00 L unexplained, over the 0.50 L tolerance
        n2=Closing(50_041 * L),
    )
    return shifts.close_shift(world.cashier_a, shift.id, closings, 5000, "钱箱多出 50 元，待查")


def test_hand_worked_example(pumps, travel):
    orders = db.session.scalars(select(Order)).all()
    assert orders == []
    closed = close_example(pumps, travel)
    prices = {o.nozzle_id: o.unit_price_fen for o in db.session.scalars(select(Order))}
    assert sorted(prices.values()) == [748, 748, 801]  # member prices
    assert closed.status == "closed"
    assert closed.sold_ml == 90_500
    assert closed.sold_fen == 14_960 + 22_814 + 32_040
    assert closed.metered_ml == 20 * L + 30_500 + 41 * L  # 走字 less 回罐
    assert (closed.expected_cash_fen, closed.counted_cash_fen, closed.over_short_fen) == (
        0,
        5000,
        5000,
    )
    rows = {r.nozzle_number: r for r in db.session.scalars(select(ShiftReading))}
    assert (rows[1].metered_ml, rows[1].sold_ml, rows[1].test_pour_ml) == (20 * L, 20 * L, L)
    assert (rows[5].metered_ml, rows[5].jump_reason) == (30_500, "主板更换")
    assert (rows[2].metered_ml, rows[2].sold_ml) == (41 * L, 40 * L)

    figures = handover.live_report(pumps.world.cashier_a, closed)
    by_fuel = {line.name: line for line in figures.fuels}
    assert (by_fuel["92#汽油"].metered_ml, by_fuel["92#汽油"].sold.ml) == (50_500, 50_500)
    assert not by_fuel["92#汽油"].flagged
    assert by_fuel["95#汽油"].diff_ml == 1000 and by_fuel["95#汽油"].flagged
    assert [(f, m, t.count, t.ml, t.fen) for f, m, t in figures.methods] == [
        ("92#汽油", "会员钱包", 2, 50_500, 37_774),
        ("95#汽油", "会员钱包", 1, 40 * L, 32_040),
    ]
    assert not figures.has_price_change
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "shift.close"))
    assert audit.after["over_short_fen"] == 5000 and audit.after["flagged_fuels"] == ["95#汽油"]


def test_price_change_inside_the_shift_splits_the_report(pumps, travel):
    world = pumps.world
    shift = pumps.open()
    change_at = shift.opened_at + timedelta(hours=2)
    pricing.schedule_price(
        world.manager_a, world.station_a.id, world.fuels["92"].id, 790, 770, change_at
    )
    travel.shift(timedelta(hours=1))
    pumps.sell(1, 10 * L)  # at 7.48
    travel.shift(timedelta(hours=2))  # the new price is in force
    pumps.sell(1, 10 * L)  # at 7.70
    pumps.sell(2, 5 * L)
    travel.shift(timedelta(hours=1))
    closings = pumps.closings(
        n1=Closing(100_020 * L), n5=Closing(20_000 * L), n2=Closing(50_005 * L)
    )
    closed = shifts.close_shift(world.cashier_a, shift.id, closings, 0, "")
    figures = handover.live_report(world.cashier_a, closed)
    assert figures.has_price_change
    split = [
        (s.fuel_name, s.start, s.end, s.list_price_fen, s.totals.ml, s.totals.fen)
        for s in figures.segments
        if s.fuel_name == "92#汽油"
    ]
    assert split == [
        ("92#汽油", shift.opened_at, change_at, 768, 10 * L, 7480),
        ("92#汽油", change_at, closed.closed_at, 790, 10 * L, 7700),
    ]
    assert closed.sold_fen == 7480 + 7700 + 4005


def test_litres_typed_by_the_cashier():
    assert litres_to_ml("123456.78", "1号枪 交班泵码") == 123_456_780
    assert litres_to_ml(" 5 ", "x") == 5000 and litres_to_ml("", "x") is None
    assert ml_to_litres(30_500) == "30.50" and ml_to_litres(1) == "0.001"
    for bad, message in [("-1", "不能为负数"), ("1.0001", "最多三位小数"), ("abc", "请输入升数")]:
        with pytest.raises(ValueError, match=message):
            litres_to_ml(bad, "3号枪 交班泵码")


def test_open_prefills_from_the_last_close_and_refuses_a_second_open(pumps, travel):
    world = pumps.world
    close_example(pumps, travel)
    prefilled = dict(
        (n.number, ml) for n, ml in handover.nozzles_to_read(world.cashier_a, world.station_a.id)
    )
    assert prefilled == {1: 100_021 * L, 2: 50_041 * L, 5: 20 * L}
    with pytest.raises(shifts.handover.Conflict, match="尚未接班"):
        pumps.open(staff=world.manager_a)
    assert db.session.scalar(select(db.func.count()).select_from(Shift)) == 1

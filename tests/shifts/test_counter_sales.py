"""Walk-in sales at the counter go to the shift in progress: cash into the expected cash, every
method into the report by fuel x payment; a sale with no shift open waits for the next one."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Order
from app.services.counter import shifts
from app.services.counter.shifts import handover
from app.services.counter.shifts.readings import Closing
from app.services.counter.walkin_sale import Payment
from tests.counter.helpers import order_of, sell
from tests.shifts.conftest import L

pytestmark = pytest.mark.travel(hour=8)


def test_walk_in_sales_land_in_the_shift_and_the_cash_is_expected(pumps, travel):
    world = pumps.world
    shift = pumps.open()
    travel.shift(timedelta(minutes=10))
    # 20.00 L at the 92# list price 7.68 = 153.60, paid with 200.00 (46.40 change)
    cash = order_of(sell(world, Payment("cash", received_fen=20_000), nozzle=1, litres=20 * L))
    card = order_of(sell(world, Payment("pos", reference="6688"), nozzle=2, amount=10_000))
    assert (cash.shift_id, card.shift_id) == (shift.id, shift.id)
    assert cash.paid_fen == 15_360

    travel.shift(timedelta(hours=1))
    closings = pumps.closings(
        n1=Closing(100_020 * L), n2=Closing(50_000 * L + card.dispensed_ml), n5=Closing(20_000 * L)
    )
    closed = shifts.close_shift(world.cashier_a, shift.id, closings, 15_000, "少 3.60 元")
    # The drawer should hold the cash sale's amount (received less change), not what was handed.
    assert (closed.expected_cash_fen, closed.over_short_fen) == (15_360, -360)
    figures = handover.live_report(world.cashier_a, closed)
    methods = {(fuel, method): t.fen for fuel, method, t in figures.methods}
    assert methods == {("92#汽油", "现金"): 15_360, ("95#汽油", "银行卡"): 10_000}


def test_a_walk_in_sale_between_close_and_handover_goes_to_the_next_shift(pumps, travel):
    world = pumps.world
    shift = pumps.open()
    travel.shift(timedelta(hours=1))
    closings = pumps.closings(
        n1=Closing(100_000 * L), n2=Closing(50_000 * L), n5=Closing(20_000 * L)
    )
    shifts.close_shift(world.cashier_a, shift.id, closings, 0, "")
    between = order_of(sell(world, Payment("cash", received_fen=5_000), nozzle=1, litres=5 * L))
    assert between.shift_id is None  # the closed shift's figures never change
    travel.shift(timedelta(minutes=5))
    following = shifts.accept_handover(world.manager_a, shift.id)
    db.session.expire_all()
    assert db.session.get(Order, between.id).shift_id == following.id

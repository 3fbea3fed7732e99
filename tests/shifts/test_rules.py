"""The rules of a handover: never self-accepted, a closed shift never changes (corrections are
new entries), bad figures refused with the field named and nothing saved, the daily close."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import DailyClose, Order, Shift, ShiftCorrection, ShiftReading
from app.services.counter import shifts
from app.services.counter.shifts import daily, handover
from app.services.counter.shifts.readings import Closing
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid, PermissionDenied
from tests.factories import make_staff
from tests.shifts.conftest import L
from tests.shifts.test_figures import close_example

pytestmark = pytest.mark.travel(hour=8)


@pytest.fixture
def cashier_a2(world):
    staff = make_staff(world.chain, "cashier", [world.station_a], "cashier_a2")
    db.session.commit()
    return staff


def test_the_closer_cannot_accept_their_own_handover(pumps, travel):
    closed = close_example(pumps, travel)
    with pytest.raises(PermissionDenied, match="不能接自己交出的班"):
        shifts.accept_handover(pumps.world.cashier_a, closed.id)
    db.session.expire_all()
    assert db.session.get(Shift, closed.id).status == "closed"


def test_acceptance_opens_the_next_shift_with_the_closing_readings(pumps, travel, cashier_a2):
    closed = close_example(pumps, travel)
    travel.shift(timedelta(minutes=5))
    between = pumps.sell(1, 5 * L)  # no shift open: it waits for the next one
    assert between.shift_id is None
    travel.shift(timedelta(minutes=5))
    nxt = shifts.accept_handover(cashier_a2, closed.id)
    db.session.expire_all()
    assert db.session.get(Shift, closed.id).status == "accepted"
    assert db.session.get(Shift, closed.id).accepted_by_id == cashier_a2.id
    assert (nxt.status, nxt.previous_shift_id, nxt.opened_by_id) == (
        "open",
        closed.id,
        cashier_a2.id,
    )
    openings = {r.nozzle_number: r.opening_ml for r in handover.readings_of(nxt.id)}
    assert openings == {1: 100_021 * L, 2: 50_041 * L, 5: 20 * L}
    assert db.session.get(Order, between.id).shift_id == nxt.id
    with pytest.raises(Conflict):  # accepted once only
        shifts.accept_handover(pumps.world.manager_a, closed.id)


def test_a_closed_shift_cannot_change(pumps, travel):
    world = pumps.world
    closed = close_example(pumps, travel)
    closings = pumps.closings(n1=Closing(100_030 * L), n5=Closing(30 * L), n2=Closing(50_050 * L))
    with pytest.raises(Conflict, match="已交班"):
        shifts.close_shift(world.cashier_a, closed.id, closings, 0, "")
    for sql in (
        "UPDATE shift SET counted_cash_fen = 0, over_short_fen = 0 - expected_cash_fen",
        "UPDATE shift SET status = 'open'",
        "UPDATE shift_reading SET closing_ml = closing_ml + 1000",
        "DELETE FROM shift_reading",
        "DELETE FROM shift",
    ):
        with pytest.raises(DBAPIError, match="closed"):
            db.session.execute(text(sql))
        db.session.rollback()
    # A correction is a new entry; the shift's figures stay as closed.
    shifts.add_correction(
        world.manager_a, closed.id, "cash", "点错钱箱，实为 60 元", delta_fen=1000
    )
    db.session.expire_all()
    again = db.session.get(Shift, closed.id)
    assert (again.counted_cash_fen, again.over_short_fen) == (5000, 5000)
    assert db.session.scalar(select(ShiftCorrection.delta_fen)) == 1000
    with pytest.raises(PermissionDenied):  # corrections are the manager's
        shifts.add_correction(world.cashier_a, closed.id, "note", "补充说明")
    with pytest.raises(DBAPIError, match="insert-only"):
        db.session.execute(text("UPDATE shift_correction SET delta_fen = 1"))
    db.session.rollback()


@pytest.mark.parametrize(
    ("closing", "field", "message"),
    [
        (Closing(49_990 * L), "closing", "2号枪 交班泵码 小于 接班泵码"),
        (Closing(None), "closing", "2号枪 请填写交班泵码"),
        (Closing(5 * L, jump_before_ml=50_010 * L, jump_after_ml=0), "jump_reason", "请填写原因"),
        (Closing(5 * L, jump_before_ml=50_010 * L), "jump", "2号枪 跳码 请同时填写"),
        (
            Closing(5 * L, jump_before_ml=49_000 * L, jump_after_ml=0, jump_reason="清零"),
            "jump",
            "2号枪 跳码前读数 小于 接班泵码",
        ),
        (Closing(50_002 * L, test_pour_ml=3 * L), "test_pour", "回罐 3.00 升 超过 走字数 2.00 升"),
    ],
)
def test_bad_figures_name_the_field_and_save_nothing(pumps, closing, field, message):
    world = pumps.world
    shift = pumps.open()
    pumps.sell(1, 20 * L)
    closings = pumps.closings(n1=Closing(100_020 * L), n5=Closing(20_000 * L), n2=closing)
    with pytest.raises(Invalid) as refused:
        shifts.close_shift(world.cashier_a, shift.id, closings, 0, "")
    fields = refused.value.fields
    assert (
        list(fields) == [f"{field}_{pumps.ids[2]}"] and message in fields[f"{field}_{pumps.ids[2]}"]
    )
    db.session.expire_all()
    assert db.session.get(Shift, shift.id).status == "open"
    assert db.session.scalar(select(func.count()).where(ShiftReading.closing_ml.is_not(None))) == 0


def test_cash_over_or_short_needs_a_note(pumps):
    shift = pumps.open()
    closings = pumps.closings(
        n1=Closing(100_000 * L), n5=Closing(20_000 * L), n2=Closing(50_000 * L)
    )
    with pytest.raises(Invalid, match="请填写长短款说明"):
        shifts.close_shift(pumps.world.cashier_a, shift.id, closings, 100, "  ")
    with pytest.raises(Invalid, match="实点现金"):
        shifts.close_shift(pumps.world.cashier_a, shift.id, closings, None, "")


def test_a_sale_before_any_shift_belongs_to_none(pumps):
    before = pumps.sell(1, 5 * L)
    shift = pumps.open()
    db.session.expire_all()
    assert db.session.get(Order, before.id).shift_id is None
    assert pumps.sell(1, 5 * L).shift_id == shift.id


def test_daily_close_totals_and_locks_the_day(pumps, travel, cashier_a2):
    world = pumps.world
    closed = close_example(pumps, travel)
    day = to_local(closed.closed_at).date()
    with pytest.raises(Invalid, match="已经结束"):
        shifts.close_day(world.manager_a, world.station_a.id, day)
    travel.shift(timedelta(days=1))
    with pytest.raises(Conflict, match="未接班"):
        shifts.close_day(world.manager_a, world.station_a.id, day)
    shifts.accept_handover(cashier_a2, closed.id)
    shifts.add_correction(world.manager_a, closed.id, "cash", "少点 10 元", delta_fen=-1000)
    with pytest.raises(PermissionDenied):
        shifts.close_day(world.cashier_a, world.station_a.id, day)
    closing = shifts.close_day(world.manager_a, world.station_a.id, day)
    assert (
        closing.shift_count,
        closing.sold_fen,
        closing.counted_cash_fen,
        closing.over_short_fen,
    ) == (
        1,
        69_814,
        4000,
        4000,
    )
    db.session.expire_all()
    assert db.session.get(Shift, closed.id).daily_close_id == closing.id
    with pytest.raises(Conflict, match="已日结"):
        shifts.close_day(world.manager_a, world.station_a.id, day)
    with pytest.raises(Conflict, match="已日结"):
        shifts.add_correction(world.manager_a, closed.id, "note", "再补一句")
    assert db.session.scalar(select(func.count()).select_from(DailyClose)) == 1
    with pytest.raises(PermissionDenied):  # a manager of station B
        daily.day(world.manager_b, world.station_a.id, day)

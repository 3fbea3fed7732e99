"""Concurrency decided by the database: two closes of one shift, and a sale whose pump reading
is confirmed, or a cash top-up approved, while the shift is being closed (either order of
arrival) lands in one shift."""

import threading

import pytest
from sqlalchemy import event, select, text

from app.extensions import db
from app.models import LedgerEntry, LedgerTransaction, Order, Shift, Staff
from app.services import payments
from app.services.counter import shifts
from app.services.counter.shifts import handover
from app.services.counter.shifts.readings import Closing
from app.services.members import counter_topups
from app.services.orders import pickup
from app.services.platform.errors import Conflict
from tests.console.member_helpers import driver, pending
from tests.money.helpers import assert_ledger_ok, place
from tests.shifts.conftest import L
from tests.threads import WAIT_S, Worker, run_together, start_line
from tests.timing import wait_until

pytestmark = pytest.mark.travel(hour=8)


def closings(pumps, n1=100_020 * L):
    return pumps.closings(n1=Closing(n1), n5=Closing(20_000 * L), n2=Closing(50_000 * L))


def test_two_closes_of_one_shift_one_wins(app, pumps):
    shift = pumps.open()
    pumps.sell(1, 20 * L)
    cashier_id, manager_id = pumps.world.cashier_a.id, pumps.world.manager_a.id
    figures = closings(pumps)
    barrier, outcomes = start_line(2), []

    def close(staff_id):
        with app.app_context():
            staff = db.session.get(Staff, staff_id)
            barrier.wait()
            try:
                shifts.close_shift(staff, shift.id, figures, 0, "")
                outcomes.append("closed")
            except Conflict:
                outcomes.append("conflict")
            finally:
                db.session.remove()

    run_together(lambda: close(cashier_id), lambda: close(manager_id), barrier=barrier)
    assert sorted(outcomes) == ["closed", "conflict"]
    db.session.expire_all()
    assert db.session.get(Shift, shift.id).sold_ml == 20 * L


def blocked_on_a_lock() -> int:
    """Backends of this database waiting for a row lock (the other thread, held up)."""
    with db.engine.connect() as conn:
        return conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock'"
            )
        )


class PauseAfter:
    """Holds one thread right after it ran a statement containing `fragment` (its locks held)
    until released."""

    def __init__(self, fragment: str):
        self.fragment, self.thread = fragment, None
        self.reached, self.go = threading.Event(), threading.Event()

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if threading.current_thread() is self.thread and self.fragment in statement:
            self.reached.set()
            assert self.go.wait(WAIT_S)


def one_waits_for_the_other(fragment: str, leader, follower) -> None:
    """Runs leader until it has run a statement containing `fragment` (its locks held), then
    follower until it waits for one of those locks; then lets both finish."""
    pause = PauseAfter(fragment)
    event.listen(db.engine, "after_cursor_execute", pause)
    try:
        first = Worker(leader)
        pause.thread = first
        first.start()
        assert pause.reached.wait(WAIT_S)
        second = Worker(follower)
        second.start()
        wait_until(lambda: blocked_on_a_lock() >= 1)
        pause.go.set()
        first.finish()
        second.finish()
    finally:
        pause.go.set()
        event.remove(db.engine, "after_cursor_execute", pause)


@pytest.mark.parametrize("first", ["close", "sale"])
def test_a_sale_during_a_close_lands_in_exactly_one_shift(app, pumps, first):
    world = pumps.world
    shift = pumps.open()
    order = place(pumps.member, world.station_a, fuel_code="92", nozzle_number=1, amount_fen=60_000)
    payments.pay_with_wallet(pumps.member, order.id)
    token = pickup.token_for(order)
    cashier_id, attendant_id = world.cashier_a.id, world.attendant_a.id
    figures = closings(pumps)

    def close():
        with app.app_context():
            shifts.close_shift(db.session.get(Staff, cashier_id), shift.id, figures, 0, "")
            db.session.remove()

    def sell():
        with app.app_context():
            pickup.confirm_fueling(db.session.get(Staff, attendant_id), token, 20 * L)
            db.session.remove()

    one, other = (close, sell) if first == "close" else (sell, close)
    # The first comes to a stop holding its lock on the shift row; the second then waits.
    one_waits_for_the_other(
        "FOR UPDATE" if first == "close" else "UPDATE fuel_order SET shift_id", one, other
    )
    db.session.expire_all()
    closed, sold = db.session.get(Shift, shift.id), db.session.get(Order, order.id)
    assert closed.status == "closed" and sold.status == "fueled"
    if first == "close":  # the sale waited for the close: not in it, but in the next
        assert (sold.shift_id, closed.sold_ml) == (None, 0)
        nxt = shifts.accept_handover(world.manager_a, shift.id)
        db.session.expire_all()
        assert db.session.get(Order, order.id).shift_id == nxt.id
    else:  # the close waited for the sale: counted
        assert (sold.shift_id, closed.sold_ml) == (shift.id, 20 * L)
    assert db.session.scalar(select(Shift.sold_ml).where(Shift.id == shift.id)) == closed.sold_ml
    assert_ledger_ok()


def test_two_fuellings_while_no_shift_is_open_wait_rather_than_deadlock(app, pumps):
    """With no shift open, a fuelling locks the station row to wait for an opening, and later
    takes it again for the station's events: the same lock both times, or two fuellings that
    both hold the weaker one deadlock on the upgrade."""
    world = pumps.world
    tokens = []
    for _ in range(2):
        order = place(pumps.member, world.station_a, fuel_code="92", nozzle_number=1)
        payments.pay_with_wallet(pumps.member, order.id)
        tokens.append(pickup.token_for(order))
    attendant_id = world.attendant_a.id

    def fill(token):
        with app.app_context():
            pickup.confirm_fueling(db.session.get(Staff, attendant_id), token, 5 * L)
            db.session.remove()

    # The first fuelling holds the station; the second waits for it.
    one_waits_for_the_other(
        "FROM station \nWHERE station.id", lambda: fill(tokens[0]), lambda: fill(tokens[1])
    )
    db.session.expire_all()
    fuelled = db.session.scalars(select(Order).where(Order.status == "fueled")).all()
    assert len(fuelled) == 2 and {o.shift_id for o in fuelled} == {None}
    assert_ledger_ok()


@pytest.mark.parametrize("first", ["close", "topup"])
def test_a_cash_top_up_during_a_close_lands_in_exactly_one_shift(app, pumps, first):
    """The drawer's money is attached as a sale is: the top-up's cash is in the closed shift's
    expected cash, or it waits and the next shift takes it, never both or neither."""
    world = pumps.world
    shift = pumps.open()
    member = driver(world, "王师傅", "13900002222")
    topup_id = pending(world, member, 50_000).id
    cashier_id, manager_id = world.cashier_a.id, world.manager_a.id
    figures = closings(pumps, n1=100_000 * L)

    def close():
        with app.app_context():
            shifts.close_shift(
                db.session.get(Staff, cashier_id), shift.id, figures, 50_000, "按钱箱实点"
            )
            db.session.remove()

    def approve():
        with app.app_context():
            counter_topups.approve_counter_topup(db.session.get(Staff, manager_id), topup_id)
            db.session.remove()

    one, other = (close, approve) if first == "close" else (approve, close)
    # The first stops holding its lock on the shift row (the top-up: once its entries are in).
    one_waits_for_the_other(
        "FOR UPDATE" if first == "close" else "INSERT INTO ledger_entry", one, other
    )
    db.session.expire_all()
    closed = db.session.get(Shift, shift.id)
    drawer = db.session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.account == "cash_drawer",
            LedgerEntry.transaction_id.in_(
                select(LedgerTransaction.id).where(LedgerTransaction.kind == "topup.cash")
            ),
        )
    ).one()
    if first == "close":  # the top-up waited for the close: not in it, but in the next
        assert (drawer.shift_id, closed.expected_cash_fen, closed.over_short_fen) == (
            None,
            0,
            50_000,
        )
        nxt = shifts.accept_handover(world.manager_a, shift.id)
        db.session.expire_all()
        assert db.session.get(LedgerEntry, drawer.id).shift_id == nxt.id
        assert handover.live_report(world.manager_a, nxt).expected_cash_fen == 50_000
    else:  # the close waited for the top-up: counted
        assert (drawer.shift_id, closed.expected_cash_fen, closed.over_short_fen) == (
            shift.id,
            50_000,
            0,
        )
    assert_ledger_ok()

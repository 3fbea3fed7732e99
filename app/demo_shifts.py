"""The demo week's shifts (see app/demo_history.py) at the two stations open day and night:
handovers at 08:00 and 20:00 between the station's cashier and its manager, totalizer readings
that match the litres sold (one morning with a test pour returned to the tank, one shift with a
difference over the tolerance, flagged), counted cash with a short and an over, and daily closes
of the past days but yesterday, left for the manager to close. The shift open now at each is
the cashier's, so the counter works at once."""

from collections import Counter
from datetime import timedelta

from app.services.counter import shifts
from app.services.counter.shifts import Closing, drawer, handover, report

STATIONS = ("KM001", "DL002")
HANDOVER_HOURS = (8, 20)
ACCEPT_AFTER = timedelta(minutes=4)
TEST_POUR_ML = 5_000
CLOSE_DAY_AT = (9, 30)  # the manager closes the day before the next morning
# Set pieces at KM001, by days before today and handover hour: the close's note and what it
# does (cash over or short in fen, litres the totalizer shows beyond the sales, a test pour).
NOTES = {
    (5, 20): ("现金短款 50 元：找零差错，已登记", {"cash": -5_000}),
    (3, 8): ("早班计量检定，1号枪回罐 5 升", {"test_pour": TEST_POUR_ML}),
    (2, 20): ("顾客未取找零 20 元，已入账", {"cash": 2_000}),
    (1, 20): ("2号枪走字比销售多 1.2 升，待查监控", {"meter": 1_200}),
}


def schedule(history) -> None:
    for code in STATIONS:
        _schedule_station(history, code)


def _schedule_station(history, code: str) -> None:
    cashier = history.staff[f"{code.lower()}.cashier"]
    manager = history.staff[f"{code.lower()}.manager"]
    handovers = []
    for day in history.days():
        for hour in HANDOVER_HOURS:
            moment = history.local(day, hour)
            if moment + ACCEPT_AFTER < history.now - timedelta(minutes=5):
                handovers.append((day, hour, moment))
    # The cashier holds the last shift (open now): cashier and manager alternate back from it.
    holders = [
        cashier if (len(handovers) - n) % 2 == 0 else manager for n in range(len(handovers) + 1)
    ]
    state = {"holder": holders[0], "shift_id": None}
    history.timeline.at(history.start, _open_first, history, code, state)
    for n, (day, hour, moment) in enumerate(handovers):
        note = NOTES.get(((history.today - day).days, hour)) if code == "KM001" else None
        history.timeline.at(moment, _close, history, code, state, note)
        history.timeline.at(moment + ACCEPT_AFTER, _accept, history, code, state, holders[n + 1])
    for day in history.days()[:-2]:
        next_morning = history.local(day + timedelta(days=1), *CLOSE_DAY_AT)
        history.timeline.at(next_morning, _close_day, history, code, manager, day)


def _open_first(history, code: str, state: dict) -> None:
    """The station's first shift, its totalizers at the readings they have come to so far."""
    station = history.stations[code]
    openings = {
        nozzle.id: history.rng.randint(80_000, 900_000) * 1000 + history.rng.randint(0, 99) * 10
        for nozzle in station.nozzles
    }
    shift = shifts.open_shift(state["holder"], station.id, openings)
    state["shift_id"] = shift.id
    history.on_duty[code] = state["holder"]


def _close(history, code: str, state: dict, note: tuple[str, dict] | None) -> None:
    """交班: each nozzle's closing reading is its opening plus the litres it sold this shift
    (with the set piece's test pour or difference); the drawer is counted."""
    staff, shift_id = state["holder"], state["shift_id"]
    text, what = note or ("", {})
    sales = report.shift_sales(shift_id)
    sold = Counter()
    for sale in sales:
        sold[sale.nozzle_id] += sale.ml
    closings = {}
    for reading in handover.readings_of(shift_id):
        moved = reading.opening_ml + sold[reading.nozzle_id]
        if reading.nozzle_number == 1 and "test_pour" in what:
            closings[reading.nozzle_id] = Closing(moved + what["test_pour"], what["test_pour"])
        elif reading.nozzle_number == 2 and "meter" in what:
            closings[reading.nozzle_id] = Closing(moved + what["meter"])
        else:
            closings[reading.nozzle_id] = Closing(moved)
    expected = drawer.drawer_of(shift_id).expected_cash_fen
    counted = max(0, expected + what.get("cash", 0))
    shifts.close_shift(staff, shift_id, closings, counted, text)
    history.on_duty.pop(code, None)


def _accept(history, code: str, state: dict, next_holder) -> None:
    """接班: the next one accepts the closed shift and the next shift opens with its readings."""
    shift = shifts.accept_handover(next_holder, state["shift_id"])
    state["holder"], state["shift_id"] = next_holder, shift.id
    history.on_duty[code] = next_holder


def _close_day(history, code: str, manager, day) -> None:
    shifts.close_day(manager, history.stations[code].id, day)

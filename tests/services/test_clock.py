"""Opening hours in Asia/Shanghai: day, overnight, around the clock, closed days."""

from datetime import UTC, datetime, time, timedelta

import pytest

from app.services.platform.clock import (
    SHANGHAI,
    from_local,
    hhmm_to_minutes,
    is_open,
    minutes_to_hhmm,
    to_local,
)
from tests.timing import next_local

EVERY_DAY = range(7)
DAY = {d: (360, 1320) for d in EVERY_DAY}  # 06:00-22:00
OVERNIGHT = {d: (1200, 120) for d in EVERY_DAY}  # 20:00-02:00 next day
ALL_DAY = {d: (0, 1440) for d in EVERY_DAY}
MONDAY = next_local(weekday=0).date()  # of a week to come: no date that time overtakes


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Shanghai wall-clock time `day` days after that Monday (2 is Wednesday, 7 next Monday)."""
    return datetime.combine(MONDAY + timedelta(days=day), time(hour, minute), tzinfo=SHANGHAI)


def test_the_week_starts_on_a_monday():
    assert at(0, 12).weekday() == at(7, 12).weekday() == 0


@pytest.mark.parametrize(
    ("hours", "moment", "expected"),
    [
        (DAY, at(2, 5, 59), False),
        (DAY, at(2, 6, 0), True),  # opening minute included
        (DAY, at(2, 21, 59), True),
        (DAY, at(2, 22, 0), False),  # closing minute excluded
        (OVERNIGHT, at(2, 19, 59), False),
        (OVERNIGHT, at(2, 20, 0), True),
        (OVERNIGHT, at(2, 23, 59), True),
        (OVERNIGHT, at(3, 0, 0), True),  # after midnight: still Wednesday's opening
        (OVERNIGHT, at(3, 1, 59), True),
        (OVERNIGHT, at(3, 2, 0), False),
        (OVERNIGHT, at(3, 3, 0), False),
        (ALL_DAY, at(2, 0, 0), True),
        (ALL_DAY, at(2, 23, 59), True),
        ({}, at(2, 12, 0), False),
    ],
)
def test_is_open(hours, moment, expected):
    assert is_open(hours, moment) is expected


def test_overnight_needs_the_previous_day_to_be_open():
    only_wednesday = {2: (1200, 120)}
    assert is_open(only_wednesday, at(2, 21))  # Wednesday evening
    assert is_open(only_wednesday, at(3, 1))  # Thursday 01:00, from Wednesday
    assert not is_open(only_wednesday, at(2, 1))  # Wednesday 01:00: Tuesday was closed
    sunday_night = {6: (1320, 360)}
    assert is_open(sunday_night, at(7, 3))  # Monday 03:00 from Sunday: the week wraps


def test_is_open_uses_shanghai_time_whatever_the_zone_given():
    utc_moment = at(2, 6, 30).astimezone(UTC)  # 22:30 on Tuesday in UTC
    assert utc_moment.weekday() == 1
    assert is_open(DAY, utc_moment)
    assert not is_open({1: (360, 1320)}, utc_moment)  # the UTC date is Tuesday, Shanghai's not


def test_local_conversions():
    tuesday, wednesday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
    assert to_local(datetime.combine(tuesday, time(16, 0), tzinfo=UTC)) == at(2, 0)
    assert from_local(datetime.combine(wednesday, time(8, 0))) == datetime.combine(
        wednesday, time(0, 0), tzinfo=UTC
    )


@pytest.mark.parametrize(("text", "minutes"), [("00:00", 0), ("07:30", 450), ("24:00", 1440)])
def test_hhmm_round_trip(text, minutes):
    assert hhmm_to_minutes(text) == minutes
    assert minutes_to_hhmm(minutes) == text


@pytest.mark.parametrize("text", ["24:01", "7", "ab:cd", "12:60", "-1:00", ""])
def test_bad_hhmm(text):
    with pytest.raises(ValueError):
        hhmm_to_minutes(text)

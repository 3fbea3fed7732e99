"""Opening hours in Asia/Shanghai: day, overnight, around the clock, closed days."""

from datetime import UTC, datetime

import pytest

from app.services.platform.clock import (
    SHANGHAI,
    from_local,
    hhmm_to_minutes,
    is_open,
    minutes_to_hhmm,
    to_local,
)

EVERY_DAY = range(7)
DAY = {d: (360, 1320) for d in EVERY_DAY}  # 06:00-22:00
OVERNIGHT = {d: (1200, 120) for d in EVERY_DAY}  # 20:00-02:00 next day
ALL_DAY = {d: (0, 1440) for d in EVERY_DAY}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026 given in Shanghai wall-clock time (the 23rd is a Monday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def test_the_23rd_is_a_monday():
    assert at(23, 12).weekday() == 0


@pytest.mark.parametrize(
    ("hours", "moment", "expected"),
    [
        (DAY, at(25, 5, 59), False),
        (DAY, at(25, 6, 0), True),  # opening minute included
        (DAY, at(25, 21, 59), True),
        (DAY, at(25, 22, 0), False),  # closing minute excluded
        (OVERNIGHT, at(25, 19, 59), False),
        (OVERNIGHT, at(25, 20, 0), True),
        (OVERNIGHT, at(25, 23, 59), True),
        (OVERNIGHT, at(26, 0, 0), True),  # after midnight: still the 25th's opening
        (OVERNIGHT, at(26, 1, 59), True),
        (OVERNIGHT, at(26, 2, 0), False),
        (OVERNIGHT, at(26, 3, 0), False),
        (ALL_DAY, at(25, 0, 0), True),
        (ALL_DAY, at(25, 23, 59), True),
        ({}, at(25, 12, 0), False),
    ],
)
def test_is_open(hours, moment, expected):
    assert is_open(hours, moment) is expected


def test_overnight_needs_the_previous_day_to_be_open():
    only_wednesday = {2: (1200, 120)}
    assert is_open(only_wednesday, at(25, 21))  # Wednesday evening
    assert is_open(only_wednesday, at(26, 1))  # Thursday 01:00, from Wednesday
    assert not is_open(only_wednesday, at(25, 1))  # Wednesday 01:00: Tuesday was closed
    sunday_night = {6: (1320, 360)}
    assert is_open(sunday_night, at(30, 3))  # Monday 03:00 from Sunday: the week wraps


def test_is_open_uses_shanghai_time_whatever_the_zone_given():
    utc_moment = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)  # 06:30 on the 25th in Shanghai
    assert is_open(DAY, utc_moment)
    assert not is_open({1: (360, 1320)}, utc_moment)  # the UTC date is Tuesday, Shanghai's not


def test_local_conversions():
    assert to_local(datetime(2026, 11, 24, 16, 0, tzinfo=UTC)) == at(25, 0)
    assert from_local(datetime(2026, 11, 25, 8, 0)) == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "minutes"), [("00:00", 0), ("07:30", 450), ("24:00", 1440)])
def test_hhmm_round_trip(text, minutes):
    assert hhmm_to_minutes(text) == minutes
    assert minutes_to_hhmm(minutes) == text


@pytest.mark.parametrize("text", ["24:01", "7", "ab:cd", "12:60", "-1:00", ""])
def test_bad_hhmm(text):
    with pytest.raises(ValueError):
        hhmm_to_minutes(text)

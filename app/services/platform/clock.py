"""Time: UTC in the database, Asia/Shanghai for people, business days and opening hours."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from app.models.base import clock_stopped_at, utcnow

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

__all__ = ["SHANGHAI", "WEEKDAY_NAMES", "clock_stopped_at", "from_local", "to_local", "utcnow"]


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI)


def from_local(naive_local: datetime) -> datetime:
    """A wall-clock time in Asia/Shanghai (as typed by staff) to aware UTC."""
    return naive_local.replace(tzinfo=SHANGHAI).astimezone(UTC)


def minutes_to_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def hhmm_to_minutes(text: str) -> int:
    """'07:30' -> 450, '24:00' -> 1440; ValueError otherwise."""
    try:
        hours, minutes = (int(part) for part in text.strip().split(":"))
    except ValueError:
        raise ValueError("时间格式应为 HH:MM") from None
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise ValueError("时间格式应为 HH:MM")
    return hours * 60 + minutes


def is_open(hours: dict[int, tuple[int, int]], moment: datetime) -> bool:
    """Whether a station with these hours (weekday -> (opens_min, closes_min)) is open then.

    closes_min < opens_min means the day's opening runs past midnight into the next day.
    """
    local = to_local(moment)
    minute = local.hour * 60 + local.minute
    today = hours.get(local.weekday())
    if today:
        opens, closes = today
        if opens < closes and opens <= minute < closes:
            return True
        if closes < opens and minute >= opens:
            return True
    yesterday = hours.get((local.weekday() - 1) % 7)
    if yesterday:
        opens, closes = yesterday
        if closes < opens and minute < closes:
            return True
    return False

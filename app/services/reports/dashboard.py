"""The console home's live figures: today (the local Asia/Shanghai day, until now) over the
stations a staff member sees, in four indexed queries (station and time range).

What each figure means (the ledger's order accounts are prepaid_orders, fuel_revenue and
promotion_expense; check.py holds each order's paid - refunded there):
- paid_fen: what today's orders were paid (paid_at today), those cancelled later included.
- refund_count, refund_fen: order refunds booked today (refund.created_at), whichever day the
  order was paid: cancellations, settlement differences, staff refunds, to WeChat or the
  wallet. A follow-up of a WeChat refund that did not arrive is not counted again, nor is WeChat
  money sent straight back because its order no longer took it (the order never had it).
- revenue_fen (净收入) = paid_fen - refund_fen: the day's movement of the order accounts in the
  ledger, to the fen: -sum(entries on them) of the transactions posted today at the stations.
- orders_online, orders_counter: orders paid today and not cancelled, by channel.
- average_fen: what those orders come to so far (paid - refunded, each), per order, half-up.
  A fill-up order still waiting at the pump counts its prepaid cap until it is settled.
- members: distinct members of those orders.
- litres: millilitres dispensed today (fueled_at today) by fuel.
- hours: revenue_fen by local hour (payments at their hour less refunds at theirs), today and
  the same weekday a week ago; today's hours add up to revenue_fen. last_week_so_far_fen is a
  week ago up to the same time of day.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Integer, case, cast, func, literal, select, union_all

from app.extensions import db
from app.models import Fuel, Order, Refund, RefundFollowup, Staff, Station
from app.models.base import utcnow
from app.services.payments.refunds import STRAY_REASON
from app.services.platform.clock import from_local, to_local
from app.services.platform.errors import Invalid, PermissionDenied
from app.services.platform.money import round_half_up
from app.services.staff.access import covered_station_ids, visible_stations

ROLES = ("cashier", "manager", "chain_admin")
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Litres:
    fuel: str
    ml: int


@dataclass(frozen=True)
class Figures:
    day: date
    as_of: datetime  # UTC
    station_id: int | None  # the filter; None: every station the staff member sees
    paid_fen: int
    refund_count: int
    refund_fen: int
    revenue_fen: int
    orders_online: int
    orders_counter: int
    average_fen: int
    members: int
    litres: list[Litres]
    today_by_hour: list[int]  # 24 values, fen
    last_week_by_hour: list[int]
    last_week_so_far_fen: int

    @property
    def as_of_hour(self) -> int:
        return to_local(self.as_of).hour

    @property
    def orders(self) -> int:
        return self.orders_online + self.orders_counter


def may_see(staff: Staff) -> bool:
    return staff.role in ROLES


def stations_for(actor: Staff) -> list[Station]:
    """The stations the figures may cover: the station filter's choices."""
    if not may_see(actor):
        raise PermissionDenied("只有收银员、站长和总部管理员可以查看经营数据")
    return visible_stations(actor)


def read_station(args: Mapping[str, str]) -> int | None:
    """The station filter as typed (?station_id=); Invalid in Chinese if it is not a number."""
    value = (args.get("station_id") or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 2**31 - 1:
        raise Invalid({"station_id": "油站参数无效，请从列表中选择油站"})
    return int(value)


def _stations(actor: Staff, station_id: int | None) -> set[int]:
    """The stations covered; another's station is refused, never shown as zero."""
    if not may_see(actor):
        raise PermissionDenied("只有收银员、站长和总部管理员可以查看经营数据")
    return covered_station_ids(actor, station_id, "您无权查看该油站的经营数据")


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = from_local(datetime.combine(day, time()))
    return start, from_local(datetime.combine(day + timedelta(days=1), time()))


def _local_hour(column):
    """The Asia/Shanghai hour (0-23) of a UTC timestamp, in SQL (PostgreSQL or SQLite)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("hour", func.timezone("Asia/Shanghai", column)), Integer)
    # SQLite stores UTC text; Shanghai has kept UTC+8 all year since 1991.
    return cast(func.strftime("%H", column, "+8 hours"), Integer)


def today(actor: Staff, station_id: int | None = None) -> Figures:
    """The figures of today until now; PermissionDenied/NotFound for a station not theirs."""
    stations = _stations(actor, station_id)
    now = utcnow()
    day = to_local(now).date()
    start, end = _day_bounds(day)
    kept = Order.status != "cancelled"
    at_stations = (Order.chain_id == actor.chain_id, Order.station_id.in_(stations))
    paid_today = (*at_stations, Order.paid_at >= start, Order.paid_at < end)

    def kept_sum(value):
        return func.coalesce(func.sum(case((kept, value), else_=0)), 0)

    orders = db.session.execute(
        select(
            func.coalesce(func.sum(Order.paid_fen), 0),
            kept_sum(case((Order.channel == "online", 1), else_=0)),
            kept_sum(case((Order.channel == "counter", 1), else_=0)),
            kept_sum(Order.paid_fen - Order.refunded_fen),
            func.count(func.distinct(case((kept, Order.member_id)))),
        ).where(*paid_today)
    ).one()
    paid_fen, online, counter, kept_net, members = (int(v) for v in orders)

    booked = _booked_refunds(actor, stations)
    refunds = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Refund.amount_fen), 0)).where(
            *booked, Refund.created_at >= start, Refund.created_at < end
        )
    ).one()

    fuelled = (
        select(Fuel.name, func.sum(Order.dispensed_ml))
        .join(Fuel, Fuel.id == Order.fuel_id)
        .where(*at_stations, Order.fueled_at >= start, Order.fueled_at < end)
        .group_by(Fuel.id, Fuel.name, Fuel.code)
        .order_by(Fuel.code)
    )
    litres = [Litres(name, int(ml or 0)) for name, ml in db.session.execute(fuelled)]

    today_hours, week_hours, week_so_far = _hours(actor, stations, start, now)
    count = online + counter
    return Figures(
        day=day,
        as_of=now,
        station_id=station_id,
        paid_fen=paid_fen,
        refund_count=int(refunds[0]),
        refund_fen=int(refunds[1]),
        revenue_fen=paid_fen - int(refunds[1]),
        orders_online=online,
        orders_counter=counter,
        average_fen=round_half_up(kept_net, count) if count else 0,
        members=members,
        litres=litres,
        today_by_hour=today_hours,
        last_week_by_hour=week_hours,
        last_week_so_far_fen=week_so_far,
    )


def _booked_refunds(actor: Staff, stations: set[int]) -> tuple:
    """Order refunds that moved money out of the order accounts: not a follow-up of one, nor
    WeChat money sent straight back because the order no longer took it (a stray payment)."""
    follow_ups = select(RefundFollowup.new_refund_id)
    stray = (Refund.kind == "cancel") & (Refund.reason == STRAY_REASON)
    return (
        Refund.chain_id == actor.chain_id,
        Refund.station_id.in_(stations),
        Refund.order_id.is_not(None),
        Refund.id.not_in(follow_ups),
        ~stray,
    )


def _hours(
    actor: Staff, stations: set[int], start: datetime, now: datetime
) -> tuple[list[int], list[int], int]:
    """Revenue by local hour today and a week ago, and a week ago until the time it is now:
    one query over both days' payments and refunds, each day a plain range of the indexes."""
    days = ((1, start), (0, start - WEEK))  # (today?, the day's start)

    def moves(at, fen, where):
        """Each move with its day, its local hour and whether it came before the time of day
        it is now; grouped by plain columns, so both databases take the GROUP BY."""
        return [
            select(
                literal(today).label("today"),
                _local_hour(at).label("hour"),
                fen.label("fen"),
                case((at < now - WEEK, fen), else_=0).label("before_now"),
            ).where(*where, at >= low, at < low + timedelta(days=1))
            for today, low in days
        ]

    at_stations = (Order.chain_id == actor.chain_id, Order.station_id.in_(stations))
    payments = moves(Order.paid_at, Order.paid_fen, at_stations)
    refunds = moves(
        Refund.created_at, literal(0) - Refund.amount_fen, _booked_refunds(actor, stations)
    )
    both = union_all(*payments, *refunds).subquery()
    rows = db.session.execute(
        select(
            both.c.today, both.c.hour, func.sum(both.c.fen), func.sum(both.c.before_now)
        ).group_by(both.c.today, both.c.hour)
    )
    today_hours, week_hours, week_so_far = [0] * 24, [0] * 24, 0
    for is_today, at_hour, fen, before_now in rows:
        (today_hours if is_today else week_hours)[int(at_hour)] = int(fen)
        if not is_today:
            week_so_far += int(before_now)
    return today_hours, week_hours, week_so_far

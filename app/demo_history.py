"""A week of trading for the demo (part of the demo data, loaded with the chain): regular
drivers and their counter top-ups, the chain's coupons, banners and announcements
(demo_marketing), orders online and at the counter (many with a coupon), refunds, shifts with
their handovers and daily closes, so that the console's orders list, dashboard (today against
the same weekday last week), shifts and refunds show what a station owner would see on any day.

Everything is done by the real use cases, each at its own moment: steps are kept on a timeline
and run in time order with the clock stopped at the step's moment (clock_stopped_at: utcnow()
answers it, in this context only), up to a few minutes before now. The jobs the steps queue
(settlement above all) run in-process when due, as in the embedded mode.

WeChat Pay: the sandbox stands in for WeChat over HTTP, at the real time, so it cannot take a
payment made days ago. While the past is loaded, the app's WeChat Pay client is swapped for
PastWeChatPay, which only hands out prepay ids; each payment is then applied as WeChat's
notification would be (payments.apply_transaction). Such orders are paid for exactly what is
dispensed (litres set beforehand), so no refund ever has to go back through WeChat."""

import heapq
import itertools
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from app import demo_marketing, demo_orders, demo_regulars, demo_set_pieces, demo_shifts
from app.extensions import db
from app.models import Fuel, Member, Nozzle, Staff, Station
from app.models.base import utcnow
from app.services.platform import outbox
from app.services.platform.clock import clock_stopped_at, from_local, to_local

DAYS_BEFORE = 7  # today and the seven days before it: the same weekday last week included
LAST_STEP_BEFORE_NOW = timedelta(minutes=1)
JOB_BATCH = 200


class Timeline:
    """Steps to run at given moments, in time order (steps may add later ones)."""

    def __init__(self) -> None:
        self._steps: list = []
        self._order = itertools.count()

    def at(self, moment: datetime, step: Callable, *args) -> None:
        heapq.heappush(self._steps, (moment, next(self._order), step, args))

    def run(self, until: datetime) -> int:
        ran = 0
        while self._steps:
            moment, _, step, args = heapq.heappop(self._steps)
            if moment > until:
                raise RuntimeError(f"a demo step falls after now: {step.__name__} at {moment}")
            with clock_stopped_at(moment):
                step(*args)
            ran += 1
        return ran


@dataclass(frozen=True)
class Pump:
    """A nozzle as the steps need it (plain values: a commit inside a step expires ORM rows)."""

    id: int
    number: int
    fuel: str  # its fuel's code


@dataclass(frozen=True)
class Site:
    """A station as the steps need it."""

    id: int
    code: str
    city: str
    fill_up_cap_fen: int
    hours: dict[int, tuple[int, int]]  # weekday -> (opens, closes) in minutes
    nozzles: tuple[Pump, ...]  # by number


@dataclass
class History:
    """What the steps share: the chain's stations, nozzles and staff, the drivers, the clock's
    bounds, one seeded random generator (the same week each time) and the timeline."""

    chain_id: int
    password: str  # the demo staff's, re-entered for counter refunds
    start: datetime  # the first step: the evening before the first day, when shifts begin
    now: datetime  # nothing happens after this
    today: date  # local
    stations: dict[str, Site]  # by code
    fuels: dict[int, str]  # fuel id -> code
    staff: dict[str, Staff]  # by username
    drivers: list[Member]  # the demo drivers of the mini-program
    regulars: dict[str, list[Member]] = field(default_factory=dict)  # by home station code
    reserved: dict[str, list[Member]] = field(default_factory=dict)  # for the set pieces
    coupon_templates: dict[str, int] = field(default_factory=dict)  # demo_marketing's, by key
    on_duty: dict[str, Staff] = field(default_factory=dict)  # who holds the counter, by station
    rng: random.Random = field(default_factory=lambda: random.Random("jiayou-demo-week"))
    timeline: Timeline = field(default_factory=Timeline)

    def local(self, day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
        """A local wall-clock moment of `day`, as aware UTC."""
        return from_local(datetime.combine(day, time(hour, minute, second)))

    def days(self) -> list[date]:
        return [self.today - timedelta(days=n) for n in range(DAYS_BEFORE, -1, -1)]

    def member_of(self, code: str) -> Member:
        return self.rng.choice(self.regulars[code])

    def cashier(self, code: str) -> Staff:
        return self.on_duty.get(code) or self.staff[f"{code.lower()}.cashier"]

    def run_jobs_later(self, after: timedelta = timedelta(seconds=2)) -> None:
        self.timeline.at(utcnow() + after, run_jobs)


def load(chain_id: int, password: str) -> int:
    """Load the week into the demo chain, in the caller's transaction; how many steps ran."""
    now = utcnow()
    today = to_local(now).date()
    fuels = {
        f.id: f.code for f in db.session.scalars(select(Fuel).where(Fuel.chain_id == chain_id))
    }
    stations = {}
    for station in db.session.scalars(select(Station).where(Station.chain_id == chain_id)):
        nozzles = db.session.scalars(
            select(Nozzle).where(Nozzle.station_id == station.id).order_by(Nozzle.number)
        )
        stations[station.code] = Site(
            id=station.id,
            code=station.code,
            city=station.city,
            fill_up_cap_fen=station.fill_up_cap_fen,
            hours={h.weekday: (h.opens_min, h.closes_min) for h in station.hours},
            nozzles=tuple(Pump(n.id, n.number, fuels[n.fuel_id]) for n in nozzles),
        )
    history = History(
        chain_id=chain_id,
        password=password,
        start=from_local(datetime.combine(today - timedelta(days=DAYS_BEFORE + 1), time(20))),
        now=now,
        today=today,
        stations=stations,
        fuels=fuels,
        staff={
            s.username: s
            for s in db.session.scalars(select(Staff).where(Staff.chain_id == chain_id))
        },
        drivers=list(
            db.session.scalars(
                select(Member).where(Member.chain_id == chain_id).order_by(Member.id)
            )
        ),
    )
    demo_marketing.schedule(history)
    demo_regulars.schedule(history)
    demo_shifts.schedule(history)
    demo_orders.schedule(history)
    demo_set_pieces.schedule(history)
    with past_wechat_pay():
        ran = history.timeline.run(until=now - LAST_STEP_BEFORE_NOW)
    run_jobs()  # at the real time: what fell due meanwhile (unpaid orders expire ...)
    return ran


def run_jobs() -> None:
    """Run the jobs that are due now, as the embedded mode's job runner does."""
    while outbox.run_due(limit=JOB_BATCH) == JOB_BATCH:
        pass


class PastWeChatPay:
    """The app's WeChat Pay client while the past is loaded: a prepay id for each order paid
    with WeChat, nothing else (see the module's docstring)."""

    def create_jsapi(self, out_trade_no: str, **_request) -> str:
        return f"wx{out_trade_no}"

    def jsapi_pay_params(self, prepay_id: str) -> dict:
        return {"package": f"prepay_id={prepay_id}"}


@contextmanager
def past_wechat_pay() -> Iterator[None]:
    extensions = current_app.extensions
    before = extensions.get("wechat_pay_client")
    extensions["wechat_pay_client"] = PastWeChatPay()
    try:
        yield
    finally:
        if before is None:
            extensions.pop("wechat_pay_client", None)
        else:
            extensions["wechat_pay_client"] = before

"""The demo week's set pieces (see app/demo_history.py), each paid from the wallet of a regular
kept for them: refunds at the counter (two small ones sent at once, one above the station's
threshold waiting for the manager's approval), a driver's refund request from the mini-program
waiting for the manager, an order the driver cancelled before fuelling and one never paid
(expired), each giving its coupon back, and two paid orders waiting at the pump right now, for
the attendant's handheld."""

from datetime import timedelta
from typing import NamedTuple

from app import demo_orders
from app.models import Order
from app.models.base import utcnow
from app.services import payments
from app.services.orders import place_order
from app.services.payments import cancellation, counter_refunds, driver_refunds


class Refunded(NamedTuple):
    """An order paid from the wallet, refunded in part at the counter later that day."""

    days_ago: int
    hour: int
    minute: int
    station: str
    paid_fen: int
    refund_after_min: int
    refund_fen: int
    reason: str  # a code of COUNTER_REFUND_REASONS
    note: str


REFUNDS = [
    Refunded(4, 10, 15, "KM001", 20_000, 35, 3_000, "overcharged", "预置金额输错，退还 30 元"),
    Refunded(2, 16, 20, "KM003", 25_000, 40, 4_500, "other", "车主加错油品标号，退还差价"),
    # Above the station's 200 元 threshold: waits for the station manager.
    Refunded(1, 17, 40, "KM001", 40_000, 85, 25_000, "fuel_quality", "车主反映加油后车辆抖动"),
]


def schedule(history) -> None:
    at = history.local
    for refund in REFUNDS:
        moment = at(history.today - timedelta(days=refund.days_ago), refund.hour, refund.minute)
        history.timeline.at(moment, _refunded_later, history, refund)
    history.timeline.at(at(history.today - timedelta(days=1), 9, 30), _asked_later, history)
    history.timeline.at(at(history.today - timedelta(days=3), 8, 40), _cancelled, history)
    history.timeline.at(at(history.today - timedelta(days=5), 21, 10), _never_paid, history)
    for minutes_ago, amount in ((9, 25_000), (3, 18_000)):
        history.timeline.at(history.now - timedelta(minutes=minutes_ago), _waiting, history, amount)


def _wallet_order(history, code: str, amount: int, with_coupon: bool = False) -> Order:
    """An order paid from the wallet of the station's reserved regular; with_coupon: with the
    coupon the order page suggests."""
    station = history.stations[code]
    member = history.reserved[code][0]
    how = dict(fuel_code=None, nozzle_number=station.nozzles[0].number, mode="amount")
    how["amount_fen"] = amount
    coupon = demo_orders.suggested_coupon(member, station.id, **how) if with_coupon else None
    placed = payments.place_and_pay(member, station.id, "wallet", coupon_id=coupon, **how)
    return placed.order


def _refunded_later(history, refund: Refunded) -> None:
    order = _wallet_order(history, refund.station, refund.paid_fen)
    demo_orders.fuel_later(history, refund.station, order.id)
    moment = utcnow() + timedelta(minutes=refund.refund_after_min)
    history.timeline.at(moment, _refund, history, refund, order.id)


def _refund(history, refund: Refunded, order_id: int) -> None:
    """The cashier refunds at the counter, re-entering the password."""
    cashier = history.staff[f"{refund.station.lower()}.cashier"]
    counter_refunds.request_refund(
        cashier, order_id, refund.refund_fen, refund.reason, refund.note, history.password
    )


def _asked_later(history) -> None:
    """Fuelled in the morning; at noon the driver asks in the mini-program for 30 元 back."""
    order = _wallet_order(history, "KM001", 20_000)
    demo_orders.fuel_later(history, "KM001", order.id)
    history.timeline.at(utcnow() + timedelta(hours=2, minutes=40), _ask, history, order.id)


def _ask(history, order_id: int) -> None:
    member = history.reserved["KM001"][0]
    note = "油机显示20升，感觉实际只加了16升左右"
    driver_refunds.request_refund(member, order_id, 3_000, "short_fuel", note)


def _cancelled(history) -> None:
    order = _wallet_order(history, "KM001", 30_000, with_coupon=True)
    later = utcnow() + timedelta(minutes=3)
    history.timeline.at(later, _cancel, history, order.id)


def _cancel(history, order_id: int) -> None:
    member = history.reserved["KM001"][0]
    cancellation.cancel_order(member, order_id)


def _never_paid(history) -> None:
    """An order placed and left unpaid: it expires a quarter of an hour later (a job)."""
    station = history.stations["KM002"]
    member = history.regulars["KM002"][0]
    how = dict(fuel_code=None, nozzle_number=station.nozzles[0].number, mode="amount")
    how["amount_fen"] = 15_000
    place_order(
        member, station.id, coupon_id=demo_orders.suggested_coupon(member, station.id, **how), **how
    )
    history.run_jobs_later(timedelta(minutes=15, seconds=5))


def _waiting(history, amount: int) -> None:
    """Paid in the mini-program a few minutes ago; the driver is on the way to the pump."""
    _wallet_order(history, "KM001", amount)

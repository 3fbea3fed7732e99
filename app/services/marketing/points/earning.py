"""Points earned by a settled order, and taken back in proportion when it is refunded later.

Earning (`earn_for_order`) runs in the settling transaction, online orders and walk-in sales
with a member alike (payments.settlement.after_settlement). It reads the rule in force at
settlement, the order's fuel rate and the multiplier of the tier the order was priced at
(order.tier_id), and earns on what the driver kept of the payment (paid - refunded, at most the
fuel's amount: the settlement's change refund is not earned on). The daily cap is decided under
the member's account lock, so settlements at the same moment cannot pass it together. An order
earns once: a partial unique index on the earn entry backs that.

Reversal (`reverse_for_refund`) runs in a refund's transaction (payments.refunds.refund_order).
The target is cumulative: floor(earned x refunded since settlement / kept at settlement), less
what earlier reversals took or could not take. It takes from the order's own lot first, then the
others that expire first. Points already spent are not taken below zero: the balance goes to
zero at most and the part that could not be taken is recorded on the entry (shortfall), logged,
and audited with the refund's staff member; it is never owed later."""

import logging

from sqlalchemy import func, select

from app.extensions import db
from app.models import Fuel, Order, PointsEntry, PointsRuleFuel, Staff, Station
from app.models.base import utcnow
from app.services.marketing.points import book, rules
from app.services.platform import audit
from app.services.platform.clock import from_local, to_local
from app.services.platform.money import fen_to_yuan

log = logging.getLogger(__name__)


def _kept(order_id: int) -> tuple[int, int]:
    """(paid - refunded, dispensed_fen) as the order row holds them now."""
    paid, refunded, dispensed = db.session.execute(
        select(Order.paid_fen, Order.refunded_fen, Order.dispensed_fen).where(Order.id == order_id)
    ).one()
    return paid - refunded, dispensed or 0


def earn_for_order(order: Order) -> int:
    """Credit the points a settled order earns, in the caller's transaction; how many."""
    if order.member_id is None or not order.dispensed_ml:
        return 0
    now = utcnow()
    rule = rules.rule_at(order.chain_id, now)
    if rule is None:
        return 0
    rate = db.session.get(PointsRuleFuel, (rule.id, order.fuel_id))
    if rate is None:
        return 0
    kept, dispensed_fen = _kept(order.id)
    base = max(0, min(kept, dispensed_fen))
    percent = rules.tier_percent(rule.id, order.tier_id)
    points = rules.earned(
        rule.basis, rate.points, rate.per_units, percent, base, order.dispensed_ml
    )
    if points <= 0:
        return 0
    book.lock(order.member_id, order.chain_id, now)
    if _earn_entry(order.id) is not None:  # earned already (settlement runs once; a backstop)
        return 0
    capped = False
    if rule.daily_cap is not None:
        room = rule.daily_cap - _earned_today(order.member_id, now)
        capped = points > room
        points = min(points, room)
        if points <= 0:
            return 0
    lot_id, balance = book.credit(order.member_id, order.chain_id, points, now, rule.expiry_months)
    book.write_entry(
        order.member_id,
        order.chain_id,
        "earn",
        points,
        balance,
        [(lot_id, points)],
        now,
        order_id=order.id,
        lot_id=lot_id,
        rule_id=rule.id,
        base_fen=base,
        note=_earn_note(order, base, percent, capped),
    )
    return points


def _earn_note(order: Order, base: int, percent: int, capped: bool) -> str:
    station = db.session.get(Station, order.station_id)
    fuel = db.session.get(Fuel, order.fuel_id)
    litres = f"{order.dispensed_ml / 1000:.2f}"
    note = f"{station.name} {fuel.name} {litres} 升 {fen_to_yuan(base)} 元"
    if percent != 100:
        note += f" 等级{rules.percent_text(percent)}"
    if capped:
        note += "（已达每日上限）"
    return note[:200]


def _earn_entry(order_id: int) -> PointsEntry | None:
    return db.session.scalar(
        select(PointsEntry).where(PointsEntry.order_id == order_id, PointsEntry.kind == "earn")
    )


def _earned_today(member_id: int, now) -> int:
    local = to_local(now)
    day_starts = from_local(local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None))
    return db.session.scalar(
        select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
            PointsEntry.member_id == member_id,
            PointsEntry.kind == "earn",
            PointsEntry.created_at >= day_starts,
        )
    )


def reverse_for_refund(order: Order, actor: Staff | None = None) -> int:
    """Take back, in the refund's transaction, the share of the order's points that the refunds
    since settlement stand for (see the module's docstring); how many were taken."""
    earn = _earn_entry(order.id)
    if earn is None or not earn.base_fen:
        return 0
    kept, _ = _kept(order.id)  # the refund's guarded UPDATE holds the order's row
    refunded = min(earn.base_fen, max(0, earn.base_fen - kept))
    target = earn.delta * refunded // earn.base_fen
    now = utcnow()
    balance = book.lock(earn.member_id, earn.chain_id, now)
    done = db.session.scalar(
        select(func.coalesce(func.sum(PointsEntry.shortfall - PointsEntry.delta), 0)).where(
            PointsEntry.order_id == order.id, PointsEntry.kind == "reverse"
        )
    )
    need = target - done
    if need <= 0:
        return 0
    take = min(need, balance)
    parts = []
    if take:
        parts, balance = book.debit(earn.member_id, take, now, first_lot_id=earn.lot_id)
    shortfall = need - take
    book.write_entry(
        earn.member_id,
        earn.chain_id,
        "reverse",
        -take,
        balance,
        parts,
        now,
        order_id=order.id,
        shortfall=shortfall,
        note=f"订单 {order.order_no} 退款",
    )
    if shortfall:
        log.warning(
            "points reversal of order %s: %s points already spent, not taken back",
            order.id,
            shortfall,
        )
        audit.record(
            actor,
            "points.reverse_shortfall",
            "order",
            order.id,
            chain_id=order.chain_id,
            station_id=order.station_id,
            after={"order_no": order.order_no, "points": need, "taken": take, "short": shortfall},
        )
    return take

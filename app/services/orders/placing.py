"""Placing, reading and cancelling a driver's fuel orders."""

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Member, Order, Refund
from app.models.base import utcnow
from app.services.marketing import first_orders, redeeming
from app.services.marketing.stacking import MAX_VOLUME_ML, VOLUME_STEP_ML
from app.services.members.vehicles import default_plate, normalise_plate
from app.services.orders import quoting, statements
from app.services.orders.quoting import (
    MIN_AMOUNT_FEN,
    MIN_VOLUME_ML,
    StationClosed,
    member_qualifies,
    resolve_fuel,
)
from app.services.platform import outbox
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, NotFound
from app.services.platform.money import fen_to_yuan
from app.services.platform.unit_of_work import unit_of_work

PAY_WITHIN = timedelta(minutes=15)
# Names the rest of the app takes from here (the order's rules).
__all__ = [
    "MAX_VOLUME_ML",
    "MIN_AMOUNT_FEN",
    "MIN_VOLUME_ML",
    "VOLUME_STEP_ML",
    "StationClosed",
    "member_qualifies",
    "resolve_fuel",
]


class PriceChanged(Conflict):
    code = "price_changed"


def clean_plate(plate: str | None) -> str | None:
    """The plate in its usual form (see members.vehicles for the rules); None if blank."""
    if plate is None or not plate.strip():
        return None
    return normalise_plate(plate)


def new_order_no() -> str:
    """JY + local time + 8 random digits: 24 characters, valid as a WeChat out_trade_no."""
    stamp = to_local(utcnow()).strftime("%Y%m%d%H%M%S")
    return f"JY{stamp}{secrets.randbelow(10**8):08d}"


def place_order(
    member: Member,
    station_id: int,
    *,
    fuel_code: str | None,
    nozzle_number: int | None,
    mode: str,
    amount_fen: int | None = None,
    volume_ml: int | None = None,
    plate: str | None = None,
    channel: str = "online",
    coupon_id: int | None = None,
    expected_amount_fen: int | None = None,
) -> Order:
    """Price an order on the server at the price in force now (orders.quoting, with the
    campaigns live for it and the coupon if one is chosen) and store the snapshot, the coupon
    and a first-order discount held on it and its expiry job, in one transaction. plate: None
    takes the default vehicle's plate (if the member has vehicles), "" means no plate; channel:
    "counter" when staff place it. expected_amount_fen: the amount to pay the driver was shown;
    PriceChanged (nothing placed) if it is not the amount now (or a first-order discount it
    counted on went to another order: FirstOrderTaken, the same answer)."""
    plate = default_plate(member) if plate is None else clean_plate(plate)
    now = utcnow()
    how = dict(fuel_code=fuel_code, nozzle_number=nozzle_number, mode=mode)
    q = quoting.quote(member, station_id, now, amount_fen=amount_fen, volume_ml=volume_ml, **how)
    coupon = None
    if coupon_id is not None:
        coupon = redeeming.choose(member, coupon_id, q.station.id, q.fuel.fuel_id, q.base, now)
    bill = coupon.breakdown if coupon else q.base
    if expected_amount_fen is not None and expected_amount_fen != bill.pay_fen:
        raise PriceChanged(
            f"应付金额已变为 {fen_to_yuan(bill.pay_fen)} 元（油价或优惠已变化），请确认后重新下单"
        )
    row = dict(
        chain_id=member.chain_id,
        station_id=q.station.id,
        member_id=member.id,
        fuel_id=q.fuel.fuel_id,
        nozzle_id=q.nozzle.id if q.nozzle else None,
        plate=plate,
        mode=mode,
        channel=channel,
        preset_amount_fen=q.amount_fen,
        preset_volume_ml=q.volume_ml,
        price_id=q.price.id,
        list_price_fen=q.price.list_price_fen,
        unit_price_fen=bill.unit_price_fen,
        member_price_applied=q.member_price_applied,
        tier_id=q.tier.tier_id,
        tier_cut_fen=q.tier.tier_cut_fen,
        pricing_note=q.tier.note,
        amount_fen=bill.pay_fen,
        coupon_id=coupon.coupon.id if coupon else None,
        coupon_fen=bill.coupon_fen,
        day_campaign_id=bill.day_campaign_id,
        day_cut_fen=bill.day_cut_fen,
        campaign_id=bill.campaign_id,
        campaign_fen=bill.campaign_fen,
        status="created",
        expires_at=now + PAY_WITHIN,
        created_at=now,
    )
    with unit_of_work(keep_loaded=True):  # the order as inserted is the answer
        order = _insert(row)
        if coupon is not None:
            redeeming.hold(coupon, order.id, now)
        if q.campaigns.kind(bill.campaign_id) == "first_order":
            first_orders.take(order, bill.campaign_id, now)
        outbox.enqueue(
            "expire_order",
            {"order_id": order.id},
            dedupe_key=f"expire:{order.id}",
            run_after=order.expires_at,
        )
        return order


def _insert(row: dict) -> Order:
    """The order, under a fresh order number; a coupon on another live order refused."""
    for _draw in range(2):  # random numbers clash once in 10^8 a second: one more draw
        row["order_no"] = new_order_no()
        try:
            order = statements.insert_order(row)
        except IntegrityError as err:  # uq_fuel_order_live_coupon, after the other's commit
            if row["coupon_id"] is not None and "coupon" in str(err.orig):
                raise redeeming.CouponUnusable("该优惠券刚刚已用于另一笔订单，请重新选择") from None
            raise
        if order is not None:
            return order
    raise RuntimeError("two order numbers drawn in a row were taken")


def get_order(member: Member, order_id: int) -> Order:
    """A driver's own order; anyone else's is 'not found' (no hint that it exists)."""
    # What the database holds now, even if the session had the order loaded: a use case
    # decides on it.
    order = db.session.get(Order, order_id, populate_existing=True)
    if order is None or order.member_id != member.id:
        raise NotFound("订单不存在")
    return order


def list_orders(member: Member, page: int, per_page: int) -> tuple[list[Order], int]:
    base = select(Order).where(Order.member_id == member.id)
    total = db.session.scalar(select(db.func.count()).select_from(base.subquery()))
    rows = db.session.scalars(
        base.order_by(Order.id.desc()).offset((page - 1) * per_page).limit(per_page)
    )
    return list(rows), total


def refunds_by_order(order_ids: list[int]) -> dict[int, list[Refund]]:
    """The refunds of these orders, oldest first, in one query whatever their number."""
    found: dict[int, list[Refund]] = {order_id: [] for order_id in order_ids}
    query = select(Refund).where(Refund.order_id.in_(order_ids)).order_by(Refund.id)
    for refund in db.session.scalars(query):
        found[refund.order_id].append(refund)
    return found

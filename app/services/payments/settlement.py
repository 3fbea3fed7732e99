"""Settling a fuelled order: revenue at list price, the member cut, the campaigns and the coupon
as promotion expense, the unused part of the payment back to where it came from, and the
member's tier recomputed with the order counted."""

from app.models.base import utcnow
from app.services import ledger
from app.services.ledger.postings import Leg
from app.services.marketing import points, redeeming
from app.services.members import tier_status
from app.services.orders import order_state
from app.services.payments import refunds
from app.services.platform.money import amount_for_volume
from app.services.platform.unit_of_work import unit_of_work


def settle_order(order_id: int) -> bool:
    """Job, one transaction: settle once; running it again (or after a crash) changes nothing.

    The tier is recomputed in the same transaction, last (its lock on the member's row is held
    for the shortest time): the order and the tier it earns commit together, so the driver's
    next order is priced at the new tier, and a settlement that rolls back leaves no tier
    change behind."""
    with unit_of_work():
        order = order_state.take(order_id, "fueled", "settled", settled_at=utcnow())
        if order is None:  # not fuelled (yet), or settled already
            return False
        charged = order.dispensed_fen  # less the campaign and the coupon
        coupon_fen = order.dispensed_coupon_fen or 0
        campaign_fen = (order.dispensed_day_fen or 0) + (order.dispensed_campaign_fen or 0)
        value = charged + coupon_fen + (order.dispensed_campaign_fen or 0)  # at the unit price
        at_list_price = max(amount_for_volume(order.list_price_fen, order.dispensed_ml), value)
        member_fen = at_list_price - value - (order.dispensed_day_fen or 0)
        ledger.post(
            order.chain_id,
            "order.settle",
            [
                Leg("prepaid_orders", charged, station_id=order.station_id),
                Leg("promotion_expense", member_fen, station_id=order.station_id),
                Leg("fuel_revenue", -charged - member_fen, station_id=order.station_id),
            ],
            station_id=order.station_id,
            order_id=order.id,
        )
        book_campaign(order, campaign_fen)
        if order.coupon_id is not None:
            book_coupon(order, coupon_fen)
        unused = order.paid_fen - order.refunded_fen - charged
        if unused > 0:
            refunds.create_refund(order, unused, "settlement", "加油差额退款")
        after_settlement(order)
        return True


def book_campaign(order, campaign_fen: int) -> None:
    """A settled sale's campaigns, in the settling transaction: what they took off (the
    per-litre cut's saving and the campaign on the value) booked as promotion expense against
    revenue at list price, in a ledger transaction of its own (campaign.discount: the ledger
    check ties each to the order's dispensed_day_fen + dispensed_campaign_fen)."""
    if not campaign_fen:
        return
    ids = [i for i in (order.day_campaign_id, order.campaign_id) if i is not None]
    ledger.post(
        order.chain_id,
        "campaign.discount",
        [
            Leg("promotion_expense", campaign_fen, station_id=order.station_id),
            Leg("fuel_revenue", -campaign_fen, station_id=order.station_id),
        ],
        station_id=order.station_id,
        order_id=order.id,
        memo="活动 " + "、".join(f"#{i}" for i in ids),
    )


def book_coupon(order, coupon_fen: int) -> None:
    """A settled sale's coupon, in the settling transaction: what it took off booked as
    promotion expense against revenue at list price, in a ledger transaction of its own
    (coupon.discount: the ledger check ties each to its coupon), and that amount kept on the
    coupon; a coupon that took nothing off goes back to its member (marketing.redeeming)."""
    if coupon_fen:
        ledger.post(
            order.chain_id,
            "coupon.discount",
            [
                Leg("promotion_expense", coupon_fen, station_id=order.station_id),
                Leg("fuel_revenue", -coupon_fen, station_id=order.station_id),
            ],
            station_id=order.station_id,
            order_id=order.id,
            memo=f"优惠券 #{order.coupon_id}",
        )
    redeeming.settle(order.id, coupon_fen, utcnow())


def after_settlement(order) -> None:
    """What follows every settled order, online or a walk-in sale at the counter
    (counter.walkin_sale), in the settling transaction, last: the member's tier recomputed with
    the order counted. Work that every settled sale needs (the shift in progress, 交接班)
    belongs here, so that both kinds of sale get it. Points earned first: the tier last."""
    points.earn_for_order(order)
    if order.member_id is not None:
        tier_status.recompute_tier(order.member_id, "settlement", chain_id=order.chain_id)

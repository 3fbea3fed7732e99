"""What a pump reading of a paid order costs the driver: the order's snapshot (its prices, the
campaigns it got, its coupon) priced on the litres dispensed by marketing.stacking, and the
most the pump may dispense for what is left of the payment (marketing.pump_limit)."""

from dataclasses import dataclass

from app.models import Order
from app.services.marketing import live_campaigns, pump_limit, redeeming, stacking
from app.services.marketing.stacking import CampaignRule, CouponRule, Placed
from app.services.platform.errors import Invalid
from app.services.platform.money import amount_for_volume, fen_to_yuan


@dataclass(frozen=True)
class Fueling:
    """What a pump reading comes to at the order's price, less its campaign and its coupon
    (marketing.stacking), and what goes back to the driver."""

    dispensed_ml: int
    dispensed_fen: int  # to pay for the fuel: at the order's price, less the discounts
    refund_fen: int
    coupon_fen: int = 0  # what the coupon took off it
    campaign_fen: int = 0  # what the campaign on the value took off it
    day_fen: int = 0  # what the per-litre campaign saved on it


@dataclass(frozen=True)
class OrderRules:
    """The coupons' and the campaigns' rules of some orders, read at once (rules_of)."""

    coupons: dict[int, CouponRule]
    campaigns: dict[int, CampaignRule]


def rules_of(orders) -> OrderRules:
    """The rules of these orders' coupons and campaigns on the value, in a query each at
    most (none when no order has one)."""
    orders = list(orders)
    return OrderRules(
        redeeming.rules_of(o.coupon_id for o in orders),
        live_campaigns.rules_of(o.campaign_id for o in orders),
    )


def available_fen(order: Order) -> int:
    """What the order may still be fuelled for: paid, less what was refunded already."""
    return order.paid_fen - order.refunded_fen


def coupon_rule(order: Order, rules: OrderRules | None = None) -> CouponRule | None:
    """The rule of the order's coupon (from rules, when the caller read those of many orders
    at once)."""
    if order.coupon_id is None:
        return None
    if rules is None:
        return redeeming.rules_of([order.coupon_id])[order.coupon_id]
    return rules.coupons[order.coupon_id]


def campaign_rule(order: Order, rules: OrderRules | None = None) -> CampaignRule | None:
    """The rule of the order's campaign on the value (首单, 满额立减)."""
    if order.campaign_id is None:
        return None
    if rules is None:
        return live_campaigns.rules_of([order.campaign_id])[order.campaign_id]
    return rules.campaigns[order.campaign_id]


def placed(order: Order, rules: OrderRules | None = None) -> Placed:
    """The order's price as placed, to price the fuel dispensed for it."""
    day = None
    if order.day_campaign_id is not None and order.day_cut_fen:
        day = CampaignRule(order.day_campaign_id, "members_day", per_litre_fen=order.day_cut_fen)
    return Placed(
        order.list_price_fen,
        order.unit_price_fen,
        order.amount_fen + order.coupon_fen + order.campaign_fen,
        order.amount_fen,
        coupon_rule(order, rules),
        day,
        campaign_rule(order, rules),
    )


def max_volume_ml(order: Order, rules: OrderRules | None = None) -> int:
    """The largest 10 ml step the pump may dispense for what is left of the payment (less the
    campaign's and the coupon's saving on those litres)."""
    if order.coupon_id is None and order.campaign_id is None:
        return pump_limit.litres_within(order.unit_price_fen, available_fen(order))
    return pump_limit.max_volume_ml(placed(order, rules), available_fen(order))


def price_fueling(order: Order, dispensed_ml: int) -> Fueling:
    """A pump reading checked against the order; Invalid if it is not one or exceeds the payment."""
    if not isinstance(dispensed_ml, int) or isinstance(dispensed_ml, bool) or dispensed_ml <= 0:
        raise Invalid({"dispensed_ml": "请输入加油升数"})
    if dispensed_ml % 10:
        raise Invalid({"dispensed_ml": "升数精确到两位小数"})
    has = (order.coupon_id, order.campaign_id, order.day_campaign_id)
    if any(i is not None for i in has):
        # The discounts on the fuel dispensed, not on the preset (docs/coupons.md, campaigns.md).
        bill = stacking.dispensed(placed(order), dispensed_ml)
        pay, discounts = bill.pay_fen, (bill.coupon_fen, bill.campaign_fen, bill.day_fen)
    else:
        pay, discounts = amount_for_volume(order.unit_price_fen, dispensed_ml), ()
    available = available_fen(order)
    if pay > available:
        raise Invalid(
            {
                "dispensed_ml": f"加油金额 {fen_to_yuan(pay)} 元超过已付 "
                f"{fen_to_yuan(available)} 元，请核对油机读数"
            }
        )
    return Fueling(dispensed_ml, pay, available - pay, *discounts)

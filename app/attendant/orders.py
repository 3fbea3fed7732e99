"""The paid order behind a scanned QR, a preview of a pump reading, and confirming it."""

from dataclasses import asdict

from flask_login import current_user

from app.attendant import bp
from app.attendant.auth import staff_required
from app.attendant.schemas import (
    CodeLookupRequest,
    CodeLookupResponse,
    ConfirmRequest,
    ConfirmResponse,
    LookupQuery,
    PickupOrder,
    PreviewQuery,
    PreviewResponse,
)
from app.jsonapi.openapi import api_route
from app.jsonapi.parsing import parse_body, parse_query
from app.jsonapi.render import order_basics
from app.models import Order
from app.services.orders import fueling, pickup, pickup_code
from app.services.orders.fueling import Fueling, OrderRules
from app.services.platform.unit_of_work import retrying

# What a scanned token can go wrong with: a role that may not confirm, another station, unknown,
# used, an order no longer paid, expired.
TOKEN_ERRORS = (
    "forbidden",
    "other_station",
    "not_found",
    "token_used",
    "conflict",
    "token_expired",
)


def order_json(order: Order, rules: OrderRules | None = None) -> dict:
    """rules: the coupons' and campaigns' rules of a list of orders (fueling.rules_of), read
    here if None."""
    rules = rules or fueling.rules_of([order])
    rule, campaign = fueling.coupon_rule(order, rules), fueling.campaign_rule(order, rules)
    placed = order.amount_fen + order.coupon_fen + order.campaign_fen
    return {
        **order_basics(order),
        "fill_up_cap_fen": placed if order.mode == "fill_up" else None,
        "available_fen": fueling.available_fen(order),
        "max_volume_ml": fueling.max_volume_ml(order, rules),
        "coupon": asdict(rule) if rule else None,
        "campaign": campaign_json(campaign, placed),
        "member_nickname": order.member.nickname,
    }


def campaign_json(rule, placed_value_fen: int) -> dict | None:
    """The order's campaign on the value, as the handheld's offline estimate needs it."""
    if rule is None:
        return None
    figures = ("kind", "per_litre_fen", "off_fen", "threshold_fen", "repeating", "max_off_fen")
    return {name: getattr(rule, name) for name in figures} | {"placed_value_fen": placed_value_fen}


def fueling_json(order: Order, reading: Fueling) -> dict:
    return {
        "order": order_json(order),
        "dispensed_ml": reading.dispensed_ml,
        "dispensed_fen": reading.dispensed_fen,
        "coupon_fen": reading.coupon_fen,
        "campaign_fen": reading.campaign_fen + reading.day_fen,
        "refund_fen": reading.refund_fen,
    }


@api_route(
    bp,
    "/orders/lookup",
    "GET",
    summary="扫码：取油码对应的已支付订单（只限本站）",
    description="扫到的取油码对应的订单：车牌、油品、油枪、预付金额和最多可加的升数。"
    "别的油站的订单答 403 other_station，已用过的答 409 token_used，过期的答 410。",
    tag="orders",
    query=LookupQuery,
    response=PickupOrder,
    errors=TOKEN_ERRORS,
)
@staff_required
def lookup_order():
    q = parse_query(LookupQuery)
    return order_json(pickup.lookup(current_user, q.token))


@api_route(
    bp,
    "/orders/by-code",
    "POST",
    summary="手动输入 8 位取油码：只查本站已支付的订单，返回订单和二维码取油码",
    description="摄像头不能用时，输入司机二维码下方的 8 位数字取油码（可带空格或连字符）。"
    "只在 station_id 这个油站已支付、未加油的订单中查找；答复里的 token 之后用于预览和确认加油，"
    "与扫码相同。连续输错 5 次，这个账号暂停手动输入 10 分钟（429 pickup_code_locked），"
    "扫码不受影响。",
    tag="orders",
    body=CodeLookupRequest,
    response=CodeLookupResponse,
    errors=("forbidden", "other_station", "pickup_code_not_found", "pickup_code_locked"),
)
@staff_required
def lookup_by_code():
    data = parse_body(CodeLookupRequest)
    order, token = pickup_code.lookup_by_code(current_user, data.station_id, data.code)
    return {"order": order_json(order), "token": token}


@api_route(
    bp,
    "/orders/preview",
    "GET",
    summary="预览：按油机读数计算加油金额和退款，不做任何更改",
    description="按油机显示的升数计算加油金额和将退给司机的差额，不做任何更改。"
    "读数折合的金额超过已付金额时答 409 rejected。",
    tag="orders",
    query=PreviewQuery,
    response=PreviewResponse,
    errors=(*TOKEN_ERRORS, "rejected"),
)
@staff_required
def preview_fueling():
    q = parse_query(PreviewQuery)
    order, reading = pickup.preview(current_user, q.token, q.dispensed_ml)
    return fueling_json(order, reading)


@api_route(
    bp,
    "/orders/confirm",
    "POST",
    summary="确认加油：记录油机读数，取油码作废，差额在结算后退给司机",
    description="记录油机读数（dispensed_ml，10 毫升一档），取油码作废，订单进入结算，"
    "未加完的差额结算后退给司机。读数折合的金额超过已付金额时答 409 rejected。"
    "带 confirmation_id 时可以安全重发：同一编号答第一次的结果（Idempotent-Replayed: true）。",
    tag="orders",
    body=ConfirmRequest,
    response=ConfirmResponse,
    errors=(*TOKEN_ERRORS, "rejected", "confirmation_id_reused", "busy"),
)
@staff_required
def confirm_fueling():
    data = parse_body(ConfirmRequest)
    order, reading, replayed = retrying(
        lambda: pickup.confirm(current_user, data.token, data.dispensed_ml, data.confirmation_id)
    )
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return fueling_json(order, reading), 200, headers

"""The paid order behind a scanned QR, a preview of a pump reading, and confirming it."""

from flask_login import current_user

from app.api.openapi import api_route, parse_body, parse_query
from app.api.render import order_basics
from app.attendant import bp
from app.attendant.auth import staff_required
from app.attendant.schemas import (
    ConfirmRequest,
    ConfirmResponse,
    LookupQuery,
    PickupOrder,
    PreviewQuery,
    PreviewResponse,
)
from app.models import Order
from app.services.orders import pickup

# What a scanned token can go wrong with: unknown (404), another station (403), used (409),
# expired (410).
TOKEN_ERRORS = (403, 404, 409, 410)


def order_json(order: Order) -> dict:
    return {
        **order_basics(order),
        "fill_up_cap_fen": order.amount_fen if order.mode == "fill_up" else None,
        "available_fen": pickup.available_fen(order),
        "max_volume_ml": pickup.max_volume_ml(order),
        "member_nickname": order.member.nickname,
    }


def fueling_json(order: Order, fueling: pickup.Fueling) -> dict:
    return {
        "order": order_json(order),
        "dispensed_ml": fueling.dispensed_ml,
        "dispensed_fen": fueling.dispensed_fen,
        "refund_fen": fueling.refund_fen,
    }


@api_route(
    bp,
    "/orders/lookup",
    "GET",
    summary="扫码：取油码对应的已支付订单（只限本站）",
    tag="orders",
    query=LookupQuery,
    response=PickupOrder,
    statuses=TOKEN_ERRORS,
)
@staff_required
def lookup_order():
    q = parse_query(LookupQuery)
    return order_json(pickup.lookup(current_user, q.token))


@api_route(
    bp,
    "/orders/preview",
    "GET",
    summary="预览：按油机读数计算加油金额和退款，不做任何更改",
    tag="orders",
    query=PreviewQuery,
    response=PreviewResponse,
    statuses=TOKEN_ERRORS,
)
@staff_required
def preview_fueling():
    q = parse_query(PreviewQuery)
    order, fueling = pickup.preview(current_user, q.token, q.dispensed_ml)
    return fueling_json(order, fueling)


@api_route(
    bp,
    "/orders/confirm",
    "POST",
    summary="确认加油：记录油机读数，取油码作废，差额在结算后退给司机",
    tag="orders",
    body=ConfirmRequest,
    response=ConfirmResponse,
    statuses=TOKEN_ERRORS,
)
@staff_required
def confirm_fueling():
    data = parse_body(ConfirmRequest)
    order, fueling, replayed = pickup.confirm(
        current_user, data.token, data.dispensed_ml, data.confirmation_id
    )
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return fueling_json(order, fueling), 200, headers

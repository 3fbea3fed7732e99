"""Fuel orders: place, pay (WeChat or wallet), show the pickup QR, cancel, ask for a refund of
a fuelled one, and the history."""

from flask import Response, current_app, g

from app.api import bp
from app.api.auth import require_member
from app.api.idempotent import answer_if_cut_short, idempotent
from app.api.order_coupons import (
    campaign_names_of,
    coupons_of,
    order_bill_json,
    order_coupon_json,
)
from app.api.order_refund_schemas import OrderRefundRequestBody
from app.api.order_refunds import offer_json, requests_of
from app.api.order_schemas import (
    OrderListQuery,
    OrderOut,
    OrderPage,
    PayRequest,
    PayResponse,
    PlaceOrderAnswer,
    PlaceOrderRequest,
)
from app.api.render import page_of
from app.api.tiers import pricing_json
from app.jsonapi.errors import ApiError
from app.jsonapi.openapi import api_route
from app.jsonapi.parsing import parse_body, parse_query
from app.jsonapi.render import local_iso, order_basics
from app.models import CounterRefundRequest, Order, Refund
from app.services import orders, payments
from app.services.orders import pickup
from app.services.payments import cancellation, driver_refunds
from app.services.payments.paying import PREPAY_FAILED

# The operations an order answer leads to, for the documents and for tools that follow them.
ORDER_LINKS = {
    "GetOrder": ("get_order", {"order_id": "$response.body#/id"}),
    "PayOrder": ("pay_order", {"order_id": "$response.body#/id"}),
    "CancelOrder": ("cancel_order", {"order_id": "$response.body#/id"}),
    "PickupQr": ("order_qr", {"order_id": "$response.body#/id"}),
    "RequestRefund": ("request_order_refund", {"order_id": "$response.body#/id"}),
}
PAID_LINKS = {
    "GetOrder": ("get_order", {"order_id": "$response.body#/order/id"}),
    "PickupQr": ("order_qr", {"order_id": "$response.body#/order/id"}),
    "CancelOrder": ("cancel_order", {"order_id": "$response.body#/order/id"}),
}
# POST /orders with pay_with answers the order under "order", as the pay answer does.
PLACED_LINKS = {
    **ORDER_LINKS,
    "GetPlacedOrder": ("get_order", {"order_id": "$response.body#/order/id"}),
    "PayPlacedOrder": ("pay_order", {"order_id": "$response.body#/order/id"}),
    "CancelPlacedOrder": ("cancel_order", {"order_id": "$response.body#/order/id"}),
    "PlacedPickupQr": ("order_qr", {"order_id": "$response.body#/order/id"}),
}
FIRST_ORDER_LINKS = {
    "GetFirstOrder": ("get_order", {"order_id": "$response.body#/items/0/id"}),
    "FirstPickupQr": ("order_qr", {"order_id": "$response.body#/items/0/id"}),
}


def order_json(
    order: Order,
    refunds: list[Refund] | None = None,
    coupons: dict | None = None,
    requests: list[CounterRefundRequest] | None = None,
    campaigns: dict | None = None,
) -> dict:
    """refunds and requests: the order's refunds and refund requests, when the caller has them
    (a new order has neither); coupons and campaigns: the coupons and campaign names of a page
    of orders (order_coupons.coupons_of, campaign_names_of). What is not given is read here."""
    if refunds is None:
        refunds = orders.refunds_by_order([order.id])[order.id]
    if requests is None:
        requests = [] if order.paid_at is None else requests_of([order.id])[order.id]
    if coupons is None:
        coupons = coupons_of([order])
    live = pickup.live_token(order)
    base = current_app.config["PUBLIC_BASE_URL"]
    return {
        **order_basics(order),
        "member_price_applied": order.member_price_applied,
        "pricing": pricing_json(order),
        "amount_fen": order.amount_fen,
        "bill": order_bill_json(order, campaigns),
        "coupon": order_coupon_json(order, coupons.get(order.coupon_id)),
        "payment_method": order.payment_method,
        "pickup": {
            "token": live.token,
            "code": live.code,
            "qr_url": f"{base}/api/v1/orders/{order.id}/qr.png",
            "expires_at": local_iso(live.expires_at),
        }
        if live
        else None,
        "refunds": [
            {
                "amount_fen": r.amount_fen,
                "method": r.method,
                "kind": r.kind,
                "status": r.status,
                "followup": r.followup,
                "reason": r.reason,
                "created_at": local_iso(r.created_at),
                "finished_at": local_iso(r.finished_at),
            }
            for r in refunds
        ],
        **offer_json(order, requests, refunds),
        "created_at": local_iso(order.created_at),
        "expires_at": local_iso(order.expires_at),
        "settled_at": local_iso(order.settled_at),
        "cancelled_at": local_iso(order.cancelled_at),
    }


@api_route(
    bp,
    "/orders",
    "POST",
    summary="下单（可同时支付）：服务器按当前价格计价",
    description="在营业中的油站下一笔订单，由服务器按此刻的价格计价（会员价直降、等级优惠，"
    "活动期间再减会员日每升直降和首单立减或满额立减（取减得多的一项，见 bill.campaigns），"
    "再减所选优惠券 coupon_id：先用 GET /orders/coupons 列出可用的券和各省多少）。"
    "用券时券随订单锁定（同一张券同时下两单只有一单成功，另一单答 409 coupon_unusable），"
    "支付时核销，订单取消、超时未支付或加油前全额退款时退回。"
    "填 expected_amount_fen 时，应付与之不符（油价刚调整、券刚失效、活动刚结束）答 409 "
    "price_changed、不下单；首单立减同时只能用于一笔订单，同时下两单时另一单也答 409 "
    "price_changed、不下单。"
    "mode 决定另外要填的字段：amount 按金额填 amount_fen，"
    "volume 按升数填 volume_ml（10 毫升一档），fill_up 加满（按油站的加满上限预付，加完多退）；"
    "fuel 和 nozzle 至少填一个。订单 15 分钟内未支付则关闭。"
    "不填 pay_with 答订单本身，之后用 POST /orders/{order_id}/pay 支付。"
    "填 pay_with 则一次请求下单并支付，答案同支付接口（order、wechat_pay）另加 payment_error："
    "wallet 答已支付的订单和取油码，余额不足时不下单、答 409 insufficient_balance；"
    "wechat 答 wx.requestPayment 的参数；微信支付暂时不可用时仍答 201，"
    "订单已创建未支付，payment_error 说明原因，可再用支付接口支付。"
    "同一个 Idempotency-Key 重试只会重放第一次的答案，不会再下一单。",
    tag="orders",
    body=PlaceOrderRequest,
    response=PlaceOrderAnswer,
    errors=(
        "not_found",
        "station_closed",
        "rejected",
        "coupon_unusable",
        "price_changed",
        "insufficient_balance",
        "wallet_frozen",
    ),
    success=201,
    links=PLACED_LINKS,
)
@require_member
@idempotent
def place_order():
    data = parse_body(PlaceOrderRequest)
    how = dict(
        fuel_code=data.fuel,
        nozzle_number=data.nozzle,
        mode=data.mode,
        amount_fen=data.amount_fen,
        volume_ml=data.volume_ml,
        plate=data.plate,
        coupon_id=data.chosen_coupon,
        expected_amount_fen=data.expected_amount_fen,
    )
    if data.pay_with is None:
        order = orders.place_order(g.member, data.station_id, **how)
        return order_json(order, refunds=[]), 201

    def if_cut_short(order: Order) -> None:
        # A retry after this request died while WeChat answered gets the order, unpaid (it can
        # be paid with /pay), never a second one.
        unpaid = payments.Placed(order, payment_error=payments.PaymentUnavailable(PREPAY_FAILED))
        answer_if_cut_short(201, placed_json(unpaid))

    placed = payments.place_and_pay(
        g.member, data.station_id, data.pay_with, before_wechat=if_cut_short, **how
    )
    return placed_json(placed), 201


def placed_json(placed: payments.Placed) -> dict:
    error = placed.payment_error
    return {
        "order": order_json(placed.order, refunds=[]),  # a new order: no refund yet
        "wechat_pay": placed.wechat_pay,
        "payment_error": {"code": error.code, "message": error.message} if error else None,
    }


@api_route(
    bp,
    "/orders",
    "GET",
    summary="我的订单（新的在前）",
    description="当前会员的订单，新的在前，分页。",
    tag="orders",
    query=OrderListQuery,
    response=OrderPage,
    links=FIRST_ORDER_LINKS,
)
@require_member
def list_orders():
    q = parse_query(OrderListQuery)
    rows, total = orders.list_orders(g.member, q.page, q.per_page)
    ids = [o.id for o in rows]
    refunds, coupons, requests = orders.refunds_by_order(ids), coupons_of(rows), requests_of(ids)
    names = campaign_names_of(rows)
    items = [order_json(o, refunds[o.id], coupons, requests[o.id], names) for o in rows]
    return page_of(items, q.page, q.per_page, total)


@api_route(
    bp,
    "/orders/<id:order_id>",
    "GET",
    summary="订单详情",
    description="一笔自己的订单：状态、金额、取油码（已支付未加油时）和退款。别人的订单答 404。",
    tag="orders",
    response=OrderOut,
)
@require_member
def get_order(order_id: int):
    return order_json(orders.get_order(g.member, order_id))


@api_route(
    bp,
    "/orders/<id:order_id>/pay",
    "POST",
    summary="支付订单：微信支付或钱包",
    description="method=wallet 从钱包余额扣款，答已支付的订单和取油码；"
    "method=wechat 答 wx.requestPayment 的参数，支付结果以微信的通知为准（之后查订单详情）。"
    "只能支付未超时的待支付订单。",
    tag="orders",
    body=PayRequest,
    response=PayResponse,
    errors=("conflict", "insufficient_balance", "wallet_frozen", "payment_unavailable"),
    links=PAID_LINKS,
)
@require_member
@idempotent
def pay_order(order_id: int):
    data = parse_body(PayRequest)
    if data.method == "wallet":
        order = payments.pay_with_wallet(g.member, order_id)
        # No refund can exist yet: refunds follow a payment (or money that came too late),
        # and the order was unpaid until this payment committed.
        return {"order": order_json(order, refunds=[]), "wechat_pay": None}
    params = payments.pay_with_wechat(g.member, order_id)
    return {"order": order_json(orders.get_order(g.member, order_id)), "wechat_pay": params}


@api_route(
    bp,
    "/orders/<id:order_id>/cancel",
    "POST",
    summary="取消订单：未支付的关闭，已支付未加油的全额退款",
    description="未支付的订单直接关闭；已支付、还没加油的订单全额退回原支付方式。已加油的订单不能取消。"
    "没有请求体。",
    tag="orders",
    response=OrderOut,
    errors=("conflict",),
)
@require_member
@idempotent
def cancel_order(order_id: int):
    return order_json(cancellation.cancel_order(g.member, order_id))


@api_route(
    bp,
    "/orders/<id:order_id>/refund-requests",
    "POST",
    summary="申请退款：已加油的订单（未加到油、油品问题、重复支付等）",
    description="为自己的、在线支付（钱包或微信）的已完成订单申请退回一部分或全部已付金额，"
    f"加油完成后 {driver_refunds.REQUEST_DAYS} 天内可申请。油站站长审核："
    "同意后按原支付方式退回（钱包立即到账，微信原路退回），驳回时写明原因。"
    "先看订单的 can_request_refund 和 refundable_fen：amount_fen 不能超过 refundable_fen"
    "（已付减已退，再减待处理的申请），否则答 409 rejected，message 说明最多可申请多少；"
    "不能申请的订单（未加油的请取消订单、柜台付款的到收银台办理、已过期限）也答 409 rejected。"
    "每笔订单同时只能有一个待处理的申请（答 409 refund_request_open）。"
    "答 201 和订单本身，新的申请在 refund_requests 的最后（status pending 待处理）。"
    "别人的订单答 404。",
    tag="orders",
    body=OrderRefundRequestBody,
    response=OrderOut,
    errors=("rejected", "refund_request_open"),
    success=201,
    links={"GetOrderAfterRequest": ("get_order", {"order_id": "$response.body#/id"})},
)
@require_member
@idempotent
def request_order_refund(order_id: int):
    data = parse_body(OrderRefundRequestBody)
    driver_refunds.request_refund(g.member, order_id, data.amount_fen, data.reason_code, data.note)
    return order_json(orders.get_order(g.member, order_id)), 201


@api_route(
    bp,
    "/orders/<id:order_id>/qr.png",
    "GET",
    summary="取油二维码图片",
    description="已支付、未加油的订单的取油二维码（PNG），内容就是订单里的 pickup.token；"
    "加油员扫码确认加油。没有可用取油码时答 404 no_pickup_code。",
    tag="orders",
    media_type="image/png",
    errors=("no_pickup_code",),
)
@require_member
def order_qr(order_id: int):
    token = pickup.token_for(orders.get_order(g.member, order_id))
    if token is None:
        raise ApiError(404, "no_pickup_code", "该订单没有可用的取油码")
    response = Response(pickup.qr_png(token), mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response

"""Fuel orders: place, pay (WeChat or wallet), show the pickup QR, cancel, and the history."""

from flask import Response, current_app, g
from sqlalchemy import bindparam, select

from app.api import bp
from app.api.auth import require_member
from app.api.idempotent import idempotent
from app.api.openapi import api_route, parse_body, parse_query
from app.api.order_schemas import (
    OrderListQuery,
    OrderOut,
    OrderPage,
    PayRequest,
    PayResponse,
    PlaceOrderRequest,
    WalletOut,
)
from app.api.render import local_iso, order_basics
from app.errors import ApiError
from app.extensions import db
from app.models import Order, Refund
from app.services import ledger, orders, payments
from app.services.orders import pickup
from app.services.payments import cancellation

# Built once: every order answer runs it.
_REFUNDS = select(Refund).where(Refund.order_id.in_(bindparam("orders"))).order_by(Refund.id)


def refunds_by_order(order_ids: list[int]) -> dict[int, list[Refund]]:
    found: dict[int, list[Refund]] = {order_id: [] for order_id in order_ids}
    for refund in db.session.scalars(_REFUNDS, {"orders": order_ids}):
        found[refund.order_id].append(refund)
    return found


def order_json(order: Order, refunds: list[Refund] | None = None) -> dict:
    """refunds: the order's, when the caller has them (a new order has none)."""
    if refunds is None:
        refunds = refunds_by_order([order.id])[order.id]
    live = pickup.live_token(order)
    base = current_app.config["PUBLIC_BASE_URL"]
    return {
        **order_basics(order),
        "member_price_applied": order.member_price_applied,
        "amount_fen": order.amount_fen,
        "payment_method": order.payment_method,
        "pickup": {
            "token": live[0],
            "qr_url": f"{base}/api/v1/orders/{order.id}/qr.png",
            "expires_at": local_iso(live[1]),
        }
        if live
        else None,
        "refunds": [
            {
                "amount_fen": r.amount_fen,
                "method": r.method,
                "kind": r.kind,
                "status": r.status,
                "reason": r.reason,
                "created_at": local_iso(r.created_at),
                "finished_at": local_iso(r.finished_at),
            }
            for r in refunds
        ],
        "created_at": local_iso(order.created_at),
        "expires_at": local_iso(order.expires_at),
        "settled_at": local_iso(order.settled_at),
        "cancelled_at": local_iso(order.cancelled_at),
    }


@api_route(
    bp,
    "/orders",
    "POST",
    summary="下单：服务器按当前价格计价",
    tag="orders",
    body=PlaceOrderRequest,
    response=OrderOut,
    statuses=(404, 409),
    success=201,
)
@require_member
@idempotent
def place_order():
    data = parse_body(PlaceOrderRequest)
    order = orders.place_order(
        g.member,
        data.station_id,
        fuel_code=data.fuel,
        nozzle_number=data.nozzle,
        mode=data.mode,
        amount_fen=data.amount_fen,
        volume_ml=data.volume_ml,
        plate=data.plate,
    )
    return order_json(order, refunds=[]), 201


@api_route(
    bp,
    "/orders",
    "GET",
    summary="我的订单（新的在前）",
    tag="orders",
    query=OrderListQuery,
    response=OrderPage,
)
@require_member
def list_orders():
    q = parse_query(OrderListQuery)
    rows, total = orders.list_orders(g.member, q.page, q.per_page)
    refunds = refunds_by_order([o.id for o in rows])
    return {
        "items": [order_json(o, refunds[o.id]) for o in rows],
        "page": q.page,
        "per_page": q.per_page,
        "total": total,
        "has_more": q.page * q.per_page < total,
    }


@api_route(
    bp,
    "/orders/<int:order_id>",
    "GET",
    summary="订单详情",
    tag="orders",
    response=OrderOut,
    statuses=(404,),
)
@require_member
def get_order(order_id: int):
    return order_json(orders.get_order(g.member, order_id))


@api_route(
    bp,
    "/orders/<int:order_id>/pay",
    "POST",
    summary="支付订单：微信支付或钱包",
    tag="orders",
    body=PayRequest,
    response=PayResponse,
    statuses=(404, 409, 503),
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
    "/orders/<int:order_id>/cancel",
    "POST",
    summary="取消订单：未支付的关闭，已支付未加油的全额退款",
    tag="orders",
    response=OrderOut,
    statuses=(404, 409),
)
@require_member
@idempotent
def cancel_order(order_id: int):
    return order_json(cancellation.cancel_order(g.member, order_id))


@api_route(
    bp,
    "/orders/<int:order_id>/qr.png",
    "GET",
    summary="取油二维码图片",
    tag="orders",
    media_type="image/png",
    statuses=(404,),
)
@require_member
def order_qr(order_id: int):
    token = pickup.token_for(orders.get_order(g.member, order_id))
    if token is None:
        raise ApiError(404, "no_pickup_code", "该订单没有可用的取油码")
    response = Response(pickup.qr_png(token), mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response


@api_route(bp, "/wallet", "GET", summary="钱包余额", tag="wallet", response=WalletOut)
@require_member
def wallet():
    return {"balance_fen": ledger.wallet_balance(g.member.id)}

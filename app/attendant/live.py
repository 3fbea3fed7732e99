"""The station's live order list: paid orders waiting, then new events by long polling.

Long polling rather than SSE: it works through any proxy and on every worker type, a request
is plain JSON, and `since` makes a handheld that was offline resume without missing anything."""

import time

from flask import current_app
from flask_login import current_user

from app.attendant import bp
from app.attendant.auth import staff_required
from app.attendant.orders import order_json
from app.attendant.schemas import EventsQuery, EventsResponse, WaitingOrders
from app.jsonapi.openapi import api_route
from app.jsonapi.parsing import parse_query
from app.jsonapi.render import local_iso
from app.models import Order, StationEvent
from app.services.orders import fueling, station_events
from app.services.orders.fueling import OrderRules
from app.services.platform.unit_of_work import unit_of_work

POLL_S = 0.5


def live_json(order: Order, hashes: dict[int, str], rules: OrderRules) -> dict:
    """An order for the live list: with its token's hash, so a scan matches it offline (rules:
    the coupons' and campaigns' rules of the list's orders, fueling.rules_of)."""
    return {**order_json(order, rules), "token_sha256": hashes.get(order.id)}


@api_route(
    bp,
    "/stations/<id:station_id>/orders",
    "GET",
    summary="本站已支付、待加油的订单",
    description="本站已支付、还没加油的订单，先付的在前，和它们对应的事件序号 cursor："
    "之后用 GET /stations/{station_id}/events?since=cursor 取新事件。只限员工所属的油站。"
    "不算作操作（不推迟锁屏）。",
    tag="live",
    response=WaitingOrders,
    errors=("forbidden",),
)
@staff_required(activity=False)
def waiting_orders(station_id: int):
    rows, cursor = station_events.waiting_orders(current_user, station_id)
    hashes = station_events.token_hashes(o.id for o in rows)
    rules = fueling.rules_of(rows)
    return {"cursor": cursor, "orders": [live_json(o, hashes, rules) for o in rows]}


@api_route(
    bp,
    "/stations/<id:station_id>/events",
    "GET",
    summary="本站新事件（长轮询：没有新事件时最多等 wait 秒）",
    description="序号大于 since 的本站事件（订单支付、退款、加油、取消），按序号递增；没有新事件时"
    "最多等 wait 秒再答空列表。答复的 cursor 用作下一次的 since，离线后重连也不会漏掉事件。"
    "不算作操作（不推迟锁屏）。",
    tag="live",
    query=EventsQuery,
    response=EventsResponse,
    errors=("forbidden",),
)
@staff_required(activity=False)
def station_events_since(station_id: int):
    q = parse_query(EventsQuery)
    deadline = time.monotonic() + min(q.wait, current_app.config["LIVE_WAIT_MAX_S"])
    while True:
        # One transaction per look, so the next look sees new commits (SQLite too). It ends
        # with COMMIT, as it only read: a ROLLBACK would drop the connection's prepared
        # statements.
        with unit_of_work():
            events = station_events.since(current_user, station_id, q.since)
            if events or time.monotonic() >= deadline:
                return _events_answer(events, q.since)
        time.sleep(POLL_S)


def _events_answer(events: list[StationEvent], since: int) -> dict:
    hashes = station_events.token_hashes(e.order_id for e in events)
    orders = station_events.orders_of(events)
    rules = fueling.rules_of(orders.values())
    return {
        "cursor": events[-1].id if events else since,
        "events": [
            {
                "id": e.id,
                "kind": e.kind,
                "created_at": local_iso(e.created_at),
                "order": live_json(orders[e.order_id], hashes, rules),
            }
            for e in events
        ],
    }

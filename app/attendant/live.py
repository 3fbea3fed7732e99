"""The station's live order list: paid orders waiting, then new events by long polling.

Long polling rather than SSE: it works through any proxy and on every worker type, a request
is plain JSON, and `since` makes a handheld that was offline resume without missing anything."""

import time

from flask import current_app
from flask_login import current_user

from app.api.openapi import api_route, parse_query
from app.api.render import local_iso
from app.attendant import bp
from app.attendant.auth import staff_required
from app.attendant.orders import order_json
from app.attendant.schemas import EventsQuery, EventsResponse, WaitingOrders
from app.extensions import db
from app.models import Order
from app.services.orders import station_events

POLL_S = 0.5


def live_json(order: Order, hashes: dict[int, str]) -> dict:
    """An order for the live list: with its token's hash, so a scan matches it offline."""
    return {**order_json(order), "token_sha256": hashes.get(order.id)}


@api_route(
    bp,
    "/stations/<int:station_id>/orders",
    "GET",
    summary="本站已支付、待加油的订单",
    tag="live",
    response=WaitingOrders,
    statuses=(403,),
)
@staff_required(activity=False)
def waiting_orders(station_id: int):
    rows, cursor = station_events.waiting_orders(current_user, station_id)
    hashes = station_events.token_hashes(o.id for o in rows)
    return {"cursor": cursor, "orders": [live_json(o, hashes) for o in rows]}


@api_route(
    bp,
    "/stations/<int:station_id>/events",
    "GET",
    summary="本站新事件（长轮询：没有新事件时最多等 wait 秒）",
    tag="live",
    query=EventsQuery,
    response=EventsResponse,
    statuses=(403,),
)
@staff_required(activity=False)
def station_events_since(station_id: int):
    q = parse_query(EventsQuery)
    deadline = time.monotonic() + min(q.wait, current_app.config["LIVE_WAIT_MAX_S"])
    while True:
        events = station_events.since(current_user, station_id, q.since)
        if events or time.monotonic() >= deadline:
            break
        # End the read so the next look sees new commits (SQLite too). COMMIT, as it only read:
        # a ROLLBACK would also drop the connection's prepared statements.
        db.session.commit()
        time.sleep(POLL_S)
    hashes = station_events.token_hashes(e.order_id for e in events)
    orders = station_events.orders_of(events)
    return {
        "cursor": events[-1].id if events else q.since,
        "events": [
            {
                "id": e.id,
                "kind": e.kind,
                "created_at": local_iso(e.created_at),
                "order": live_json(orders[e.order_id], hashes),
            }
            for e in events
        ],
    }

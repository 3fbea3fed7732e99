"""Orders: placing and reading a driver's orders, the state machine (`order_state`), the pickup
QR and the attendant's confirmation (`pickup`), the short code typed when the camera fails
(`pickup_code`), what an order costs before it is placed and the coupons for it (`quoting`),
the stations' live event feed (`station_events`), and the staff's orders list
and order page (`order_search`, `order_detail`). Orders never call payments; payments call
orders."""

from app.services.orders.placing import (
    PriceChanged,
    StationClosed,
    get_order,
    list_orders,
    place_order,
    refunds_by_order,
)
from app.services.orders.quoting import bill_of, coupon_choices

__all__ = [
    "PriceChanged",
    "StationClosed",
    "bill_of",
    "coupon_choices",
    "get_order",
    "list_orders",
    "place_order",
    "refunds_by_order",
]

"""Orders: placing and reading a driver's orders, the state machine (`order_state`), the pickup
QR and the attendant's confirmation (`pickup`), the short code typed when the camera fails
(`pickup_code`), the stations' live event feed (`station_events`), and the staff's orders list
and order page (`order_search`, `order_detail`). Orders never call payments; payments call
orders."""

from app.services.orders.placing import (
    StationClosed,
    get_order,
    list_orders,
    place_order,
    refunds_by_order,
)

__all__ = ["StationClosed", "get_order", "list_orders", "place_order", "refunds_by_order"]

"""Orders: placing and reading a driver's orders, the state machine (`order_state`), the pickup
QR and the attendant's confirmation (`pickup`), the short code typed when the camera fails
(`pickup_code`), and the stations' live event feed (`station_events`). Orders never call
payments; payments call orders."""

from app.services.orders.placing import (
    StationClosed,
    get_order,
    list_orders,
    place_order,
    refunds_by_order,
)

__all__ = ["StationClosed", "get_order", "list_orders", "place_order", "refunds_by_order"]

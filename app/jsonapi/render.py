"""What both JSON faces show of an order, and times as they are shown."""

from datetime import datetime

from app.services.platform.clock import to_local


def local_iso(moment: datetime | None) -> str | None:
    return to_local(moment).isoformat() if moment is not None else None


# A renamed station or fuel shows on order answers within this long (prices are always exact).
NAMES_CHECKED_WITHIN_S = 5.0


def order_names(order) -> tuple[str, str, str, int | None]:
    """(station name, fuel code, fuel name, nozzle number) of an order: from the catalogue while
    the station is active and sells the fuel, else from the database."""
    from app.extensions import db
    from app.models import Fuel, Nozzle, Station
    from app.services import catalogue

    stations = catalogue.for_chain(order.chain_id, checked_within_s=NAMES_CHECKED_WITHIN_S)
    station = stations.stations.get(order.station_id) if stations else None
    fuel = next((f for f in station.fuels if f.fuel_id == order.fuel_id), None) if station else None
    nozzle = (
        next((n for n in station.nozzle_numbers.values() if n.id == order.nozzle_id), None)
        if station and order.nozzle_id
        else None
    )
    if fuel is None or (order.nozzle_id and nozzle is None):
        station = db.session.get(Station, order.station_id)
        fuel = db.session.get(Fuel, order.fuel_id)
        nozzle = db.session.get(Nozzle, order.nozzle_id) if order.nozzle_id else None
    return station.name, fuel.code, fuel.name, nozzle.number if nozzle else None


def order_basics(order) -> dict:
    """What both the driver's and the attendant's view of an order show."""
    from app.services.orders.order_state import STATUS_NAMES

    station_name, fuel_code, fuel_name, nozzle_number = order_names(order)
    return {
        "id": order.id,
        "order_no": order.order_no,
        "status": order.status,
        "status_name": STATUS_NAMES[order.status],
        "station": {"id": order.station_id, "name": station_name},
        "fuel": {"code": fuel_code, "name": fuel_name},
        "nozzle": nozzle_number,
        "plate": order.plate,
        "mode": order.mode,
        "preset_amount_fen": order.preset_amount_fen,
        "preset_volume_ml": order.preset_volume_ml,
        "list_price_fen": order.list_price_fen,
        "unit_price_fen": order.unit_price_fen,
        "paid_fen": order.paid_fen,
        "refunded_fen": order.refunded_fen,
        "dispensed_ml": order.dispensed_ml,
        "dispensed_fen": order.dispensed_fen,
        "paid_at": local_iso(order.paid_at),
        "fueled_at": local_iso(order.fueled_at),
    }

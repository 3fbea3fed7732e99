"""Who may act on which station: the one place these rules live."""

from sqlalchemy import select

from app.extensions import db
from app.models import Staff, Station
from app.services.platform.errors import NotFound, PermissionDenied

CATALOGUE_ROLES = ("chain_admin", "manager")


def visible_station_ids(staff: Staff) -> set[int]:
    """Stations a staff member works at; a chain admin works at every station of the chain."""
    if staff.role == "chain_admin":
        return set(db.session.scalars(select(Station.id).where(Station.chain_id == staff.chain_id)))
    return staff.station_ids


def visible_stations(staff: Staff) -> list[Station]:
    """The stations of visible_station_ids, by code: a station filter's choices."""
    ids = visible_station_ids(staff) or {-1}
    query = select(Station).where(Station.chain_id == staff.chain_id, Station.id.in_(ids))
    return list(db.session.scalars(query.order_by(Station.code)))


def covered_station_ids(staff: Staff, station_id: int | None, refusal: str) -> set[int]:
    """The stations a list or report covers: all the staff member works at, or the one chosen.
    A station of the chain they do not work at is refused with `refusal` (never shown as
    empty); one of no chain of theirs is NotFound."""
    visible = visible_station_ids(staff)
    if station_id is None:
        return visible or {-1}
    if station_id not in visible:
        station = db.session.get(Station, station_id)
        if station is None or station.chain_id != staff.chain_id:
            raise NotFound("油站不存在")
        raise PermissionDenied(refusal)
    return {station_id}


def managed_stations(staff: Staff) -> list[Station]:
    return visible_stations(staff) if staff.role in CATALOGUE_ROLES else []


def station_for_manager(staff: Staff, station_id: int) -> Station:
    """The station if this staff member manages it; otherwise PermissionDenied or NotFound."""
    if staff.role not in CATALOGUE_ROLES:
        raise PermissionDenied("只有站长和总部管理员可以管理油站")
    station = db.session.get(Station, station_id)
    if station is None or station.chain_id != staff.chain_id:
        raise NotFound("油站不存在")
    if staff.role != "chain_admin" and station_id not in staff.station_ids:
        raise PermissionDenied("您不是该油站的站长")
    return station


def require_chain_admin(staff: Staff) -> None:
    if staff.role != "chain_admin":
        raise PermissionDenied("只有总部管理员可以执行此操作")


COUNTER_ROLES = ("chain_admin", "manager", "cashier")


def station_for_counter(staff: Staff, station_id: int) -> Station:
    """The station if this staff member works its counter (shifts, cash); otherwise
    PermissionDenied or NotFound."""
    if staff.role not in COUNTER_ROLES:
        raise PermissionDenied("只有收银员、站长和总部管理员可以办理交接班")
    station = db.session.get(Station, station_id)
    if station is None or station.chain_id != staff.chain_id:
        raise NotFound("油站不存在")
    if staff.role != "chain_admin" and station_id not in staff.station_ids:
        raise PermissionDenied("您不在该油站工作")
    return station


def counter_stations(staff: Staff) -> list[Station]:
    return visible_stations(staff) if staff.role in COUNTER_ROLES else []

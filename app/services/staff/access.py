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


def managed_stations(staff: Staff) -> list[Station]:
    if staff.role not in CATALOGUE_ROLES:
        return []
    query = select(Station).where(Station.chain_id == staff.chain_id).order_by(Station.code)
    if staff.role != "chain_admin":
        query = query.where(Station.id.in_(staff.station_ids or {-1}))
    return list(db.session.scalars(query))


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
    if staff.role not in COUNTER_ROLES:
        return []
    query = select(Station).where(Station.chain_id == staff.chain_id).order_by(Station.code)
    if staff.role != "chain_admin":
        query = query.where(Station.id.in_(staff.station_ids or {-1}))
    return list(db.session.scalars(query))

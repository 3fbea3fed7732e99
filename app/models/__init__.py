"""All models, imported here so that Alembic and the app see every table."""

from app.models.audit import AuditLog
from app.models.member import Member, MemberToken
from app.models.staff import ROLE_NAMES, ROLES, Staff, StaffStation
from app.models.station import (
    Chain,
    Fuel,
    FuelPrice,
    Nozzle,
    Station,
    StationFuel,
    StationHours,
    StationPhoto,
)

__all__ = [
    "ROLES",
    "ROLE_NAMES",
    "AuditLog",
    "Chain",
    "Fuel",
    "FuelPrice",
    "Member",
    "MemberToken",
    "Nozzle",
    "Staff",
    "StaffStation",
    "Station",
    "StationFuel",
    "StationHours",
    "StationPhoto",
]

"""All models, imported here so that Alembic and the app see every table."""

from app.models.audit import AuditLog
from app.models.jobs import IdempotencyRecord, OutboxJob
from app.models.ledger import ACCOUNTS, LedgerEntry, LedgerTransaction, Wallet
from app.models.member import Member, MemberToken
from app.models.order import (
    ORDER_MODES,
    ORDER_STATUSES,
    Order,
    PaymentEvent,
    PickupCodeGuard,
    PickupToken,
    Refund,
    RefundFollowup,
    StationEvent,
    WeChatPayment,
)
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
    "ACCOUNTS",
    "ORDER_MODES",
    "ORDER_STATUSES",
    "ROLES",
    "ROLE_NAMES",
    "AuditLog",
    "Chain",
    "Fuel",
    "FuelPrice",
    "IdempotencyRecord",
    "LedgerEntry",
    "LedgerTransaction",
    "Member",
    "MemberToken",
    "Nozzle",
    "Order",
    "OutboxJob",
    "PaymentEvent",
    "PickupCodeGuard",
    "PickupToken",
    "Refund",
    "RefundFollowup",
    "Staff",
    "StaffStation",
    "Station",
    "StationEvent",
    "StationFuel",
    "StationHours",
    "StationPhoto",
    "Wallet",
    "WeChatPayment",
]

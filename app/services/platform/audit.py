"""Writes to the append-only audit log, inside the caller's transaction."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import has_request_context, request
from sqlalchemy import insert, or_, select

from app.extensions import db
from app.models import AuditLog, Staff, StaffStation
from app.services.platform.clock import from_local


def record(
    actor: Staff | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    *,
    chain_id: int,
    station_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    db.session.execute(
        insert(AuditLog.__table__),
        {
            "chain_id": chain_id,
            "station_id": station_id,
            "actor_staff_id": actor.id if actor else None,
            "actor_label": f"{actor.display_name}({actor.username})" if actor else "system",
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "before": before,
            "after": after,
            "ip": (request.remote_addr or "") if has_request_context() else "",
        },
    )


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that differ, for a compact before/after pair."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


@dataclass
class Filters:
    """What the audit log is narrowed to; None means any. Days are local (Beijing) dates."""

    station_id: int | None = None
    actor_staff_id: int | None = None
    system_only: bool = False  # entries no staff member made (jobs, commands)
    action: str | None = None
    day_from: date | None = None
    day_to: date | None = None


def _visible(actor: Staff):
    """The entries the actor may read: a chain admin every station's, a manager their own."""
    from app.services.platform.errors import PermissionDenied
    from app.services.staff.access import visible_station_ids

    if actor.role not in ("chain_admin", "manager"):
        raise PermissionDenied("只有站长和总部管理员可以查看操作日志")
    query = select(AuditLog).where(AuditLog.chain_id == actor.chain_id)
    if actor.role != "chain_admin":
        query = query.where(AuditLog.station_id.in_(visible_station_ids(actor) or {-1}))
    return query


@dataclass
class Page:
    entries: list[AuditLog]
    number: int  # from 1
    has_next: bool


def search(actor: Staff, filters: Filters, page: int = 1, per_page: int = 50) -> Page:
    """One page of the entries the actor may read that match, newest first. No total count:
    counting a chain's whole log on every look would cost more than the page itself."""
    query = _visible(actor)
    if filters.station_id is not None:
        query = query.where(AuditLog.station_id == filters.station_id)
    if filters.system_only:
        query = query.where(AuditLog.actor_staff_id.is_(None))
    elif filters.actor_staff_id is not None:
        query = query.where(AuditLog.actor_staff_id == filters.actor_staff_id)
    if filters.action:
        query = query.where(AuditLog.action == filters.action)
    if filters.day_from:
        start = from_local(datetime.combine(filters.day_from, time()))
        query = query.where(AuditLog.created_at >= start)
    if filters.day_to:
        end = from_local(datetime.combine(filters.day_to + timedelta(days=1), time()))
        query = query.where(AuditLog.created_at < end)
    query = query.order_by(AuditLog.id.desc()).offset((page - 1) * per_page).limit(per_page + 1)
    entries = list(db.session.scalars(query))
    return Page(entries[:per_page], page, len(entries) > per_page)


def actors(actor: Staff) -> list[Staff]:
    """Who may appear in the entries the actor reads: the whole chain's staff for a chain
    admin; for a manager, the staff of their stations and the chain admins."""
    from app.services.staff.access import visible_station_ids

    query = select(Staff).where(Staff.chain_id == actor.chain_id)
    if actor.role != "chain_admin":
        linked = select(StaffStation.staff_id).where(
            StaffStation.station_id.in_(visible_station_ids(actor) or {-1})
        )
        query = query.where(or_(Staff.role == "chain_admin", Staff.id.in_(linked)))
    return list(db.session.scalars(query.order_by(Staff.display_name, Staff.username)))

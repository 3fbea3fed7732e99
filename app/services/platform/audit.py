"""Writes to the append-only audit log, inside the caller's transaction (reading it, with
who may read what, is staff.audit_log)."""

from flask import has_request_context, request
from sqlalchemy import insert

from app.extensions import db
from app.models import AuditLog, Staff


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

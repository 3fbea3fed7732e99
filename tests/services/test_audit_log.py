"""The audit log refuses updates and deletes at the database level."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.services.catalogue import pricing


def test_audit_rows_cannot_be_changed_or_deleted(world):
    pricing.schedule_price(world.manager_a, world.station_a.id, world.fuels["92"].id, 800, 780)
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.execute(text("SELECT action FROM audit_log")).scalars().all() == [
        "price.schedule"
    ]

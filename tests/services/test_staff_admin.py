"""Staff accounts: who may create, disable and reset whom; passwords and sessions."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, Staff
from app.services.platform.errors import Invalid, NotFound, PermissionDenied
from app.services.staff import accounts, passwords
from tests.factories import PASSWORD


def _create(actor, station_ids, role="attendant", username="new.attendant"):
    return accounts.create_staff(
        actor, username, "新员工", "13800000000", role, station_ids, "Start2026x"
    )


def test_manager_creates_attendant_for_own_station(world):
    staff = _create(world.manager_a, [world.station_a.id])
    assert staff.station_ids == {world.station_a.id}
    assert staff.must_change_password
    assert staff.password_hash.startswith("$argon2id$")
    assert passwords.authenticate("New.Attendant", "Start2026x").id == staff.id
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "staff.create")).one()
    assert (entry.actor_staff_id, entry.station_id) == (world.manager_a.id, world.station_a.id)


def test_manager_cannot_create_for_other_station_or_a_manager(world):
    with pytest.raises(Invalid) as err:
        _create(world.manager_a, [world.station_b.id])
    assert "station_ids" in err.value.fields
    with pytest.raises(Invalid) as err:
        _create(world.manager_a, [world.station_a.id], role="manager")
    assert "role" in err.value.fields
    db.session.rollback()
    assert db.session.scalar(select(Staff).where(Staff.username == "new.attendant")) is None


def test_cashier_cannot_manage_staff(world):
    with pytest.raises(PermissionDenied):
        accounts.list_staff(world.cashier_a)
    with pytest.raises(PermissionDenied):
        accounts.set_enabled(world.cashier_a, world.attendant_a.id, False)


def test_duplicate_username_and_weak_password(world):
    with pytest.raises(Invalid) as err:
        _create(world.manager_a, [world.station_a.id], username="attendant_a")
    assert err.value.fields["username"] == "该用户名已被使用"
    with pytest.raises(Invalid) as err:
        accounts.create_staff(
            world.manager_a, "x.y.z", "名", "", "cashier", [world.station_a.id], "short"
        )
    assert "password" in err.value.fields


def test_disable_ends_sessions_and_blocks_login(world):
    session_id = world.attendant_a.get_id()
    assert passwords.load_session_user(session_id) is not None
    accounts.set_enabled(world.manager_a, world.attendant_a.id, False)
    assert passwords.load_session_user(session_id) is None
    assert passwords.authenticate("attendant_a", PASSWORD) is None
    accounts.set_enabled(world.manager_a, world.attendant_a.id, True)
    assert passwords.authenticate("attendant_a", PASSWORD) is not None


def test_manager_cannot_touch_other_station_staff_or_peers(world):
    with pytest.raises(PermissionDenied):
        accounts.set_enabled(world.manager_b, world.attendant_a.id, False)
    with pytest.raises(PermissionDenied):
        accounts.reset_password(world.manager_a, world.manager_b.id)
    with pytest.raises(PermissionDenied):
        accounts.set_enabled(world.manager_a, world.manager_a.id, False)
    with pytest.raises(NotFound):
        accounts.reset_password(world.manager_a, 999999)
    db.session.refresh(world.attendant_a)
    assert world.attendant_a.is_enabled


def test_reset_password_gives_a_one_time_password(world):
    old_session = world.cashier_a.get_id()
    temporary = accounts.reset_password(world.manager_a, world.cashier_a.id)
    assert passwords.authenticate("cashier_a", PASSWORD) is None
    staff = passwords.authenticate("cashier_a", temporary)
    assert staff.must_change_password
    assert passwords.load_session_user(old_session) is None
    accounts.change_own_password(staff, temporary, "Better2026pw")
    assert not staff.must_change_password
    with pytest.raises(Invalid):
        accounts.change_own_password(staff, "wrong-one", "Another2026")


def test_list_staff_is_station_scoped(world):
    names = {s.username for s in accounts.list_staff(world.manager_a)}
    assert names == {"manager_a", "cashier_a", "attendant_a"}
    assert "manager_b" in {s.username for s in accounts.list_staff(world.admin)}

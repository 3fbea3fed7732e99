"""Staff administration from the console: create, disable, reset, and the limits of a manager."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, Staff
from app.services.staff import passwords
from tests.console.conftest import page


@pytest.fixture
def manager(as_staff):
    console = as_staff("manager_a")
    console.get("/console/staff")
    return console


def new_staff(world, **overrides) -> dict:
    data = {
        "username": "cashier_a2",
        "display_name": "李收银",
        "phone": "13800000000",
        "role": "cashier",
        "station_ids": [world.station_a.id],
        "password": "Start2026x",
    }
    return {**data, **overrides}


def test_manager_sees_own_station_staff_only(manager, world):
    html = page(manager.get("/console/staff"))
    assert "cashier_a" in html and "attendant_a" in html
    assert "manager_b" not in html and ">admin<" not in html
    # Roles a manager may create: cashier and attendant only; stations: their own.
    assert '<option value="cashier">' in html and '<option value="attendant">' in html
    assert '<option value="manager">' not in html
    assert "大理古城加油站" not in html


@pytest.mark.parametrize("htmx", [False, True])
def test_manager_creates_staff_for_own_station(manager, world, htmx):
    response = manager.post("/console/staff", new_staff(world), htmx=htmx)
    assert response.status_code == (200 if htmx else 303)
    if htmx:
        html = page(response)
        assert html.lstrip().startswith('<form id="staff-form"')
        assert "李收银" in html and 'hx-swap-oob="true"' in html
    staff = db.session.scalar(select(Staff).where(Staff.username == "cashier_a2"))
    assert staff.role == "cashier" and staff.station_ids == {world.station_a.id}
    assert staff.must_change_password
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "staff.create"))
    assert entry.station_id == world.station_a.id and entry.actor_staff_id == world.manager_a.id


def test_manager_cannot_create_for_station_b(manager, world):
    data = new_staff(world, station_ids=[world.station_b.id])
    response = manager.post("/console/staff", data)
    assert response.status_code == 400
    assert "只能选择您管理的油站" in page(response)
    assert db.session.scalar(select(Staff).where(Staff.username == "cashier_a2")) is None


def test_manager_cannot_create_a_manager(manager, world):
    response = manager.post("/console/staff", new_staff(world, role="manager"))
    assert response.status_code == 400
    assert db.session.scalar(select(Staff).where(Staff.username == "cashier_a2")) is None
    assert db.session.query(AuditLog).count() == 0


def test_bad_fields_are_inline(manager, world):
    data = new_staff(world, username="A", password="short")
    response = manager.post("/console/staff", data, htmx=True)
    assert response.status_code == 400
    html = page(response)
    assert "用户名为 3-30 位" in html and "密码至少 8 位" in html
    assert 'value="李收银"' in html


def test_admin_may_create_a_manager(as_staff, world):
    console = as_staff("admin")
    console.get("/console/staff")
    data = new_staff(world, username="manager_b2", role="manager", station_ids=[world.station_b.id])
    assert console.post("/console/staff", data).status_code == 303
    assert db.session.scalar(select(Staff.role).where(Staff.username == "manager_b2")) == "manager"


def test_disable_and_enable(manager, world):
    target = world.cashier_a.id
    response = manager.post(f"/console/staff/{target}/enabled", {"enabled": "0"}, htmx=True)
    assert response.status_code == 200
    assert "已停用账号" in page(response)
    db.session.expire_all()
    assert db.session.get(Staff, target).is_enabled is False
    assert manager.post(f"/console/staff/{target}/enabled", {"enabled": "1"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Staff, target).is_enabled is True
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["staff.disable", "staff.enable"]


def test_disabled_staff_is_logged_out(app, manager, world):
    other = app.test_client()
    from tests.console.conftest import Console

    cashier = Console(other)
    response = cashier.login("cashier_a")
    assert response.status_code == 303, response.get_data(as_text=True)[-1500:]
    assert cashier.get("/console/").status_code == 200
    manager.post(f"/console/staff/{world.cashier_a.id}/enabled", {"enabled": "0"})
    assert cashier.get("/console/").status_code == 302


def test_reset_password_shows_it_once(manager, world):
    target = world.attendant_a.id
    response = manager.post(f"/console/staff/{target}/reset-password", htmx=True)
    assert response.status_code == 200
    html = page(response)
    assert "临时密码：" in html
    password = html.split("临时密码：", 1)[1].split("（", 1)[0]
    db.session.expire_all()
    staff = db.session.get(Staff, target)
    assert staff.must_change_password
    assert passwords.authenticate("attendant_a", password) is not None
    # Not shown again.
    assert password not in page(manager.get("/console/staff"))
    assert db.session.scalar(select(AuditLog.action)) == "staff.reset_password"


def test_reset_without_htmx_flashes_on_next_page(manager, world):
    response = manager.post(f"/console/staff/{world.attendant_a.id}/reset-password")
    assert response.status_code == 303
    html = page(manager.get("/console/staff"))
    assert "临时密码：" in html
    assert "临时密码：" not in page(manager.get("/console/staff"))


def test_manager_cannot_touch_other_station_or_managers(manager, world):
    for staff in (world.manager_b, world.admin, world.manager_a):
        assert (
            manager.post(f"/console/staff/{staff.id}/enabled", {"enabled": "0"}).status_code == 403
        )
        assert manager.post(f"/console/staff/{staff.id}/reset-password").status_code == 403
    db.session.expire_all()
    assert all(s.is_enabled for s in db.session.scalars(select(Staff)))
    assert db.session.query(AuditLog).count() == 0


def test_no_actions_offered_on_own_row(manager, world):
    html = page(manager.get("/console/staff"))
    assert f"/console/staff/{world.manager_a.id}/enabled" not in html
    assert f"/console/staff/{world.cashier_a.id}/enabled" in html

"""The handheld's PIN lock: set after a full login, locks when idle or asked, 423 while locked,
5 wrong PINs in a row end every session, and PIN guesses share the staff login limits."""

from datetime import timedelta

import pytest
import time_machine

from app.extensions import db
from app.models import AuditLog, Staff
from app.models.base import utcnow
from tests.api.conftest import assert_error
from tests.attendant.conftest import Handheld


def staff_row(world) -> Staff:
    db.session.expire_all()
    return db.session.get(Staff, world.attendant_a.id)


@pytest.fixture
def with_pin(world, attendant):
    assert attendant.post("/pin", {"pin": "2580"}).status_code == 204
    return attendant


def test_pin_is_stored_as_argon2id_and_shown_in_the_profile(world, attendant):
    assert attendant.get("/me").get_json()["has_pin"] is False
    assert attendant.post("/pin", {"pin": "2580"}).status_code == 204
    row = staff_row(world)
    assert row.pin_hash.startswith("$argon2id$") and "2580" not in row.pin_hash
    me = attendant.get("/me").get_json()
    assert me["has_pin"] is True and me["lock_after_s"] == 300
    assert db.session.query(AuditLog).filter_by(action="staff.set_pin").count() == 1


@pytest.mark.parametrize("pin", ["123", "1234567", "12a4", "1111", "1234", "98765", ""])
def test_weak_or_malformed_pins_are_refused(world, attendant, pin):
    answer = attendant.post("/pin", {"pin": pin})
    assert answer.status_code == 400
    assert staff_row(world).pin_hash is None


def test_setting_a_pin_needs_csrf(world, attendant):
    assert_error(attendant.post("/pin", {"pin": "2580"}, csrf=False), 400, "csrf_failed")


def test_lock_then_every_call_is_423_until_the_right_pin(world, with_pin):
    assert with_pin.post("/lock").get_json() == {"locked": True}
    station = world.station_a.id
    for path in ("/me", f"/stations/{station}/orders", "/orders/lookup?token=X"):
        message = assert_error(with_pin.client.get("/attendant/api" + path), 423, "locked")
        assert message == "已锁屏，请输入 PIN 解锁"
    assert_error(with_pin.post("/pin", {"pin": "3690"}), 423, "locked")
    message = assert_error(with_pin.post("/unlock", {"pin": "0000"}), 403, "wrong_pin")
    assert "还可以再试 4 次" in message
    answer = with_pin.post("/unlock", {"pin": "2580"})
    assert answer.status_code == 200 and answer.get_json()["name"] == "attendant_a"
    assert with_pin.get("/me").status_code == 200
    assert staff_row(world).pin_failures == 0


def test_a_423_leaves_the_session_cookie_alone(world, with_pin):
    """A call sent just before an unlock carries the locked cookie: its 423, answered after the
    unlock, must not set that cookie again over the unlocked one."""
    start = utcnow()
    with_pin.post("/lock")
    answer = with_pin.get("/me")
    assert answer.status_code == 423 and "Set-Cookie" not in answer.headers
    assert with_pin.post("/unlock", {"pin": "2580"}).status_code == 200
    with time_machine.travel(start + timedelta(minutes=6), tick=False):  # idle: locked again
        for _ in range(2):
            answer = with_pin.get("/me")
            assert answer.status_code == 423 and "Set-Cookie" not in answer.headers


def test_without_a_pin_nothing_locks(world, attendant):
    assert attendant.post("/lock").get_json() == {"locked": False}
    with time_machine.travel(utcnow() + timedelta(hours=1), tick=False):
        assert attendant.get("/me").status_code == 200
        assert_error(attendant.post("/unlock", {"pin": "2580"}), 409, "no_pin")


def test_idle_for_the_configured_minutes_locks_and_background_polls_do_not_count(world, with_pin):
    station = world.station_a.id
    start = utcnow()
    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        # The live list polls in the background: that is not the attendant using the device.
        assert with_pin.get(f"/stations/{station}/events", since=0, wait=0).status_code == 200
    with time_machine.travel(start + timedelta(minutes=5, seconds=30), tick=False):
        assert_error(with_pin.get(f"/stations/{station}/orders"), 423, "locked")
        assert with_pin.post("/unlock", {"pin": "2580"}).status_code == 200
        assert with_pin.get(f"/stations/{station}/orders").status_code == 200


def test_activity_keeps_the_session_awake(world, with_pin):
    start = utcnow()
    for minute in (4, 8, 12):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            assert with_pin.get("/me").status_code == 200


def test_five_wrong_pins_end_every_session_and_the_password_gets_back_in(world, with_pin, app):
    other_device = Handheld(app.test_client())
    assert other_device.login("attendant_a").status_code == 200
    with_pin.post("/lock")
    for left in (4, 3, 2, 1):
        message = assert_error(with_pin.post("/unlock", {"pin": "0000"}), 403, "wrong_pin")
        assert f"{left} 次" in message
    message = assert_error(with_pin.post("/unlock", {"pin": "0000"}), 401, "pin_lockout")
    assert "请用密码重新登录" in message
    # Ended here and on the other device; the right PIN no longer helps.
    assert_error(with_pin.get("/me"), 401, "unauthorized")
    assert_error(other_device.get("/me"), 401, "unauthorized")
    assert_error(with_pin.post("/unlock", {"pin": "2580"}), 401, "unauthorized")
    # The wrong PINs used this account's login budget for the minute.
    assert_error(with_pin.login("attendant_a"), 429, "too_many_requests")
    row = staff_row(world)
    assert row.pin_failures == 0 and row.pin_hash is not None
    assert db.session.query(AuditLog).filter_by(action="staff.pin_lockout").count() == 1


def test_a_right_pin_resets_the_count(world, with_pin):
    with_pin.post("/lock")
    for _ in range(3):
        assert with_pin.post("/unlock", {"pin": "0000"}).status_code == 403
    assert with_pin.post("/unlock", {"pin": "2580"}).status_code == 200
    assert staff_row(world).pin_failures == 0


def test_pin_guesses_count_against_the_login_limits(world, with_pin, app):
    with_pin.post("/lock")
    for _ in range(3):
        assert with_pin.post("/unlock", {"pin": "0000"}).status_code == 403
    # The same account's budget: two wrong passwords and the account is at its limit.
    other = Handheld(app.test_client())
    for _ in range(2):
        assert other.login("attendant_a", "wrong-password1").status_code == 401
    assert_error(other.login("attendant_a"), 429, "too_many_requests")
    assert_error(with_pin.post("/unlock", {"pin": "2580"}), 429, "too_many_requests")


def test_logging_out_and_in_again_starts_unlocked(world, with_pin):
    with_pin.post("/lock")
    assert with_pin.post("/logout").status_code == 204
    assert with_pin.login("attendant_a").status_code == 200
    assert with_pin.get("/me").status_code == 200

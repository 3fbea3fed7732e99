"""Attendant login: who gets in, rate limits, the session cookie, CSRF on logout, 401 as JSON."""

import pytest

from app.extensions import db
from app.models import Staff
from tests.api.conftest import Driver, assert_error
from tests.factories import make_staff


def test_login_gives_profile_csrf_token_and_a_strict_cookie(world, handheld):
    answer = handheld.login("attendant_a")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["id"] == world.attendant_a.id and body["name"] == "attendant_a"
    assert (body["role"], body["role_name"]) == ("attendant", "加油员")
    assert body["stations"] == [{"id": world.station_a.id, "name": "昆明北京路加油站"}]
    assert len(body["csrf_token"]) > 20
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    me = handheld.get("/me")
    assert me.status_code == 200
    assert {k: v for k, v in body.items() if k != "csrf_token"} == me.get_json()


def test_chain_admin_is_refused_at_the_handheld(world, handheld):
    message = assert_error(handheld.login("admin"), 403, "role_not_allowed")
    assert "总部管理员" in message and "管理后台" in message
    assert_error(handheld.get("/me"), 401, "unauthorized")
    assert_error(handheld.get(f"/stations/{world.station_a.id}/orders"), 401, "unauthorized")


def test_a_session_of_a_chain_admin_gets_no_handheld_call(world, app):
    """Even logged in through the console, a chain admin gets 403 from every handheld call."""
    from tests.console.conftest import Console

    console = Console(app.test_client())
    assert console.login("admin").status_code == 303
    for path in ("/me", f"/stations/{world.station_a.id}/orders", "/orders/lookup?token=X"):
        assert_error(console.client.get("/attendant/api" + path), 403, "role_not_allowed")


@pytest.mark.parametrize(
    ("username", "password"), [("attendant_a", "wrong-password1"), ("nobody", "Jiayou2026")]
)
def test_bad_credentials_get_one_generic_error(world, handheld, username, password):
    message = assert_error(handheld.login(username, password), 401, "invalid_credentials")
    assert message == "用户名或密码错误"
    assert_error(handheld.get("/me"), 401, "unauthorized")


def test_disabled_account_is_refused(world, handheld):
    world.attendant_a.is_enabled = False
    db.session.commit()
    assert_error(handheld.login("attendant_a"), 401, "invalid_credentials")
    assert_error(handheld.get("/me"), 401, "unauthorized")


def test_disabling_ends_a_live_session(world, attendant):
    assert attendant.get("/me").status_code == 200
    world.attendant_a.is_enabled = False
    db.session.commit()
    assert_error(attendant.get("/me"), 401, "unauthorized")


def test_password_change_pending_is_sent_to_the_console(world, handheld):
    world.attendant_a.must_change_password = True
    db.session.commit()
    message = assert_error(handheld.login("attendant_a"), 403, "password_change_required")
    # The console's address as this handheld reached the service, to open or type elsewhere.
    assert message.endswith("管理后台地址：http://localhost/console/password"), message
    assert_error(handheld.get("/me"), 401, "unauthorized")


def test_staff_without_a_station_is_refused(world, handheld):
    make_staff(world.chain, "attendant", [], "floating")
    db.session.commit()
    assert_error(handheld.login("floating"), 403, "no_station")
    assert_error(handheld.get("/me"), 401, "unauthorized")


def test_malformed_login_is_a_400(world, handheld):
    answer = handheld.client.post("/attendant/api/login", data="username=attendant_a")
    assert_error(answer, 400, "invalid_request")
    assert_error(handheld.client.post("/attendant/api/login", json={}), 400, "invalid_request")


def test_rate_limit_per_account(world, handheld):
    for _ in range(5):
        assert handheld.login("attendant_a", "wrong-password1").status_code == 401
    message = assert_error(handheld.login("attendant_a"), 429, "too_many_requests")
    assert "登录尝试次数过多" in message
    # The same name written differently is the same account.
    assert handheld.login(" Attendant_A ").status_code == 429
    assert handheld.login("cashier_a").status_code == 200


def test_rate_limit_per_address(world, handheld):
    for i in range(10):
        assert handheld.login(f"user{i}", "wrong-password1").status_code == 401
    assert_error(handheld.login("attendant_a"), 429, "too_many_requests")


def test_successful_logins_do_not_count(world, handheld):
    for _ in range(7):
        assert handheld.login("attendant_a").status_code == 200
        assert handheld.post("/logout").status_code == 204


def test_unauthenticated_gets_401_json_not_a_redirect(app, client):
    for path in ("/me", "/orders/lookup?token=X", "/orders/preview?token=X&dispensed_ml=10"):
        answer = client.get("/attendant/api" + path)
        assert_error(answer, 401, "unauthorized")
        assert "Location" not in answer.headers


def test_driver_bearer_token_is_not_a_staff_login(world, live_server, client):
    token = Driver(client).token("o-driver-at-the-pump")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert_error(client.get("/attendant/api/me", headers=headers), 401, "unauthorized")
    answer = client.get("/attendant/api/orders/lookup?token=X", headers=headers)
    assert_error(answer, 401, "unauthorized")


def test_logout_needs_csrf_and_ends_the_session(attendant):
    assert_error(attendant.post("/logout", csrf=False), 400, "csrf_failed")
    assert attendant.get("/me").status_code == 200
    assert attendant.post("/logout").status_code == 204
    assert_error(attendant.get("/me"), 401, "unauthorized")


def test_login_rotates_the_csrf_token(world, handheld):
    first = handheld.login("attendant_a").get_json()["csrf_token"]
    handheld.post("/logout")
    second = handheld.login("cashier_a").get_json()["csrf_token"]
    assert first != second
    handheld.csrf_token = first  # the previous session's token no longer works
    assert_error(handheld.post("/logout"), 400, "csrf_failed")


def test_login_records_the_time(world, handheld):
    handheld.login("attendant_a")
    db.session.expire_all()
    assert db.session.get(Staff, world.attendant_a.id).last_login_at is not None


def test_console_and_handheld_share_one_budget_of_guesses(world, handheld, app):
    from tests.console.conftest import Console

    console = Console(app.test_client())
    for _ in range(3):
        assert console.login("attendant_a", "wrong-password1").status_code != 303
    for _ in range(2):
        assert handheld.login("attendant_a", "wrong-password1").status_code == 401
    assert_error(handheld.login("attendant_a"), 429, "too_many_requests")
    assert console.login("attendant_a").status_code == 429


def test_a_handheld_call_does_not_load_the_stations(world, attendant, app):
    """The per-request check reads the staff member's station ids, not every Station row."""
    from sqlalchemy import event

    from app import database

    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    url = f"/stations/{world.station_a.id}/events"
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        answer = attendant.get(url, since=0, wait=0)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert answer.status_code == 200
    assert not [s for s in statements if " FROM station " in s + " "], statements
    # Staff with their station ids, the events. The look's own block commits, so the end of
    # the request has no transaction left to ask PostgreSQL about (app/database.py).
    assert len(statements) == 2, statements
    assert database.NOTHING_WRITTEN not in statements

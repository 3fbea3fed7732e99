"""Login, logout, rate limits, redirects after login, CSRF and the session cookie."""

import pytest

from app.extensions import db
from app.models import AuditLog, Staff
from app.services.staff.passwords import hash_password
from tests.console.conftest import page
from tests.factories import PASSWORD


def test_login_page_is_chinese_with_csrf_meta(console, world):
    response = console.get("/console/login")
    assert response.status_code == 200
    html = page(response)
    assert "用户名" in html and "密码" in html and 'lang="zh-CN"' in html
    assert '<meta name="csrf-token" content="' in html
    assert "X-CSRFToken" in html


def test_anonymous_is_sent_to_login(console, world):
    response = console.get("/console/stations")
    assert response.status_code == 302
    assert "/console/login?next=/console/stations" in response.headers["Location"]


def test_login_ok_shows_name_role_and_station(console, world):
    response = console.login("manager_a")
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/"
    html = page(console.get("/console/"))
    assert "manager_a" in html and "站长" in html and "昆明北京路加油站" in html
    assert "大理古城加油站" not in html


@pytest.mark.parametrize(
    ("username", "password"),
    [("manager_a", "wrong-password1"), ("nobody", PASSWORD), ("", "")],
)
def test_login_failures_show_one_generic_error(console, world, username, password):
    response = console.login(username, password)
    assert response.status_code == 400
    html = page(response)
    if username:
        assert "用户名或密码错误" in html
    assert console.get("/console/").status_code == 302


def test_disabled_account_cannot_log_in(console, world):
    world.cashier_a.is_enabled = False
    db.session.commit()
    response = console.login("cashier_a")
    assert response.status_code == 400
    assert "用户名或密码错误" in page(response)


def test_username_is_case_insensitive(console, world):
    assert console.login("Manager_A").status_code == 303


def test_rate_limit_per_account(console, world):
    for _ in range(5):
        assert console.login("manager_a", "wrong-password1").status_code == 400
    response = console.login("manager_a", PASSWORD)
    assert response.status_code == 429
    assert "登录尝试次数过多" in page(response)
    # Another account from the same address is still allowed.
    assert console.login("manager_b").status_code == 303


def test_rate_limit_per_address(console, world):
    for i in range(10):
        assert console.login(f"user{i}", "wrong-password1").status_code == 400
    assert console.login("manager_a").status_code == 429


def test_successful_logins_do_not_count(console, world):
    for _ in range(7):
        assert console.login("manager_a").status_code == 303
        console.post("/console/logout")


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/console/stations", "/console/stations"),
        ("/console/audit?station_id=1", "/console/audit?station_id=1"),
        ("https://evil.example/", "/console/"),
        ("//evil.example/x", "/console/"),
        ("/\\evil.example", "/console/"),
        ("javascript:alert(1)", "/console/"),
        ("/%09/evil.example", "/%09/evil.example"),
    ],
)
def test_next_only_goes_to_relative_paths(console, world, next_url, expected):
    response = console.login("manager_a", next_url=next_url)
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_next_with_raw_tab_is_refused(console, world):
    console.get("/console/login")
    response = console.post(
        "/console/login",
        {"username": "manager_a", "password": PASSWORD, "next": "/\t/evil.example"},
    )
    assert response.headers["Location"] == "/console/"


def test_logout_is_a_post_with_csrf(as_staff):
    console = as_staff("manager_a")
    assert console.get("/console/logout").status_code == 405
    response = console.post("/console/logout", csrf=False)
    assert (response.status_code, response.headers["Location"]) == (303, "/console/")
    assert console.get("/console/").status_code == 200  # still logged in
    response = console.post("/console/logout")
    assert response.status_code == 303
    assert console.get("/console/").status_code == 302


def test_csrf_missing_is_refused_and_changes_nothing(as_staff, world):
    console = as_staff("manager_a")
    station = world.station_a
    url = f"/console/stations/{station.id}"
    response = console.post(
        url,
        {"name": "改名", "city": "昆明", "address": "x", "lat": "25", "lng": "102"},
        csrf=False,
        headers={"Referer": f"http://localhost{url}"},
    )
    # Back to the same page, which says why nothing was saved.
    assert (response.status_code, response.headers["Location"]) == (303, url)
    assert "页面已过期，请重新操作" in page(console.get(url))
    db.session.expire_all()
    assert db.session.get(type(station), station.id).name == "昆明北京路加油站"
    assert db.session.query(AuditLog).count() == 0


def test_session_cookie_flags(console, world):
    response = console.login("manager_a")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_must_change_password_first(console, world):
    world.cashier_a.must_change_password = True
    db.session.commit()
    console.login("cashier_a")
    response = console.get("/console/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/password"
    console.get("/console/password")
    response = console.post(
        "/console/password",
        {"current_password": PASSWORD, "new_password": "short", "confirm": "short"},
    )
    assert response.status_code == 400
    assert "密码至少 8 位" in page(response)
    response = console.post(
        "/console/password",
        {"current_password": PASSWORD, "new_password": "NewPass2026", "confirm": "NewPass2026"},
    )
    assert response.status_code == 303
    # The same browser stays logged in; the new password works and the old one does not.
    assert console.get("/console/").status_code == 200
    db.session.expire_all()
    staff = db.session.get(Staff, world.cashier_a.id)
    assert not staff.must_change_password


def test_password_change_confirmation_must_match(as_staff):
    console = as_staff("cashier_a")
    console.get("/console/password")
    response = console.post(
        "/console/password",
        {"current_password": PASSWORD, "new_password": "NewPass2026", "confirm": "Other2026"},
    )
    assert response.status_code == 400
    assert "两次输入的新密码不一致" in page(response)


def test_every_role_sees_home(as_staff):
    for username, role_name in (("cashier_a", "收银员"), ("attendant_a", "加油员")):
        console = as_staff(username)
        html = page(console.get("/console/"))
        assert role_name in html and "昆明北京路加油站" in html
        assert "/console/stations" not in html
        console.post("/console/logout")


def test_admin_home_links_to_management(as_staff):
    html = page(as_staff("admin").get("/console/"))
    assert "总部管理员" in html and "全部油站" in html
    assert "/console/stations" in html and "/console/staff" in html


def test_htmx_partial_without_login_redirects_whole_page(console, world):
    response = console.get("/console/stations", htmx=True)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/console/login")


def test_pages_vary_on_hx_request(as_staff):
    response = as_staff("manager_a").get("/console/")
    assert "HX-Request" in response.headers["Vary"]


def test_old_password_hash_kept_out_of_pages(as_staff, world):
    world.cashier_a.password_hash = hash_password("Other2026x")
    db.session.commit()
    html = page(as_staff("admin").get("/console/staff"))
    assert "argon2" not in html


def test_security_headers(console, world):
    response = console.get("/console/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_history_restore_gets_the_full_page(as_staff):
    console = as_staff("admin")
    response = console.get(
        "/console/audit", htmx=True, headers={"HX-History-Restore-Request": "true"}
    )
    assert "<!doctype html>" in response.get_data(as_text=True)


def test_htmx_csrf_header_is_accepted_and_required(as_staff, world):
    console = as_staff("manager_a")
    url = f"/console/stations/{world.station_a.id}/fuels/{world.fuels['98'].id}/enabled"
    prices = f"http://localhost/console/stations/{world.station_a.id}/prices"
    response = console.post(
        url, {"enabled": "0"}, htmx=True, csrf=False, headers={"HX-Current-URL": prices}
    )
    # The whole page reloads (HX-Redirect), with the reason among its messages.
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == prices.removeprefix("http://localhost")
    assert db.session.query(AuditLog).filter_by(action="fuel.disable").count() == 0
    response = console.post(
        url, {"enabled": "0"}, htmx=True, csrf=False, headers={"X-CSRFToken": console.token}
    )
    assert response.status_code == 200
    assert db.session.query(AuditLog).filter_by(action="fuel.disable").count() == 1

"""A form posted after the session ended leads to the login page and back to the same page,
never to a bare "400 页面已过期"; a stale page while still logged in is reloaded."""

from urllib.parse import quote

import pytest

from app.extensions import db
from app.models import AuditLog, FuelPrice, Staff
from tests.console.conftest import page
from tests.factories import PASSWORD


def price_form(world) -> dict:
    fuel_id = str(world.fuels["92"].id)
    return {"fuel_id": fuel_id, "list_price": "7.99", "member_price": "7.79", "when": "now"}


def prices_url(world) -> str:
    return f"/console/stations/{world.station_a.id}/prices"


def session_ends(console) -> None:
    """What a browser does when the session cookie expires: it stops sending it."""
    console.client.delete_cookie("session")


def test_post_after_session_cookie_expired_goes_to_login_and_back(as_staff, world):
    console = as_staff("manager_a")
    url = prices_url(world)
    console.get(url)  # the page and its form's token, as the browser had them
    session_ends(console)
    count = db.session.query(FuelPrice).count()

    response = console.post(url, price_form(world), headers={"Referer": f"http://localhost{url}"})

    assert response.status_code == 303
    login_url = f"/console/login?next={quote(url, safe='/')}"
    assert response.headers["Location"] == login_url
    html = page(console.get(login_url))
    assert "登录已过期，请重新登录" in html
    assert f'name="next" type="hidden" value="{url}"' in html
    login = {"username": "manager_a", "password": PASSWORD, "next": url}
    response = console.post("/console/login", login)
    assert (response.status_code, response.headers["Location"]) == (303, url)
    assert console.get(url).status_code == 200
    assert db.session.query(FuelPrice).count() == count  # the expired post saved nothing


def test_htmx_post_after_expiry_reloads_the_whole_page_at_login(as_staff, world):
    console = as_staff("manager_a")
    url = prices_url(world)
    console.get(url)
    session_ends(console)
    response = console.post(
        url, price_form(world), htmx=True, headers={"HX-Current-URL": f"http://localhost{url}"}
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/console/login?next={quote(url, safe='/')}"
    assert "登录已过期" in page(console.get(response.headers["HX-Redirect"]))


@pytest.mark.parametrize(
    "referer",
    [
        "http://evil.example/console/staff",  # another site
        "https://localhost/console/staff",  # another scheme
        "http://localhost/api/v1/stations",  # not a console page
        "http://localhost/console/login?next=/console/staff",  # the login page itself
        "",
    ],
)
def test_the_way_back_stays_on_this_console(as_staff, world, referer):
    console = as_staff("manager_a")
    console.get("/console/staff")
    session_ends(console)
    response = console.post("/console/staff", {"username": "x"}, headers={"Referer": referer})
    assert response.headers["Location"] == "/console/login?next=/console/"


def test_session_ended_by_a_password_reset_goes_back_to_the_page_not_the_post(as_staff, world):
    """The cookie (and its CSRF token) is still there, but the login no longer counts."""
    console = as_staff("manager_a")
    url = f"/console/stations/{world.station_a.id}"
    console.get(url)
    staff = db.session.get(Staff, world.manager_a.id)
    staff.login_epoch += 1
    db.session.commit()
    hours = {f"mode{day}": "allday" for day in range(7)}
    response = console.post(f"{url}/hours", hours, headers={"Referer": f"http://localhost{url}"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/console/login?next={quote(url, safe='/')}"
    assert "登录已过期" in page(console.get(response.headers["Location"]))
    assert db.session.query(AuditLog).count() == 0


def test_login_form_left_open_past_its_session_asks_again(console, world):
    console.get("/console/login?next=/console/staff")
    session_ends(console)
    response = console.post(
        "/console/login",
        {"username": "manager_a", "password": PASSWORD, "next": "/console/staff"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/login?next=/console/staff"
    html = page(console.get(response.headers["Location"]))
    assert "页面已过期，请重新登录" in html
    response = console.post(
        "/console/login",
        {"username": "manager_a", "password": PASSWORD, "next": "/console/staff"},
    )
    assert (response.status_code, response.headers["Location"]) == (303, "/console/staff")


def test_login_form_with_an_outside_next_drops_it(console, world):
    console.get("/console/login")
    session_ends(console)
    response = console.post(
        "/console/login",
        {"username": "manager_a", "password": PASSWORD, "next": "//evil.example/"},
    )
    assert response.headers["Location"] == "/console/login"


@pytest.mark.parametrize("username", ["manager_a\x00", "\x00", "man\x00ager_a", "a\x1fb"])
def test_control_characters_in_a_username_are_a_field_error(console, world, username):
    response = console.login(username)
    assert response.status_code == 400
    html = page(response)
    assert "用户名" in html and "含有无效字符" in html


def test_nul_in_the_password_is_a_plain_wrong_password(console, world):
    response = console.login("manager_a", "Jiayou\x002026")
    assert response.status_code == 400
    assert "用户名或密码错误" in page(response)

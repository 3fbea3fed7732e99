"""Who may open which console page: roles and stations."""

import pytest

from app.extensions import db
from app.models import AuditLog, FuelPrice, Nozzle, Station, StationPhoto
from tests.console.conftest import page

CATALOGUE_PAGES = ["/console/stations", "/console/staff", "/console/audit"]


def station_pages(station_id: int) -> list[str]:
    return [
        f"/console/stations/{station_id}",
        f"/console/stations/{station_id}/prices",
        f"/console/stations/{station_id}/nozzles",
    ]


@pytest.mark.parametrize("username", ["cashier_a", "attendant_a"])
def test_cashier_and_attendant_get_403_on_catalogue_and_staff(as_staff, world, username):
    console = as_staff(username)
    for url in CATALOGUE_PAGES + station_pages(world.station_a.id):
        response = console.get(url)
        assert response.status_code == 403, url
        assert "无权访问" in page(response)
    response = console.post("/console/staff", {"username": "x1", "role": "cashier"})
    assert response.status_code == 403


@pytest.mark.parametrize("username", ["admin", "manager_a"])
def test_managers_open_every_page_of_their_station(as_staff, world, username):
    console = as_staff(username)
    for url in CATALOGUE_PAGES + station_pages(world.station_a.id):
        response = console.get(url)
        assert response.status_code == 200, url
        assert "昆明北京路加油站" in page(response)


def test_manager_list_shows_only_own_stations(as_staff):
    html = page(as_staff("manager_a").get("/console/stations"))
    assert "昆明北京路加油站" in html
    assert "大理古城加油站" not in html
    assert "新建油站" not in html


def test_admin_list_shows_every_station_and_create(as_staff):
    html = page(as_staff("admin").get("/console/stations"))
    assert "昆明北京路加油站" in html and "大理古城加油站" in html
    assert "新建油站" in html
    assert "7.68" in html and "7.48" in html


def test_manager_a_gets_403_on_station_b(as_staff, world):
    console = as_staff("manager_a")
    b = world.station_b.id
    for url in station_pages(b):
        response = console.get(url)
        assert response.status_code == 403, url
        assert "您不是该油站的站长" in page(response)
    assert console.get(f"/console/audit?station_id={b}").status_code == 403


def test_manager_a_cannot_post_to_station_b(as_staff, world):
    console = as_staff("manager_a")
    console.get("/console/")
    b = world.station_b
    fuel = world.fuels["92"]
    nozzle = db.session.query(Nozzle).filter_by(station_id=b.id, number=1).one()
    price_count = db.session.query(FuelPrice).count()
    posts = [
        (
            f"/console/stations/{b.id}",
            {"name": "被改", "city": "大理", "address": "x", "lat": "25.6", "lng": "100.2"},
        ),
        (f"/console/stations/{b.id}/hours", {"mode0": "closed"}),
        (
            f"/console/stations/{b.id}/prices",
            {"fuel_id": fuel.id, "list_price": "7.00", "member_price": "6.90", "when": "now"},
        ),
        (f"/console/stations/{b.id}/fuels/{fuel.id}/enabled", {"enabled": "0"}),
        (f"/console/stations/{b.id}/nozzles", {"number": "9", "fuel_id": fuel.id}),
        (f"/console/stations/{b.id}/nozzles/{nozzle.id}", {"number": "8", "fuel_id": fuel.id}),
        (f"/console/stations/{b.id}/nozzles/{nozzle.id}/enabled", {"enabled": "0"}),
    ]
    for url, data in posts:
        for htmx in (False, True):
            response = console.post(url, data, htmx=htmx)
            assert response.status_code == 403, url
    db.session.expire_all()
    assert db.session.get(Station, b.id).name == "大理古城加油站"
    assert db.session.query(FuelPrice).count() == price_count
    assert db.session.get(Nozzle, nozzle.id).number == 1
    assert db.session.query(AuditLog).count() == 0


def test_manager_a_cannot_see_or_delete_station_b_photos(as_staff, world, png_bytes):
    from app.services.catalogue import stations

    photo = stations.add_photo(world.admin, world.station_b.id, png_bytes, "大理")
    console = as_staff("manager_a")
    b = world.station_b.id
    assert console.get(f"/console/stations/{b}/photos/{photo.id}").status_code == 403
    assert console.post(f"/console/stations/{b}/photos/{photo.id}/delete").status_code == 403
    # Nor through station A's URL.
    a = world.station_a.id
    assert console.get(f"/console/stations/{a}/photos/{photo.id}").status_code == 404
    assert console.post(f"/console/stations/{a}/photos/{photo.id}/delete").status_code == 404
    response = console.post(f"/console/stations/{b}/photos", {"caption": "x"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.query(StationPhoto).count() == 1


def test_unknown_station_is_404(as_staff):
    assert as_staff("admin").get("/console/stations/9999").status_code == 404


def test_only_chain_admin_creates_stations(as_staff):
    console = as_staff("manager_a")
    assert console.get("/console/stations/new").status_code == 403


def test_htmx_error_replaces_the_page(as_staff, world):
    console = as_staff("manager_a")
    response = console.get(f"/console/stations/{world.station_b.id}/nozzles", htmx=True)
    assert response.status_code == 403
    assert response.headers["HX-Retarget"] == "body"


def test_favicon(console):
    response = console.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file

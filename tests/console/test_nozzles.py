"""Nozzles: add, edit in place (HTMX row swap), enable and disable."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, Nozzle
from tests.console.conftest import page


@pytest.fixture
def manager(as_staff, world):
    console = as_staff("manager_a")
    console.get(url(world))
    return console


def url(world, tail="") -> str:
    return f"/console/stations/{world.station_a.id}/nozzles{tail}"


def nozzle(world, number) -> Nozzle:
    return db.session.scalar(
        select(Nozzle).where(Nozzle.station_id == world.station_a.id, Nozzle.number == number)
    )


def test_list(manager, world):
    html = page(manager.get(url(world)))
    assert "1号枪" in html and "4号枪" in html and "0#柴油" in html and "添加油枪" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_add(manager, world, htmx):
    data = {"number": "7", "fuel_id": world.fuels["95"].id, "enabled": "y"}
    response = manager.post(url(world), data, htmx=htmx)
    assert response.status_code == (200 if htmx else 303)
    if htmx:
        html = page(response)
        assert html.lstrip().startswith('<form id="nozzle-add"')
        assert 'id="nozzle-table" class="card flush" hx-swap-oob="true"' in html
        assert "7号枪" in html and "已添加 7号枪" in html
    added = nozzle(world, 7)
    assert added.fuel_id == world.fuels["95"].id and added.enabled
    assert db.session.scalar(select(AuditLog.action)) == "nozzle.add"


@pytest.mark.parametrize("htmx", [False, True])
def test_duplicate_number_is_an_inline_error(manager, world, htmx):
    data = {"number": "2", "fuel_id": world.fuels["92"].id, "enabled": "y"}
    response = manager.post(url(world), data, htmx=htmx)
    assert response.status_code == 400
    assert '<p class="field-error">2号枪已存在</p>' in page(response)
    assert db.session.query(Nozzle).filter_by(station_id=world.station_a.id).count() == 4
    assert db.session.query(AuditLog).count() == 0


@pytest.mark.parametrize(
    ("number", "message"), [("x", "枪号应为 1 到 99 的整数"), ("100", "枪号应在 1 到 99 之间")]
)
def test_bad_number(manager, world, number, message):
    data = {"number": number, "fuel_id": world.fuels["92"].id}
    response = manager.post(url(world), data)
    assert response.status_code == 400
    assert message in page(response)


def test_inline_edit_swaps_the_row(manager, world):
    target = nozzle(world, 1)
    response = manager.get(url(world, f"/{target.id}/edit"), htmx=True)
    html = page(response)
    assert html.lstrip().startswith(f'<tr id="nozzle-{target.id}" class="editing">')
    assert 'hx-include="closest tr"' in html

    data = {"number": "11", "fuel_id": world.fuels["98"].id, "enabled": "y"}
    response = manager.post(url(world, f"/{target.id}"), data, htmx=True)
    assert response.status_code == 200
    html = page(response)
    assert html.lstrip().startswith(f'<tr id="nozzle-{target.id}"')
    assert "11号枪" in html and "98#汽油" in html
    db.session.expire_all()
    assert db.session.get(Nozzle, target.id).number == 11
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "nozzle.update"))
    assert entry.before == {"number": 1, "fuel_id": world.fuels["92"].id}

    response = manager.get(url(world, f"/{target.id}"), htmx=True)
    assert "11号枪" in page(response) and "editing" not in page(response)


def test_inline_edit_duplicate_stays_in_the_row(manager, world):
    target = nozzle(world, 1)
    data = {"number": "3", "fuel_id": world.fuels["92"].id, "enabled": "y"}
    response = manager.post(url(world, f"/{target.id}"), data, htmx=True)
    assert response.status_code == 400
    html = page(response)
    assert html.lstrip().startswith(f'<tr id="nozzle-{target.id}" class="editing">')
    assert "3号枪已存在" in html and 'value="3"' in html
    db.session.expire_all()
    assert db.session.get(Nozzle, target.id).number == 1


def test_edit_page_without_htmx(manager, world):
    target = nozzle(world, 2)
    response = manager.get(url(world, f"/{target.id}/edit"))
    assert response.status_code == 200 and "编辑 2号枪" in page(response)
    data = {"number": "12", "fuel_id": world.fuels["95"].id, "enabled": "y"}
    assert manager.post(url(world, f"/{target.id}"), data).status_code == 303
    db.session.expire_all()
    assert db.session.get(Nozzle, target.id).number == 12


def test_disable_and_enable(manager, world):
    target = nozzle(world, 4)
    response = manager.post(url(world, f"/{target.id}/enabled"), {"enabled": "0"}, htmx=True)
    assert response.status_code == 200
    assert "停用" in page(response)
    db.session.expire_all()
    assert db.session.get(Nozzle, target.id).enabled is False
    assert manager.post(url(world, f"/{target.id}/enabled"), {"enabled": "1"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Nozzle, target.id).enabled is True
    assert db.session.query(AuditLog).filter_by(action="nozzle.update").count() == 2


def test_nozzle_of_another_station_is_404(manager, world):
    other = db.session.scalar(select(Nozzle).where(Nozzle.station_id == world.station_b.id))
    assert manager.get(url(world, f"/{other.id}/edit")).status_code == 404
    data = {"number": "50", "fuel_id": world.fuels["92"].id}
    assert manager.post(url(world, f"/{other.id}"), data).status_code == 404
    db.session.expire_all()
    assert db.session.get(Nozzle, other.id).number != 50

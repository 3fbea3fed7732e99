"""The audit log page: the actor's stations only, filter by station."""

from app.services.catalogue import nozzles, pricing
from tests.console.conftest import page


def make_changes(world):
    pricing.schedule_price(world.admin, world.station_a.id, world.fuels["92"].id, 790, 770)
    nozzles.add_nozzle(world.admin, world.station_b.id, 9, world.fuels["0"].id)


def test_manager_sees_own_station_entries_only(as_staff, world):
    make_changes(world)
    html = page(as_staff("manager_a").get("/console/audit"))
    assert "调价" in html and "list_price_fen</b>=7.68元" in html and "7.90元" in html
    assert "添加油枪" not in html
    assert "总部管理员" not in html or "admin(admin)" in html


def test_admin_sees_all_and_filters(as_staff, world):
    make_changes(world)
    console = as_staff("admin")
    html = page(console.get("/console/audit"))
    assert "调价" in html and "添加油枪" in html
    html = page(console.get(f"/console/audit?station_id={world.station_b.id}"))
    assert "添加油枪" in html and "调价" not in html
    response = console.get(f"/console/audit?station_id={world.station_a.id}", htmx=True)
    html = page(response)
    assert html.lstrip().startswith('<section id="audit-rows"') and "添加油枪" not in html


def test_times_are_in_shanghai(as_staff, world):
    make_changes(world)
    from app.extensions import db
    from app.models import AuditLog
    from app.services.platform import clock

    entry = db.session.query(AuditLog).first()
    html = page(as_staff("admin").get("/console/audit"))
    assert clock.to_local(entry.created_at).strftime("%Y-%m-%d %H:%M:%S") in html

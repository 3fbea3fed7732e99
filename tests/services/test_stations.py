"""Station profile, opening hours, photos and nozzles."""

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, Nozzle, Station, StationPhoto
from app.services.catalogue import nozzles, stations
from app.services.platform.errors import Invalid, NotFound, PermissionDenied


def _profile(station, **changes):
    fields = {k: getattr(station, k) for k in stations.PROFILE_FIELDS}
    fields.update(changes)
    return fields


def test_update_profile_records_only_what_changed(world):
    stations.update_station(
        world.manager_a, world.station_a.id, _profile(world.station_a, phone="0871-1234567")
    )
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "station.update")).one()
    assert entry.before == {"phone": "0871-65550000"}
    assert entry.after == {"phone": "0871-1234567"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lat": "abc"}, "lat"),
        ({"lng": 200}, "lng"),
        ({"name": " "}, "name"),
        ({"services": ["游泳池"]}, "services"),
        ({"phone": "call me"}, "phone"),
    ],
)
def test_bad_profile_is_refused_and_nothing_saved(world, changes, field):
    with pytest.raises(Invalid) as err:
        stations.update_station(
            world.manager_a, world.station_a.id, _profile(world.station_a, **changes)
        )
    assert field in err.value.fields
    db.session.rollback()
    station = db.session.get(Station, world.station_a.id)
    assert (station.name, station.lat, station.lng) == ("昆明北京路加油站", 25.0406, 102.7123)


def test_only_chain_admin_creates_stations(world):
    fields = _profile(world.station_a, code="km-009", name="昆明新站")
    with pytest.raises(PermissionDenied):
        stations.create_station(world.manager_a, fields)
    station = stations.create_station(world.admin, fields)
    assert station.code == "KM-009"
    with pytest.raises(Invalid) as err:
        stations.create_station(world.admin, fields)
    assert err.value.fields == {"code": "该编号已被使用"}


def test_hours_with_overnight_and_closed_days(world):
    stations.set_hours(world.manager_a, world.station_a.id, {0: (360, 120), 1: (0, 1440), 6: None})
    station = db.session.get(Station, world.station_a.id)
    assert stations.station_hours(station) == {0: (360, 120), 1: (0, 1440)}
    with pytest.raises(Invalid):
        stations.set_hours(world.manager_a, world.station_a.id, {2: (600, 600)})
    db.session.rollback()
    assert len(db.session.get(Station, world.station_a.id).hours) == 2


def _png(size=(1200, 900)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 80)).save(out, "PNG")
    return out.getvalue()


def test_photos_are_reencoded_and_station_checked(world):
    photo = stations.add_photo(world.manager_a, world.station_a.id, _png((3000, 2000)), "外景")
    assert photo.content_type == "image/jpeg"
    assert max(photo.width, photo.height) == stations.MAX_PHOTO_SIDE
    assert Image.open(io.BytesIO(photo.data)).format == "JPEG"
    with pytest.raises(Invalid):
        stations.add_photo(world.manager_a, world.station_a.id, b"<html>not an image</html>")
    with pytest.raises(PermissionDenied):
        stations.delete_photo(world.manager_b, world.station_a.id, photo.id)
    with pytest.raises(NotFound):
        stations.get_photo(world.manager_b, world.station_b.id, photo.id)
    stations.delete_photo(world.manager_a, world.station_a.id, photo.id)
    assert db.session.scalar(select(func.count(StationPhoto.id))) == 0


def test_nozzle_rules(world):
    fuel_92 = world.fuels["92"].id
    nozzle = nozzles.add_nozzle(world.manager_a, world.station_a.id, 9, fuel_92)
    with pytest.raises(Invalid) as err:
        nozzles.add_nozzle(world.manager_a, world.station_a.id, 9, fuel_92)
    assert err.value.fields == {"number": "9号枪已存在"}
    with pytest.raises(Invalid) as err:
        nozzles.update_nozzle(world.manager_a, world.station_a.id, nozzle.id, 1, fuel_92, True)
    assert "number" in err.value.fields
    with pytest.raises(PermissionDenied):
        nozzles.update_nozzle(world.manager_b, world.station_a.id, nozzle.id, 10, fuel_92, True)
    with pytest.raises(NotFound):
        nozzles.update_nozzle(world.manager_b, world.station_b.id, nozzle.id, 10, fuel_92, True)
    updated = nozzles.update_nozzle(
        world.manager_a, world.station_a.id, nozzle.id, 10, fuel_92, False
    )
    assert (updated.number, updated.enabled) == (10, False)
    numbers = [n.number for n in nozzles.list_nozzles(world.station_a.id)]
    assert numbers == [1, 2, 3, 4, 10]


def test_nozzle_needs_a_fuel_the_station_sells(world):
    from app.services.catalogue import pricing

    pricing.set_fuel_enabled(world.manager_a, world.station_a.id, world.fuels["98"].id, False)
    with pytest.raises(Invalid) as err:
        nozzles.add_nozzle(world.manager_a, world.station_a.id, 20, world.fuels["98"].id)
    assert "fuel_id" in err.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count(Nozzle.id)).where(Nozzle.number == 20)) == 0

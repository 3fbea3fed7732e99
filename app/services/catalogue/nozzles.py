"""Nozzles (枪): their numbers, fuels and whether they are in use."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Fuel, Nozzle, Staff, Station, StationFuel
from app.services.catalogue.stations import record_catalogue_change
from app.services.platform import audit
from app.services.platform.errors import Invalid, NotFound
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.access import station_for_manager


def list_nozzles(station_id: int) -> list[Nozzle]:
    query = select(Nozzle).where(Nozzle.station_id == station_id).order_by(Nozzle.number)
    return list(db.session.scalars(query))


def _check(station: Station, number: int, fuel_id: int, enabled: bool) -> None:
    errors = {}
    if not 1 <= number <= 99:
        errors["number"] = "枪号应在 1 到 99 之间"
    fuel = db.session.get(Fuel, fuel_id)
    sold = db.session.scalar(
        select(StationFuel.enabled).where(
            StationFuel.station_id == station.id, StationFuel.fuel_id == fuel_id
        )
    )
    if fuel is None or fuel.chain_id != station.chain_id:
        errors["fuel_id"] = "油品不存在"
    elif enabled and not sold:
        errors["fuel_id"] = "本站未销售该油品，请先在油品价格中启用"
    if errors:
        raise Invalid(errors)


def _snapshot(nozzle: Nozzle) -> dict:
    return {"number": nozzle.number, "fuel_id": nozzle.fuel_id, "enabled": nozzle.enabled}


def _save(nozzle: Nozzle) -> None:
    number = nozzle.number  # not readable once the flush failed
    try:
        db.session.flush()
    except IntegrityError:  # the caller's block rolls back
        raise Invalid({"number": f"{number}号枪已存在"}) from None


def add_nozzle(
    actor: Staff, station_id: int, number: int, fuel_id: int, enabled: bool = True
) -> Nozzle:
    station = station_for_manager(actor, station_id)
    _check(station, number, fuel_id, enabled)
    with unit_of_work():
        nozzle = Nozzle(
            chain_id=station.chain_id,
            station_id=station.id,
            number=number,
            fuel_id=fuel_id,
            enabled=enabled,
        )
        db.session.add(nozzle)
        _save(nozzle)
        record_catalogue_change(
            actor,
            "nozzle.add",
            "nozzle",
            nozzle.id,
            chain_id=station.chain_id,
            station_id=station.id,
            after=_snapshot(nozzle),
        )
    return nozzle


def update_nozzle(
    actor: Staff, station_id: int, nozzle_id: int, number: int, fuel_id: int, enabled: bool
) -> Nozzle:
    station = station_for_manager(actor, station_id)
    nozzle = db.session.get(Nozzle, nozzle_id)
    if nozzle is None or nozzle.station_id != station.id:
        raise NotFound("油枪不存在")
    _check(station, number, fuel_id, enabled)
    before = _snapshot(nozzle)
    with unit_of_work():
        nozzle.number, nozzle.fuel_id, nozzle.enabled = number, fuel_id, enabled
        _save(nozzle)
        old, new = audit.changes(before, _snapshot(nozzle))
        if new:
            record_catalogue_change(
                actor,
                "nozzle.update",
                "nozzle",
                nozzle.id,
                chain_id=station.chain_id,
                station_id=station.id,
                before=old,
                after=new,
            )
    return nozzle

"""Fuels sold at a station and their prices per litre, including scheduled changes."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models import Fuel, FuelPrice, Staff, Station, StationFuel
from app.models.base import utcnow
from app.services.catalogue.stations import record_catalogue_change
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid, NotFound
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.access import station_for_manager

# A sanity band per litre: catches a price typed in fen or with a misplaced point.
MIN_PRICE_FEN, MAX_PRICE_FEN = 100, 5000
MAX_SCHEDULE_AHEAD = timedelta(days=366)
# "Now" typed from a form may be a few seconds stale by the time it arrives.
PAST_TOLERANCE = timedelta(minutes=5)


@dataclass
class FuelRow:
    fuel: Fuel
    enabled: bool
    current: FuelPrice | None
    scheduled: list[FuelPrice] = field(default_factory=list)


def chain_fuels(chain_id: int) -> list[Fuel]:
    query = select(Fuel).where(Fuel.chain_id == chain_id).order_by(Fuel.sort_order, Fuel.id)
    return list(db.session.scalars(query))


def fuel_rows(station_id: int, at: datetime | None = None) -> list[FuelRow]:
    """Every fuel of the chain with its state at this station at a moment (default now)."""
    at = at or utcnow()
    station_fuels = {
        sf.fuel_id: sf
        for sf in db.session.scalars(
            select(StationFuel).where(StationFuel.station_id == station_id)
        )
    }
    prices = db.session.scalars(
        select(FuelPrice)
        .where(FuelPrice.station_id == station_id, FuelPrice.cancelled_at.is_(None))
        .order_by(FuelPrice.effective_at)
    )
    current: dict[int, FuelPrice] = {}
    scheduled: dict[int, list[FuelPrice]] = {}
    for price in prices:
        if price.effective_at <= at:
            current[price.fuel_id] = price  # ordered by time: the last one wins
        else:
            scheduled.setdefault(price.fuel_id, []).append(price)
    # A new station sells nothing yet but must still list the chain's fuels to enable them.
    chain_id = db.session.scalar(select(Station.chain_id).where(Station.id == station_id))
    if chain_id is None:
        return []
    return [
        FuelRow(
            fuel=fuel,
            enabled=bool(station_fuels.get(fuel.id) and station_fuels[fuel.id].enabled),
            current=current.get(fuel.id),
            scheduled=scheduled.get(fuel.id, []),
        )
        for fuel in chain_fuels(chain_id)
    ]


def _fuel_of_chain(chain_id: int, fuel_id: int) -> Fuel:
    fuel = db.session.get(Fuel, fuel_id)
    if fuel is None or fuel.chain_id != chain_id:
        raise Invalid({"fuel_id": "油品不存在"})
    return fuel


def set_fuel_enabled(actor: Staff, station_id: int, fuel_id: int, enabled: bool) -> None:
    station = station_for_manager(actor, station_id)
    fuel = _fuel_of_chain(station.chain_id, fuel_id)
    link = db.session.scalar(
        select(StationFuel).where(
            StationFuel.station_id == station.id, StationFuel.fuel_id == fuel.id
        )
    )
    before = bool(link and link.enabled)
    if before == enabled:
        return
    with unit_of_work():
        if link is None:
            link = StationFuel(chain_id=station.chain_id, station_id=station.id, fuel_id=fuel.id)
            db.session.add(link)
        link.enabled = enabled
        record_catalogue_change(
            actor,
            "fuel.enable" if enabled else "fuel.disable",
            "fuel",
            fuel.id,
            chain_id=station.chain_id,
            station_id=station.id,
            before={"fuel": fuel.name, "enabled": before},
            after={"fuel": fuel.name, "enabled": enabled},
        )


def price_problems(
    list_price_fen: int | None,
    member_price_fen: int | None,
    effective_at: datetime | None,
    now: datetime | None = None,
) -> dict[str, str]:
    """What is wrong with a new price, by field; None for a price the form could not read
    (its own error is shown), None for effective_at means at once."""
    now = now or utcnow()
    errors = {}
    for key, value in (("list_price", list_price_fen), ("member_price", member_price_fen)):
        if value is not None and not MIN_PRICE_FEN <= value <= MAX_PRICE_FEN:
            errors[key] = f"每升价格应在 {MIN_PRICE_FEN // 100} 到 {MAX_PRICE_FEN // 100} 元之间"
    if (
        "member_price" not in errors
        and None not in (list_price_fen, member_price_fen)
        and member_price_fen > list_price_fen
    ):
        errors["member_price"] = "会员价不能高于挂牌价"
    if effective_at is not None and effective_at < now - PAST_TOLERANCE:
        errors["effective_at"] = "生效时间不能早于现在"
    elif effective_at is not None and effective_at > now + MAX_SCHEDULE_AHEAD:
        errors["effective_at"] = "生效时间不能超过一年后"
    return errors


def schedule_price(
    actor: Staff,
    station_id: int,
    fuel_id: int,
    list_price_fen: int,
    member_price_fen: int,
    effective_at: datetime | None = None,
) -> FuelPrice:
    """A new price per litre from effective_at on (None = at once)."""
    station = station_for_manager(actor, station_id)
    fuel = _fuel_of_chain(station.chain_id, fuel_id)
    now = utcnow()
    errors = price_problems(list_price_fen, member_price_fen, effective_at, now)
    if errors:
        raise Invalid(errors)
    effective_at = max(effective_at or now, now)  # a moment ago means now
    clash = db.session.scalar(
        select(FuelPrice.id).where(
            FuelPrice.station_id == station.id,
            FuelPrice.fuel_id == fuel.id,
            FuelPrice.effective_at == effective_at,
            FuelPrice.cancelled_at.is_(None),
        )
    )
    if clash:
        raise Invalid({"effective_at": "该时间已有一条调价，请先取消它"})
    # "Before" is the price drivers pay now, not another change still pending.
    previous = next((r.current for r in fuel_rows(station.id, now) if r.fuel.id == fuel.id), None)
    with unit_of_work():
        price = FuelPrice(
            chain_id=station.chain_id,
            station_id=station.id,
            fuel_id=fuel.id,
            list_price_fen=list_price_fen,
            member_price_fen=member_price_fen,
            effective_at=effective_at,
            created_by_id=actor.id,
        )
        db.session.add(price)
        db.session.flush()
        record_catalogue_change(
            actor,
            "price.schedule",
            "fuel_price",
            price.id,
            chain_id=station.chain_id,
            station_id=station.id,
            before=_price_dict(fuel, previous) if previous else None,
            after=_price_dict(fuel, price),
        )
    return price


def cancel_price(actor: Staff, station_id: int, price_id: int) -> None:
    """Cancel a price change that has not taken effect yet."""
    station = station_for_manager(actor, station_id)
    price = db.session.get(FuelPrice, price_id)
    if price is None or price.station_id != station.id:
        raise NotFound("调价记录不存在")
    now = utcnow()
    with unit_of_work():
        # Compare-and-set: only a still-future, uncancelled row can be cancelled, once.
        result = db.session.execute(
            update(FuelPrice)
            .where(
                FuelPrice.id == price.id,
                FuelPrice.cancelled_at.is_(None),
                FuelPrice.effective_at > now,
            )
            .values(cancelled_at=now, cancelled_by_id=actor.id)
        )
        if result.rowcount != 1:
            raise Conflict("该调价已生效或已取消，不能再取消")
        fuel = db.session.get(Fuel, price.fuel_id)
        record_catalogue_change(
            actor,
            "price.cancel",
            "fuel_price",
            price.id,
            chain_id=station.chain_id,
            station_id=station.id,
            before=_price_dict(fuel, price),
            after={"cancelled": True},
        )


def _price_dict(fuel: Fuel, price: FuelPrice) -> dict:
    return {
        "fuel": fuel.name,
        "list_price_fen": price.list_price_fen,
        "member_price_fen": price.member_price_fen,
        "effective_at": to_local(price.effective_at).strftime("%Y-%m-%d %H:%M"),  # Beijing
    }

"""The driver-facing catalogue: a per-process read model of the chain's stations.

Loaded whole into immutable structures and kept while Chain.catalogue_version stays the same;
each use costs one primary-key query for that version. Prices are picked at the moment of the
request from every cached row, so a scheduled price takes effect exactly on time.
"""

import math
import threading
import time
from datetime import datetime, timedelta
from types import MappingProxyType

from flask import current_app, g, has_request_context
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import (
    Chain,
    Fuel,
    FuelPrice,
    Nozzle,
    Station,
    StationFuel,
    StationHours,
    StationPhoto,
)
from app.models.base import utcnow
from app.services.catalogue import geo
from app.services.catalogue.entries import (  # noqa: F401  (re-exported for the API)
    Catalogue,
    FuelOffer,
    Hit,
    NearbyPage,
    NozzleEntry,
    Photo,
    Price,
    StationEntry,
    _grid,
    hours_text,
)
from app.services.platform.errors import NotFound, ServiceError

DEFAULT_RADIUS_M = 10_000
MAX_RADIUS_M = 50_000
# Price rows that stopped being in force this long before a load are left out of it.
PRICE_HISTORY = timedelta(days=7)


class ChainNotConfigured(ServiceError):
    status = 503
    code = "chain_not_configured"


_lock = threading.Lock()
_chain_ids: dict[str, int] = {}
_catalogues: dict[int, Catalogue] = {}
_checked_at: dict[int, float] = {}  # when this process last compared a chain's version


def clear_cache() -> None:
    """Forget every cached chain and catalogue (tests, after the tables were emptied)."""
    with _lock:
        _chain_ids.clear()
        _catalogues.clear()
        _checked_at.clear()


def current_chain_id() -> int:
    """The chain this deployment serves: the one whose wechat_appid is WECHAT_APPID.

    When none matches and the database holds exactly one chain (demo, tests), that one.
    """
    appid = current_app.config.get("WECHAT_APPID") or ""
    chain_id = _chain_ids.get(appid)
    if chain_id is None:
        chain_id = _find_chain(appid)
        _chain_ids[appid] = chain_id
    return chain_id


def _find_chain(appid: str) -> int:
    if appid:
        found = db.session.scalar(select(Chain.id).where(Chain.wechat_appid == appid))
        if found is not None:
            return found
    ids = db.session.scalars(select(Chain.id).limit(2)).all()
    if len(ids) == 1:
        return ids[0]
    raise ChainNotConfigured("服务尚未配置：找不到本小程序对应的连锁")


def current() -> Catalogue:
    """The chain's catalogue, reloaded only when its catalogue_version has changed."""
    found = for_chain(current_chain_id())
    if found is None:  # the chain row is gone: look the chain up again
        _chain_ids.clear()
        found = for_chain(current_chain_id())
        if found is None:
            raise ChainNotConfigured("服务尚未配置：找不到本小程序对应的连锁")
    return found


def for_chain(
    chain_id: int, *, exact: bool = False, checked_within_s: float = 0
) -> Catalogue | None:
    """A chain's catalogue at its current version (None if there is no such chain).

    While one thread reloads, the others keep answering from the previous version, unless
    `exact` (placing an order must see a price change the moment it is committed).
    checked_within_s: a version compared that recently is good enough (names on an answer)."""
    memo = g.setdefault("catalogues", {}) if has_request_context() else {}
    if chain_id in memo:  # one version check per request is enough
        return memo[chain_id]
    checked_at = time.monotonic()
    recently = checked_at - _checked_at.get(chain_id, -math.inf) < checked_within_s
    if recently and not exact and chain_id in _catalogues:
        return _catalogues[chain_id]
    version = db.session.scalar(
        text("SELECT catalogue_version FROM chain WHERE id = :id"), {"id": chain_id}
    )
    if version is None:
        return None
    now = utcnow()
    cached = _catalogues.get(chain_id)
    if cached is None or cached.version != version or cached.valid_from > now:
        if not _lock.acquire(blocking=cached is None or exact):
            return cached
        try:
            cached = _catalogues.get(chain_id)
            if cached is None or cached.version != version or cached.valid_from > now:
                cached = _load(chain_id, version, now)
                _catalogues[chain_id] = cached
        finally:
            _lock.release()
    if cached.version == version:
        _checked_at[chain_id] = checked_at
    memo[chain_id] = cached
    return cached


def search_nearby(
    lat: float,
    lng: float,
    radius_m: int = DEFAULT_RADIUS_M,
    fuel: str | None = None,
    coord: str = "gcj02",
    page: int = 1,
    per_page: int = 20,
    name: str | None = None,
) -> NearbyPage:
    """Active stations within radius_m of a point (GCJ-02, or WGS-84 converted), nearest first.
    With name, the whole chain's stations whose name, city or address hold it, at any distance:
    a driver searching 丽江 from Kunming wants Lijiang's stations."""
    if coord == "wgs84":
        lat, lng = geo.wgs84_to_gcj02(lat, lng)
    if name:
        hits = current().named(name, lat, lng, fuel or None)
    else:
        radius_m = min(max(radius_m, 1), MAX_RADIUS_M)
        hits = current().within(lat, lng, radius_m, fuel or None)
    start = (page - 1) * per_page
    return NearbyPage(
        hits=hits[start : start + per_page],
        total=len(hits),
        page=page,
        per_page=per_page,
        has_more=start + per_page < len(hits),
    )


def get_station(station_id: int) -> StationEntry:
    """An active station of this chain, else NotFound."""
    station = current().stations.get(station_id)
    if station is None:
        raise NotFound("油站不存在")
    return station


def get_photo(photo_id: int) -> Photo:
    """A photo of an active station of this chain (metadata only), else NotFound."""
    photo = current().photos.get(photo_id)
    if photo is None:
        raise NotFound("图片不存在")
    return photo


def photo_bytes(photo: Photo) -> bytes:
    data = db.session.scalar(
        select(StationPhoto.data).where(
            StationPhoto.id == photo.id, StationPhoto.station_id == photo.station_id
        )
    )
    if data is None:
        raise NotFound("图片不存在")
    return data


def _load(chain_id: int, version: int, now: datetime) -> Catalogue:
    since = now - PRICE_HISTORY
    fuels = {row.id: row for row in _rows(Fuel, chain_id, "id code name kind sort_order")}
    order = {fuel_id: (fuel.sort_order, fuel.code) for fuel_id, fuel in fuels.items()}
    hours: dict[int, dict[int, tuple[int, int]]] = {}
    for row in _rows(StationHours, chain_id, "station_id weekday opens_min closes_min"):
        hours.setdefault(row.station_id, {})[row.weekday] = (row.opens_min, row.closes_min)
    prices: dict[tuple[int, int], list[Price]] = {}
    for row in sorted(_price_rows(chain_id, since), key=lambda r: r.effective_at):
        price = Price(row.id, row.effective_at, row.list_price_fen, row.member_price_fen)
        prices.setdefault((row.station_id, row.fuel_id), []).append(price)
    offers: dict[int, list[FuelOffer]] = {}
    enabled = StationFuel.enabled.is_(True)
    for row in _rows(StationFuel, chain_id, "station_id fuel_id", enabled):
        fuel = fuels.get(row.fuel_id)
        if fuel is None:  # not a fuel of this chain: never let one bad row break the search
            continue
        rows = tuple(prices.get((row.station_id, row.fuel_id), ()))
        times = tuple(p.effective_at for p in rows)
        offer = FuelOffer(fuel.id, fuel.code, fuel.name, fuel.kind, times, rows)
        offers.setdefault(row.station_id, []).append(offer)
    nozzles: dict[int, list] = {}
    for row in _rows(Nozzle, chain_id, "id station_id number fuel_id enabled", order="number"):
        nozzles.setdefault(row.station_id, []).append(row)
    photos: dict[int, list[Photo]] = {}
    columns = "id station_id caption content_type width height sha256"
    for row in _rows(StationPhoto, chain_id, columns, order="position id"):
        photos.setdefault(row.station_id, []).append(Photo(*row))
    entries = []
    columns = "id code name city address phone lat lng services fill_up_cap_fen max_order_fen"
    for row in _rows(Station, chain_id, columns, Station.is_active.is_(True)):
        station_offers = sorted(offers.get(row.id, ()), key=lambda o: order[o.fuel_id])
        selling = {offer.fuel_id: offer for offer in station_offers}
        station_nozzles = [
            NozzleEntry(
                n.id,
                n.number,
                selling[n.fuel_id].code if n.fuel_id in selling else "",
                fuels[n.fuel_id].name if n.fuel_id in fuels else "",
                n.enabled,
            )
            for n in nozzles.get(row.id, ())
        ]
        entries.append(
            StationEntry(
                id=row.id,
                code=row.code,
                name=row.name,
                city=row.city,
                address=row.address,
                phone=row.phone or "",
                lat=row.lat,
                lng=row.lng,
                services=tuple(str(s) for s in row.services or ()),
                hours=MappingProxyType(hours.get(row.id, {})),
                fuels=tuple(station_offers),
                fuel_codes=frozenset(offer.code for offer in station_offers),
                price_times=tuple(sorted({t for offer in station_offers for t in offer.times})),
                nozzles=tuple(n for n in station_nozzles if n.enabled and n.fuel_code),
                nozzle_numbers=MappingProxyType({n.number: n for n in station_nozzles}),
                photos=tuple(photos.get(row.id, ())),
                fill_up_cap_fen=row.fill_up_cap_fen,
                max_order_fen=row.max_order_fen,
            )
        )
    return Catalogue(
        chain_id=chain_id,
        version=version,
        valid_from=since,
        stations=MappingProxyType({entry.id: entry for entry in entries}),
        cells=_grid(entries),
        photos=MappingProxyType({p.id: p for entry in entries for p in entry.photos}),
    )


def _rows(model, chain_id: int, columns: str, *where, order: str = ""):
    """The named columns of one chain's rows of model."""
    query = select(*(getattr(model, name) for name in columns.split()))
    query = query.where(model.chain_id == chain_id, *where)
    return db.session.execute(query.order_by(*(getattr(model, name) for name in order.split())))


def _price_rows(chain_id: int, since: datetime) -> list:
    """Uncancelled prices that took effect after `since`, plus the one in force at `since`."""
    columns = "id station_id fuel_id effective_at list_price_fen member_price_fen"
    live = FuelPrice.cancelled_at.is_(None)
    recent = _rows(FuelPrice, chain_id, columns, live, FuelPrice.effective_at > since)
    last = (
        select(FuelPrice.station_id, FuelPrice.fuel_id, func.max(FuelPrice.effective_at).label("t"))
        .where(FuelPrice.chain_id == chain_id, live, FuelPrice.effective_at <= since)
        .group_by(FuelPrice.station_id, FuelPrice.fuel_id)
        .subquery()
    )
    in_force = db.session.execute(
        select(*(getattr(FuelPrice, name) for name in columns.split()))
        .join(
            last,
            (last.c.station_id == FuelPrice.station_id)
            & (last.c.fuel_id == FuelPrice.fuel_id)
            & (last.c.t == FuelPrice.effective_at),
        )
        .where(FuelPrice.chain_id == chain_id, live)
    )
    return [*recent, *in_force]

"""The driver-facing catalogue: a per-process read model of the chain's stations.

Loaded whole into immutable structures and kept while Chain.catalogue_version stays the same;
each use costs one primary-key query for that version. Prices are picked at the moment of the
request from every cached row, so a scheduled price takes effect exactly on time.
"""

import bisect
import math
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from flask import current_app
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
from app.services import geo
from app.services.clock import is_open, minutes_to_hhmm, to_local
from app.services.errors import NotFound, ServiceError

DEFAULT_RADIUS_M = 10_000
MAX_RADIUS_M = 50_000
# Price rows that stopped being in force this long before a load are left out of it.
PRICE_HISTORY = timedelta(days=7)
_M_PER_DEGREE = geo.EARTH_RADIUS_M * math.pi / 180
# Stations are bucketed into cells of this many degrees (about 5.5 km north-south) for search.
CELL_DEGREES = 0.05
_COLUMNS = round(360 / CELL_DEGREES)
_VERSION_SQL = text("SELECT catalogue_version FROM chain WHERE id = :id")


class ChainNotConfigured(ServiceError):
    status = 503
    code = "chain_not_configured"


@dataclass(frozen=True, slots=True)
class Price:
    effective_at: datetime
    list_price_fen: int
    member_price_fen: int


@dataclass(frozen=True, slots=True)
class FuelOffer:
    """An enabled fuel at a station with its uncancelled prices, oldest first."""

    fuel_id: int
    code: str
    name: str
    kind: str
    times: tuple[datetime, ...]
    prices: tuple[Price, ...]

    def rows_in_force(self, moment: datetime) -> int:
        """How many rows have taken effect by moment; the last of them is the price in force."""
        return bisect.bisect_right(self.times, moment)

    def price_at(self, moment: datetime) -> Price | None:
        """The price in force: the latest row with effective_at <= moment."""
        index = self.rows_in_force(moment)
        return self.prices[index - 1] if index else None

    def next_price(self, moment: datetime) -> Price | None:
        index = self.rows_in_force(moment)
        return self.prices[index] if index < len(self.prices) else None


@dataclass(frozen=True, slots=True)
class NozzleEntry:
    number: int
    fuel_code: str
    fuel_name: str


@dataclass(frozen=True, slots=True)
class Photo:
    id: int
    station_id: int
    caption: str
    content_type: str
    width: int
    height: int
    sha256: str


@dataclass(frozen=True, slots=True, eq=False)
class StationEntry:
    id: int
    code: str
    name: str
    city: str
    address: str
    phone: str
    lat: float  # GCJ-02
    lng: float
    services: tuple[str, ...]
    hours: MappingProxyType  # weekday -> (opens_min, closes_min)
    fuels: tuple[FuelOffer, ...]
    fuel_codes: frozenset[str]
    price_times: tuple[datetime, ...]  # every moment a price of this station changes, sorted
    nozzles: tuple[NozzleEntry, ...]
    photos: tuple[Photo, ...]

    def is_open(self, moment: datetime) -> bool:
        return is_open(self.hours, moment)

    def hours_today(self, moment: datetime) -> str:
        return hours_text(self.hours.get(to_local(moment).weekday()))


@dataclass(frozen=True, slots=True)
class Hit:
    station: StationEntry
    distance_m: int


@dataclass(frozen=True, slots=True)
class NearbyPage:
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    has_more: bool


@dataclass(frozen=True, eq=False)
class Catalogue:
    """One chain's active stations at one catalogue version, indexed on a grid of cells."""

    chain_id: int
    version: int
    valid_from: datetime  # price rows cover every moment from here on
    stations: MappingProxyType  # id -> StationEntry
    cells: MappingProxyType  # (row, column) -> tuple of StationEntry
    photos: MappingProxyType  # id -> Photo

    def within(self, lat: float, lng: float, radius_m: float, fuel: str | None) -> list[Hit]:
        """Stations within radius_m of a GCJ-02 point, nearest first."""
        d_lat = radius_m / _M_PER_DEGREE
        d_lng = d_lat / math.cos(math.radians(min(89.9, abs(lat) + d_lat)))
        rows = range(_cell(lat - d_lat), _cell(lat + d_lat) + 1)
        columns = range(_cell(lng + 180 - d_lng), _cell(lng + 180 + d_lng) + 1)
        if len(rows) * len(columns) > len(self.cells):
            candidates = self.stations.values()
        else:
            cells = self.cells
            empty = ()
            candidates = [
                station
                for row in rows
                for column in columns
                for station in cells.get((row, column % _COLUMNS), empty)
            ]
        haversine = geo.haversine_m
        hits = []
        for station in candidates:
            if fuel is not None and fuel not in station.fuel_codes:
                continue
            distance = haversine(lat, lng, station.lat, station.lng)
            if distance <= radius_m:
                hits.append(Hit(station, round(distance)))
        hits.sort(key=lambda hit: (hit.distance_m, hit.station.id))
        return hits


def _cell(degrees: float) -> int:
    return math.floor(degrees / CELL_DEGREES)


def _grid(entries: list[StationEntry]) -> MappingProxyType:
    cells: dict[tuple[int, int], list[StationEntry]] = {}
    for entry in entries:
        key = (_cell(entry.lat), _cell(entry.lng + 180) % _COLUMNS)
        cells.setdefault(key, []).append(entry)
    return MappingProxyType({key: tuple(group) for key, group in cells.items()})


_lock = threading.Lock()
_chain_ids: dict[str, int] = {}
_catalogues: dict[int, Catalogue] = {}


def clear_cache() -> None:
    """Forget every cached chain and catalogue (tests, after the tables were emptied)."""
    with _lock:
        _chain_ids.clear()
        _catalogues.clear()


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
    chain_id = current_chain_id()
    version = db.session.execute(_VERSION_SQL, {"id": chain_id}).scalar()
    if version is None:  # the chain row is gone: look the chain up again
        _chain_ids.clear()
        chain_id = current_chain_id()
        version = db.session.execute(_VERSION_SQL, {"id": chain_id}).scalar()
        if version is None:
            raise ChainNotConfigured("服务尚未配置：找不到本小程序对应的连锁")
    now = utcnow()
    cached = _catalogues.get(chain_id)
    if cached is not None and cached.version == version and cached.valid_from <= now:
        return cached
    # While one thread reloads, the others keep answering from the previous version.
    if not _lock.acquire(blocking=cached is None):
        return cached
    try:
        cached = _catalogues.get(chain_id)
        if cached is None or cached.version != version or cached.valid_from > now:
            cached = _load(chain_id, version, now)
            _catalogues[chain_id] = cached
        return cached
    finally:
        _lock.release()


def search_nearby(
    lat: float,
    lng: float,
    radius_m: int = DEFAULT_RADIUS_M,
    fuel: str | None = None,
    coord: str = "gcj02",
    page: int = 1,
    per_page: int = 20,
) -> NearbyPage:
    """Active stations within radius_m of a point (GCJ-02, or WGS-84 converted), nearest first."""
    if coord == "wgs84":
        lat, lng = geo.wgs84_to_gcj02(lat, lng)
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


def hours_text(span: tuple[int, int] | None) -> str:
    """One day's opening hours for people: '06:00-22:00', '22:00-次日06:00', '24小时营业'."""
    if span is None:
        return "休息"
    opens, closes = span
    if opens == 0 and closes == 1440:
        return "24小时营业"
    if closes < opens:
        return f"{minutes_to_hhmm(opens)}-次日{minutes_to_hhmm(closes)}"
    return f"{minutes_to_hhmm(opens)}-{minutes_to_hhmm(closes)}"


def _load(chain_id: int, version: int, now: datetime) -> Catalogue:
    since = now - PRICE_HISTORY
    fuels = {row.id: row for row in _rows(Fuel, chain_id, "id code name kind sort_order")}
    order = {fuel_id: (fuel.sort_order, fuel.code) for fuel_id, fuel in fuels.items()}
    hours: dict[int, dict[int, tuple[int, int]]] = {}
    for row in _rows(StationHours, chain_id, "station_id weekday opens_min closes_min"):
        hours.setdefault(row.station_id, {})[row.weekday] = (row.opens_min, row.closes_min)
    prices: dict[tuple[int, int], list[Price]] = {}
    for row in sorted(_price_rows(chain_id, since), key=lambda r: r.effective_at):
        price = Price(row.effective_at, row.list_price_fen, row.member_price_fen)
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
    nozzles: dict[int, list[tuple]] = {}
    enabled = Nozzle.enabled.is_(True)
    for row in _rows(Nozzle, chain_id, "station_id number fuel_id", enabled, order="number"):
        if row.fuel_id in fuels:
            nozzles.setdefault(row.station_id, []).append((row.fuel_id, row.number))
    photos: dict[int, list[Photo]] = {}
    columns = "id station_id caption content_type width height sha256"
    for row in _rows(StationPhoto, chain_id, columns, order="position id"):
        photos.setdefault(row.station_id, []).append(Photo(*row))
    entries = []
    columns = "id code name city address phone lat lng services"
    for row in _rows(Station, chain_id, columns, Station.is_active.is_(True)):
        station_offers = sorted(offers.get(row.id, ()), key=lambda o: order[o.fuel_id])
        selling = {offer.fuel_id: offer for offer in station_offers}
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
                nozzles=tuple(
                    NozzleEntry(number, selling[fuel_id].code, selling[fuel_id].name)
                    for fuel_id, number in nozzles.get(row.id, ())
                    if fuel_id in selling
                ),
                photos=tuple(photos.get(row.id, ())),
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
    columns = "station_id fuel_id effective_at list_price_fen member_price_fen"
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

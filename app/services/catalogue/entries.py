"""The catalogue's immutable structures: stations, their fuels and prices, the search grid."""

import bisect
import math
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from app.services.catalogue import geo
from app.services.platform.clock import is_open, minutes_to_hhmm, to_local

_M_PER_DEGREE = geo.EARTH_RADIUS_M * math.pi / 180
# Stations are bucketed into cells of this many degrees (about 5.5 km north-south) for search.
CELL_DEGREES = 0.05
_COLUMNS = round(360 / CELL_DEGREES)


@dataclass(frozen=True, slots=True)
class Price:
    id: int
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
    id: int
    number: int
    fuel_code: str  # "" when the station does not sell the nozzle's fuel
    fuel_name: str
    enabled: bool


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
    nozzles: tuple[NozzleEntry, ...]  # enabled, pouring a fuel on sale; by number
    nozzle_numbers: MappingProxyType  # number -> NozzleEntry, every nozzle
    photos: tuple[Photo, ...]
    fill_up_cap_fen: int
    max_order_fen: int

    def offer(self, fuel_code: str) -> "FuelOffer | None":
        return next((offer for offer in self.fuels if offer.code == fuel_code), None)

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
        return _nearest_first(lat, lng, self._near(lat, lng, radius_m), fuel, radius_m)

    def named(self, text: str, lat: float, lng: float, fuel: str | None) -> list[Hit]:
        """Stations of the whole chain whose name, city or address holds text, nearest first."""
        needle = text.casefold()
        found = [
            station
            for station in self.stations.values()
            if needle in station.name.casefold()
            or needle in station.city.casefold()
            or needle in station.address.casefold()
        ]
        return _nearest_first(lat, lng, found, fuel, math.inf)

    def _near(self, lat: float, lng: float, radius_m: float):
        d_lat = radius_m / _M_PER_DEGREE
        d_lng = d_lat / math.cos(math.radians(min(89.9, abs(lat) + d_lat)))
        rows = range(_cell(lat - d_lat), _cell(lat + d_lat) + 1)
        columns = range(_cell(lng + 180 - d_lng), _cell(lng + 180 + d_lng) + 1)
        if len(rows) * len(columns) > len(self.cells):
            return self.stations.values()
        cells = self.cells
        empty = ()
        return [
            station
            for row in rows
            for column in columns
            for station in cells.get((row, column % _COLUMNS), empty)
        ]


def _nearest_first(lat, lng, candidates, fuel: str | None, radius_m: float) -> list[Hit]:
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

"""Catalogue and member objects to the shapes of the response schemas (no validation here:
tests validate answers against the schemas)."""

import bisect
import json
from dataclasses import dataclass
from datetime import datetime

from app.jsonapi.render import local_iso
from app.models import Member
from app.services.catalogue.read_model import (
    FuelOffer,
    NearbyPage,
    Photo,
    StationEntry,
    hours_text,
)
from app.services.platform.clock import WEEKDAY_NAMES, minutes_to_hhmm, to_local


def member_profile(member: Member) -> dict:
    return {
        "id": member.id,
        "nickname": member.nickname,
        "phone": member.phone,
        "created_at": local_iso(member.created_at),
        "last_login_at": local_iso(member.last_login_at),
    }


def page_of(items: list, page: int, per_page: int, total: int) -> dict:
    """A page of a driver's list (orders, top-ups): its items and where it stands."""
    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": total,
        "has_more": page * per_page < total,
    }


def photo(item: Photo, base_url: str) -> dict:
    return {
        "id": item.id,
        # The digest in the URL lets clients cache for long and still see a replaced photo.
        "url": f"{base_url}/api/v1/photos/{item.id}?v={item.sha256[:12]}",
        "caption": item.caption,
        "width": item.width,
        "height": item.height,
    }


def fuel_price(offer: FuelOffer, rows_in_force: int) -> dict:
    price = offer.prices[rows_in_force - 1] if rows_in_force else None
    return {
        "code": offer.code,
        "name": offer.name,
        "kind": offer.kind,
        "list_price_fen": price.list_price_fen if price else None,
        "member_price_fen": price.member_price_fen if price else None,
    }


def station_fields(station: StationEntry, base_url: str) -> dict:
    """The fields of a station that do not depend on the moment or the driver's position."""
    return {
        "id": station.id,
        "name": station.name,
        "city": station.city,
        "address": station.address,
        "phone": station.phone,
        "services": list(station.services),
        "location": {"lat": station.lat, "lng": station.lng, "coord": "gcj02"},
        "photos": [photo(item, base_url) for item in station.photos],
    }


def station_detail(station: StationEntry, now: datetime, base_url: str) -> dict:
    answer = station_fields(station, base_url)
    answer["open_now"] = station.is_open(now)
    answer["hours_today"] = station.hours_today(now)
    answer["hours"] = [day_hours(weekday, station.hours.get(weekday)) for weekday in range(7)]
    fuels = []
    for offer in station.fuels:
        entry = fuel_price(offer, offer.rows_in_force(now))
        upcoming = offer.next_price(now)
        entry["next_price"] = upcoming and {
            "list_price_fen": upcoming.list_price_fen,
            "member_price_fen": upcoming.member_price_fen,
            "effective_at": local_iso(upcoming.effective_at),
        }
        fuels.append(entry)
    answer["fuels"] = fuels
    answer["nozzles"] = [
        {"number": n.number, "fuel_code": n.fuel_code, "fuel_name": n.fuel_name}
        for n in station.nozzles
    ]
    return answer


def day_hours(weekday: int, span: tuple[int, int] | None) -> dict:
    return {
        "weekday": weekday,
        "name": WEEKDAY_NAMES[weekday],
        "text": hours_text(span),
        "opens": minutes_to_hhmm(span[0]) if span else None,
        "closes": minutes_to_hhmm(span[1]) if span else None,
    }


# The nearby list is the busiest answer: it is written from JSON fragments kept per station,
# so that each request only adds the distance, the opening state and the prices in force.


def to_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class _Fragments:
    head: str  # the unchanging fields, an object left open: '{"id":1,...,"photos":[...]'
    hours_today: tuple[str, ...]  # per weekday, as JSON strings
    fuels: tuple[str, ...]  # the fuels list before the first price time, then after each


_fragments: dict[tuple[str, int], tuple[StationEntry, _Fragments]] = {}


def _fragments_of(station: StationEntry, base_url: str) -> _Fragments:
    key = (base_url, station.id)
    cached = _fragments.get(key)
    if cached is None or cached[0] is not station:  # a reload made a new entry
        moments = (None, *station.price_times)
        built = _Fragments(
            head=to_json(station_fields(station, base_url))[:-1],
            hours_today=tuple(to_json(hours_text(station.hours.get(d))) for d in range(7)),
            fuels=tuple(
                to_json(
                    [
                        fuel_price(offer, offer.rows_in_force(moment) if moment else 0)
                        for offer in station.fuels
                    ]
                )
                for moment in moments
            ),
        )
        cached = _fragments[key] = (station, built)
    return cached[1]


def station_page_json(result: NearbyPage, now: datetime, base_url: str) -> str:
    """The StationPage answer as JSON text."""
    weekday = to_local(now).weekday()
    items = []
    for hit in result.hits:
        station = hit.station
        parts = _fragments_of(station, base_url)
        fuels = parts.fuels[bisect.bisect_right(station.price_times, now)]
        items.append(
            f'{parts.head},"distance_m":{hit.distance_m},'
            f'"open_now":{"true" if station.is_open(now) else "false"},'
            f'"hours_today":{parts.hours_today[weekday]},"fuels":{fuels}}}'
        )
    has_more = "true" if result.has_more else "false"
    return (
        f'{{"items":[{",".join(items)}],"page":{result.page},"per_page":{result.per_page},'
        f'"total":{result.total},"has_more":{has_more}}}'
    )

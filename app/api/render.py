"""Catalogue and member objects to the plain dicts of the response schemas (no validation:
this is the hot path; tests validate answers against the schemas)."""

from datetime import datetime

from app.models import Member
from app.services.catalogue import (
    FuelOffer,
    Hit,
    NearbyPage,
    Photo,
    StationEntry,
    hours_text,
)
from app.services.clock import WEEKDAY_NAMES, minutes_to_hhmm, to_local


def local_iso(moment: datetime | None) -> str | None:
    return to_local(moment).isoformat() if moment is not None else None


def member_profile(member: Member) -> dict:
    return {
        "id": member.id,
        "nickname": member.nickname,
        "phone": member.phone,
        "created_at": local_iso(member.created_at),
        "last_login_at": local_iso(member.last_login_at),
    }


def photo(item: Photo, base_url: str) -> dict:
    return {
        # The digest in the URL lets clients cache for long and still see a replaced photo.
        "url": f"{base_url}/api/v1/photos/{item.id}?v={item.sha256[:12]}",
        "id": item.id,
        "caption": item.caption,
        "width": item.width,
        "height": item.height,
    }


def fuel_price(offer: FuelOffer, now: datetime) -> dict:
    price = offer.price_at(now)
    return {
        "code": offer.code,
        "name": offer.name,
        "kind": offer.kind,
        "list_price_fen": price.list_price_fen if price else None,
        "member_price_fen": price.member_price_fen if price else None,
    }


def _common(station: StationEntry, now: datetime, base_url: str) -> dict:
    return {
        "id": station.id,
        "name": station.name,
        "city": station.city,
        "address": station.address,
        "phone": station.phone,
        "services": list(station.services),
        "location": {"lat": station.lat, "lng": station.lng, "coord": "gcj02"},
        "open_now": station.is_open(now),
        "hours_today": station.hours_today(now),
        "photos": [photo(item, base_url) for item in station.photos],
    }


def station_page(result: NearbyPage, now: datetime, base_url: str) -> dict:
    return {
        "items": [station_summary(hit, now, base_url) for hit in result.hits],
        "page": result.page,
        "per_page": result.per_page,
        "total": result.total,
        "has_more": result.has_more,
    }


def station_summary(hit: Hit, now: datetime, base_url: str) -> dict:
    answer = _common(hit.station, now, base_url)
    answer["distance_m"] = hit.distance_m
    answer["fuels"] = [fuel_price(offer, now) for offer in hit.station.fuels]
    return answer


def station_detail(station: StationEntry, now: datetime, base_url: str) -> dict:
    answer = _common(station, now, base_url)
    fuels = []
    for offer in station.fuels:
        entry = fuel_price(offer, now)
        upcoming = offer.next_price(now)
        entry["next_price"] = upcoming and {
            "list_price_fen": upcoming.list_price_fen,
            "member_price_fen": upcoming.member_price_fen,
            "effective_at": local_iso(upcoming.effective_at),
        }
        fuels.append(entry)
    answer["fuels"] = fuels
    answer["hours"] = [day_hours(weekday, station.hours.get(weekday)) for weekday in range(7)]
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

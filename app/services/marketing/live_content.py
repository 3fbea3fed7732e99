"""What the mini-program shows now for a station, a city or anywhere: the live banners of the
home carousel, and the notices (announcements and price-change notices).

A station's page shows what is for the chain, its city and itself; a city shows the chain's and
the city's (not each station's); no place, the chain's only. A city with no station of the
chain counts as no place. Answers are plain JSON-able values, cached (content_cache) under the
chain's content and catalogue versions until the next live_from or live_until among them."""

from datetime import datetime

from sqlalchemy import and_, or_, select

from app.extensions import db
from app.models import Announcement, Banner, BannerImage, ContentVersion
from app.models.base import utcnow
from app.services import catalogue
from app.services.catalogue.entries import Catalogue, StationEntry
from app.services.marketing import content_cache, price_notices
from app.services.marketing.banners import SCOPE_RANK, TARGETS, target_path
from app.services.platform.clock import to_local
from app.services.platform.errors import NotFound

MAX_BANNERS = 10
MAX_NOTICES = 50
_cities: dict[int, tuple[Catalogue, frozenset[str]]] = {}  # chain -> (catalogue, its cities)


def live_banners(station_id: int | None = None, city: str | None = None) -> list[dict]:
    """The carousel, in order: the station's own, the city's, then the chain's banners."""
    return _cached("banners", station_id, city, _banners)


def live_notices(station_id: int | None = None, city: str | None = None) -> list[dict]:
    """Pinned announcements first, then announcements and price changes, the newest first."""
    return _cached("notices", station_id, city, _notices)


def _cached(kind: str, station_id: int | None, city: str | None, build) -> list[dict]:
    shown = catalogue.current()
    station = None
    if station_id is not None:
        station = shown.stations.get(station_id)
        if station is None:
            raise NotFound("油站不存在")
        city = station.city
    elif city not in _cities_of(shown):
        city = None
    place = f"station:{station.id}" if station else f"city:{city}" if city else "chain"
    content = db.session.scalar(
        select(ContentVersion.version).where(ContentVersion.chain_id == shown.chain_id)
    )
    key = f"{shown.chain_id}:{content or 0}:{shown.version}:{kind}:{place}"
    now = utcnow()
    items = content_cache.get(key, now)
    if items is None:
        items, until = build(shown, station, city, now)
        content_cache.put(key, items, until, now)
    return items


def _cities_of(shown: Catalogue) -> frozenset[str]:
    known = _cities.get(shown.chain_id)
    if known is None or known[0] is not shown:  # a reload made a new catalogue
        known = (shown, frozenset(s.city for s in shown.stations.values()))
        _cities[shown.chain_id] = known
    return known[1]


def _for_place(model, station: StationEntry | None, city: str | None):
    """Rows for this place: the chain's, the city's and the station's."""
    places = [model.scope == "chain"]
    if city:
        places.append(and_(model.scope == "city", model.city == city))
    if station is not None:
        places.append(and_(model.scope == "station", model.station_id == station.id))
    return or_(*places)


def _not_over(model, now: datetime):
    return and_(
        model.status == "published", or_(model.live_until.is_(None), model.live_until > now)
    )


def _local_iso(moment: datetime | None) -> str | None:
    return to_local(moment).isoformat() if moment else None


def _next_change(rows, now: datetime, also: list[datetime] = ()) -> datetime:
    """The first moment after now at which one of these rows goes live or ends."""
    moments = [*also]
    for row in rows:
        moments.append(row.live_from if row.live_from > now else row.live_until)
    future = [m for m in moments if m is not None and m > now]
    return min(future, default=now + content_cache.MAX_AGE)


def _banners(shown: Catalogue, station, city, now: datetime) -> tuple[list[dict], datetime]:
    query = (
        select(Banner, BannerImage.sha256, BannerImage.width, BannerImage.height)
        .join(BannerImage, BannerImage.id == Banner.image_id)
        .where(
            Banner.chain_id == shown.chain_id,
            _not_over(Banner, now),
            _for_place(Banner, station, city),
        )
    )
    rows = db.session.execute(query).all()
    live = sorted(
        (row for row in rows if row.Banner.live_from <= now),
        key=lambda r: (SCOPE_RANK[r.Banner.scope], r.Banner.sort_order, r.Banner.id),
    )
    items = []
    for row in live[:MAX_BANNERS]:
        banner = row.Banner
        target = None
        if banner.target != "none" and (
            banner.target_station_id is None or banner.target_station_id in shown.stations
        ):  # never a link to a station the mini-program would not find
            path = target_path(banner.target, banner.target_station_id)
            target = {"page": path, "tab": TARGETS[banner.target][2]}
        items.append(
            {
                "id": banner.id,
                "title": banner.title,
                "scope": banner.scope,
                "image": {
                    "id": banner.image_id,
                    "sha256": row.sha256,
                    "width": row.width,
                    "height": row.height,
                },
                "target": target,
                "live_until": _local_iso(banner.live_until),
            }
        )
    return items, _next_change([row.Banner for row in rows], now)


def _notices(shown: Catalogue, station, city, now: datetime) -> tuple[list[dict], datetime]:
    query = select(Announcement).where(
        Announcement.chain_id == shown.chain_id,
        _not_over(Announcement, now),
        _for_place(Announcement, station, city),
    )
    rows = list(db.session.scalars(query))
    found = [
        (row.pinned, row.live_from, _announcement(row)) for row in rows if row.live_from <= now
    ]
    if station is not None:
        changes = price_notices.changes([station], now)
    elif city:
        changes = price_notices.changes((s for s in shown.stations.values() if s.city == city), now)
    else:
        changes = []
    for group in price_notices.grouped(changes):
        found.append((False, group[0].effective_at, _price_notice(group, now)))
    found.sort(key=lambda entry: (not entry[0], -entry[1].timestamp()))
    until = _next_change(rows, now, price_notices.boundaries(changes, now))
    return [item for _, _, item in found[:MAX_NOTICES]], until


def _announcement(row: Announcement) -> dict:
    return {
        "kind": "announcement",
        "id": f"a{row.id}",
        "title": row.title,
        "text": row.body,
        "pinned": row.pinned,
        "scope": row.scope,
        "published_at": _local_iso(row.live_from),
        "price_change": None,
    }


def _price_notice(group: list[price_notices.PriceChange], now: datetime) -> dict:
    first = group[0]
    return {
        "kind": "price_change",
        "id": f"p{min(c.price_id for c in group)}",
        "title": f"{first.fuel_name}调价",
        "text": price_notices.group_text(group),
        "pinned": False,
        "scope": "station" if len(group) == 1 else "city",
        "published_at": _local_iso(first.effective_at),
        "price_change": {
            "fuel_code": first.fuel_code,
            "fuel_name": first.fuel_name,
            "effective_at": _local_iso(first.effective_at),
            "in_effect": first.in_effect(now),
            "list_price_fen": first.list_price_fen,
            "previous_list_price_fen": first.previous_list_fen,
            "change_fen": first.change_fen,
            "member_price_fen": first.member_price_fen,
            "previous_member_price_fen": first.previous_member_fen,
            "stations": [
                {
                    "id": c.station_id,
                    "name": c.station_name,
                    "list_price_fen": c.list_price_fen,
                    "previous_list_price_fen": c.previous_list_fen,
                    "member_price_fen": c.member_price_fen,
                    "previous_member_price_fen": c.previous_member_fen,
                }
                for c in group
            ],
        },
    }

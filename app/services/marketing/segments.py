"""The members a push goes to (定向发放的人群): one query per segment, its member ids once each.

A member's visit is an order of theirs that was fuelled (fueled_at set: online orders confirmed
at the pump and walk-in sales alike; an order cancelled or expired unpaid never was). "In the
last N days" of a moment `at` means fueled_at >= at - N days, to the second.

- tier: the chain's members holding the tier now; with a station, only those with a visit to
  that station at any time (its customers).
- station_recent: the members with a visit to the station in the last 90 days.
- lapsed: the members with a visit before the last 30 days and none in them; with a station,
  visits to that station only (customers it has lost, wherever else they fill up now).
  Members who never had an order are not lapsed: there is no visit to win back, and a new
  member's coupon is the join gift (marketing.gifts).

What each reads (EXPLAIN ANALYZE on 5,000 members and 80,000 orders, docs/coupons.md): the tier
the member table (member (tier_id) once the tier is a small share of it), with a station that
station's orders by fuel_order (station_id, ...); station_recent fuel_order (station_id,
fueled_at) over the 90 days only; lapsed every fuelled order of the chain (or of the station,
by its index) once, grouped by member: a scan, as "no visit since" needs each member's last
one; tens of milliseconds here, seconds for a chain with ten million orders."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, exists, func, select

from app.extensions import db
from app.models import Member, Order

RECENT_DAYS = 90
LAPSED_DAYS = 30


@dataclass(frozen=True)
class Segment:
    kind: str  # tier, station_recent, lapsed (models.PUSH_SEGMENTS)
    chain_id: int
    tier_id: int | None = None
    station_id: int | None = None  # station_recent's station, else the station limited to


def member_ids(segment: Segment, at: datetime) -> Select:
    """The segment's member ids as of `at`, each once (a query to count, or to insert from)."""
    if segment.kind == "tier":
        return _tier(segment)
    if segment.kind == "station_recent":
        return _station_recent(segment, at - timedelta(days=RECENT_DAYS))
    if segment.kind == "lapsed":
        return _lapsed(segment, at - timedelta(days=LAPSED_DAYS))
    raise ValueError(f"no segment {segment.kind!r}")


def count(segment: Segment, at: datetime) -> int:
    query = member_ids(segment, at).subquery()
    return db.session.scalar(select(func.count()).select_from(query))


def _tier(segment: Segment) -> Select:
    query = select(Member.id.label("member_id")).where(
        Member.chain_id == segment.chain_id, Member.tier_id == segment.tier_id
    )
    if segment.station_id is not None:
        visited = exists().where(
            Order.member_id == Member.id,
            Order.station_id == segment.station_id,
            Order.fueled_at.is_not(None),
        )
        query = query.where(visited)
    return query


def _station_recent(segment: Segment, since: datetime) -> Select:
    return (
        select(Order.member_id)
        .where(
            Order.chain_id == segment.chain_id,
            Order.station_id == segment.station_id,
            Order.fueled_at >= since,
            Order.member_id.is_not(None),
        )
        .distinct()
    )


def _lapsed(segment: Segment, cutoff: datetime) -> Select:
    where = [Order.chain_id == segment.chain_id]
    if segment.station_id is not None:
        where.append(Order.station_id == segment.station_id)
    return (
        select(Order.member_id)
        .where(*where, Order.member_id.is_not(None), Order.fueled_at.is_not(None))
        .group_by(Order.member_id)
        .having(func.max(Order.fueled_at) < cutoff)
    )

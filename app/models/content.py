"""What the mini-program shows besides the catalogue: banners in the home carousel and
announcements, each for the whole chain, one city or one station, live between two moments.
Price-change notices are not stored: they are read from the scheduled prices."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

CONTENT_SCOPES = ("chain", "city", "station")
CONTENT_STATUSES = ("draft", "published", "withdrawn")
# Pages of the mini-program a banner may open (the paths are made in the banners service).
BANNER_TARGETS = (
    "none",
    "station",
    "order",
    "wallet",
    "card",
    "member_code",
    "vehicles",
    "orders",
    "coupon_centre",
    "coupons",
    "points_mall",
)
TARGETS_WITH_STATION = ("station", "order")


def _scope_checks(table: str) -> tuple:
    """The same scope, status and time rules for banners and announcements."""
    return (
        CheckConstraint(one_of("scope", CONTENT_SCOPES), name="scope_valid"),
        CheckConstraint("(scope = 'station') = (station_id IS NOT NULL)", name="station_given"),
        CheckConstraint("(scope = 'city') = (city IS NOT NULL)", name="city_given"),
        CheckConstraint(one_of("status", CONTENT_STATUSES), name="status_valid"),
        CheckConstraint("live_until IS NULL OR live_until > live_from", name="live_span"),
        Index(f"ix_{table}_chain_status", "chain_id", "status", "live_from"),
    )


class BannerImage(db.Model):
    """A banner's picture, re-encoded as JPEG and kept in the database (as station photos are),
    so that any stateless web process can serve it. Never changed: a new upload is a new row."""

    __tablename__ = "banner_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    content_type: Mapped[str] = mapped_column(String(50))
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Banner(db.Model):
    """A picture in the home carousel, opening a page of the mini-program when tapped."""

    __table_args__ = (
        *_scope_checks("banner"),
        CheckConstraint(one_of("target", BANNER_TARGETS), name="target_valid"),
        CheckConstraint(
            "(target IN ('station', 'order')) = (target_station_id IS NOT NULL)",
            name="target_station_given",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    scope: Mapped[str] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(50))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"), index=True)
    title: Mapped[str] = mapped_column(String(40))
    image_id: Mapped[int] = mapped_column(ForeignKey("banner_image.id"))
    target: Mapped[str] = mapped_column(String(20), default="none", server_default=text("'none'"))
    target_station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    # Within its scope (the chain, a city, a station); a station's own banners come first.
    sort_order: Mapped[int] = mapped_column(default=0)
    live_from: Mapped[datetime] = mapped_column(UTCDateTime)
    live_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: until withdrawn
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Announcement(db.Model):
    """A notice in words (公告): pinned ones first, then the newest."""

    __table_args__ = _scope_checks("announcement")

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    scope: Mapped[str] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(50))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"), index=True)
    title: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    pinned: Mapped[bool] = mapped_column(default=False)
    live_from: Mapped[datetime] = mapped_column(UTCDateTime)
    live_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContentVersion(db.Model):
    """Bumped in the same transaction as any banner or announcement change; the driver reads'
    caches are keyed by it (with the catalogue's version, for the price-change notices)."""

    __tablename__ = "content_version"

    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"), primary_key=True)
    version: Mapped[int] = mapped_column(default=1)

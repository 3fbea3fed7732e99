"""The chain, its stations and their catalogue: hours, photos, fuels, prices, nozzles."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class Chain(db.Model):
    __table_args__ = (
        CheckConstraint("tier_metric IN ('spend', 'litres')", name="tier_metric_valid"),
        CheckConstraint("tier_window_days BETWEEN 30 AND 730", name="tier_window_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    wechat_appid: Mapped[str | None] = mapped_column(String(32), unique=True)
    # Bumped in the same transaction as any catalogue change; caches compare it.
    catalogue_version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    # Member tiers: reached by fen spent ("spend") or ml bought ("litres") over a rolling window.
    tier_metric: Mapped[str] = mapped_column(
        String(10), default="spend", server_default=text("'spend'")
    )
    tier_window_days: Mapped[int] = mapped_column(default=365, server_default=text("365"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Station(db.Model):
    __table_args__ = (
        UniqueConstraint("chain_id", "code"),
        CheckConstraint("lat BETWEEN -90 AND 90", name="lat_range"),
        CheckConstraint("lng BETWEEN -180 AND 180", name="lng_range"),
        CheckConstraint("fill_up_cap_fen BETWEEN 100 AND max_order_fen", name="cap_range"),
        CheckConstraint("refund_approval_threshold_fen >= 0", name="refund_approval_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(50))
    address: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(30), default="")
    # GCJ-02 point (what Chinese map apps and wx.openLocation use); degrees, not money.
    lat: Mapped[float]
    lng: Mapped[float]
    services: Mapped[list] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Order limits: a fill-up (加满) is pre-paid up to the cap; no order may exceed the maximum.
    fill_up_cap_fen: Mapped[int] = mapped_column(default=50000, server_default=text("50000"))
    max_order_fen: Mapped[int] = mapped_column(default=200000, server_default=text("200000"))
    # A counter refund above this waits for a manager's approval; at or below it goes at once.
    refund_approval_threshold_fen: Mapped[int] = mapped_column(
        default=20000, server_default=text("20000")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    hours: Mapped[list["StationHours"]] = relationship(
        order_by="StationHours.weekday", cascade="all, delete-orphan"
    )


class StationHours(db.Model):
    """Opening hours for one weekday (0 = Monday); a weekday without a row is closed all day.

    Minutes from local midnight; closes_min < opens_min means the station closes after midnight.
    0..1440 is open around the clock.
    """

    __table_args__ = (
        UniqueConstraint("station_id", "weekday"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("opens_min BETWEEN 0 AND 1439", name="opens_range"),
        CheckConstraint("closes_min BETWEEN 1 AND 1440", name="closes_range"),
        CheckConstraint("opens_min <> closes_min", name="not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    weekday: Mapped[int]
    opens_min: Mapped[int]
    closes_min: Mapped[int]


class StationPhoto(db.Model):
    """A photo kept in the database so that any stateless web process can serve it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    caption: Mapped[str] = mapped_column(String(100), default="")
    content_type: Mapped[str] = mapped_column(String(50))
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Fuel(db.Model):
    """A fuel grade of the chain: 92#, 95#, 98#, 0# diesel ..."""

    __table_args__ = (
        UniqueConstraint("chain_id", "code"),
        CheckConstraint("kind IN ('gasoline', 'diesel')", name="kind_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(10))
    sort_order: Mapped[int] = mapped_column(default=0)


class StationFuel(db.Model):
    """A fuel sold at a station."""

    __table_args__ = (UniqueConstraint("station_id", "fuel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    fuel_id: Mapped[int] = mapped_column(ForeignKey("fuel.id"))
    enabled: Mapped[bool] = mapped_column(default=True)

    fuel: Mapped[Fuel] = relationship(lazy="joined")


class FuelPrice(db.Model):
    """A price per litre of one fuel at one station from effective_at on.

    Rows are never changed except to cancel a price that has not taken effect yet; the price in
    force at a moment is the latest uncancelled row with effective_at <= that moment.
    """

    __table_args__ = (
        CheckConstraint("list_price_fen > 0", name="list_positive"),
        CheckConstraint(
            "member_price_fen > 0 AND member_price_fen <= list_price_fen", name="member_valid"
        ),
        Index(
            "uq_fuel_price_effective",
            "station_id",
            "fuel_id",
            "effective_at",
            unique=True,
            sqlite_where=text("cancelled_at IS NULL"),
            postgresql_where=text("cancelled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    fuel_id: Mapped[int] = mapped_column(ForeignKey("fuel.id"))
    list_price_fen: Mapped[int]  # fen per litre
    member_price_fen: Mapped[int]  # fen per litre
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class Nozzle(db.Model):
    """A nozzle (枪) by the number attendants and drivers call it, drawing one fuel."""

    __table_args__ = (
        UniqueConstraint("station_id", "number"),
        CheckConstraint("number BETWEEN 1 AND 99", name="number_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    number: Mapped[int]
    fuel_id: Mapped[int] = mapped_column(ForeignKey("fuel.id"))
    enabled: Mapped[bool] = mapped_column(default=True)

    fuel: Mapped[Fuel] = relationship(lazy="joined")

"""Drivers (members) who log in from the WeChat mini-program, their API tokens, vehicles,
member codes, and the chain's tiers with each member's tier history."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

TIER_METRICS = {"spend": "消费金额", "litres": "加油升数"}


class Member(db.Model):
    __table_args__ = (
        UniqueConstraint("chain_id", "openid"),
        # One member per phone number in a chain; "" (not bound) never collides.
        Index(
            "uq_member_chain_phone",
            "chain_id",
            "phone",
            unique=True,
            postgresql_where=text("phone <> ''"),
            sqlite_where=text("phone <> ''"),
        ),
        Index("ix_member_tier", "tier_id"),  # a tier's holders (pushes, a tier deleted)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    openid: Mapped[str] = mapped_column(String(64))
    unionid: Mapped[str | None] = mapped_column(String(64))
    # WeChat's session_key: a secret that never leaves the server and is never logged.
    wechat_session_key: Mapped[str | None] = mapped_column(String(64))
    nickname: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phone_bound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The driver agreed to the privacy notice (version) at this moment.
    consent_version: Mapped[str | None] = mapped_column(String(20))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tier.id"))
    tier_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:  # keeps the session key out of logs and tracebacks
        return f"<Member {self.id}>"


class MemberToken(db.Model):
    """A bearer token of the driver API, stored as its SHA-256 only."""

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Vehicle(db.Model):
    """A member's car: up to five (slots 1-5, decided by the database), one the default."""

    __table_args__ = (
        UniqueConstraint("member_id", "slot"),
        UniqueConstraint("member_id", "plate"),
        CheckConstraint("slot BETWEEN 1 AND 5", name="slot_range"),
        Index(
            "uq_vehicle_member_default",
            "member_id",
            unique=True,
            postgresql_where=text("is_default"),
            sqlite_where=text("is_default"),
        ),
        Index("ix_vehicle_chain_plate", "chain_id", "plate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    slot: Mapped[int]
    plate: Mapped[str] = mapped_column(String(10))  # normalised: upper case, no spaces
    name: Mapped[str] = mapped_column(String(20), default="")
    fuel_id: Mapped[int | None] = mapped_column(ForeignKey("fuel.id"))
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MemberCode(db.Model):
    """A member code (会员码) shown at the counter: lives about a minute, works once; only its
    SHA-256 is stored."""

    __table_args__ = (Index("ix_member_code_member", "member_id", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    used_station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))


class Tier(db.Model):
    """A member tier of the chain (银卡/金卡/钻石卡): reached with at least `threshold` of the
    chain's tier metric (fen spent or ml bought) over its rolling window."""

    __table_args__ = (
        UniqueConstraint("chain_id", "rank"),
        UniqueConstraint("chain_id", "name"),
        CheckConstraint("rank BETWEEN 1 AND 20", name="rank_range"),
        CheckConstraint("threshold >= 0", name="threshold_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    name: Mapped[str] = mapped_column(String(20))
    rank: Mapped[int]  # higher is better
    threshold: Mapped[int]  # fen or ml, by the chain's tier_metric
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TierFuelCut(db.Model):
    """The price cut per litre a tier gives on one fuel, below the member price."""

    __table_args__ = (
        UniqueConstraint("tier_id", "fuel_id"),
        CheckConstraint("cut_fen BETWEEN 0 AND 500", name="cut_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    tier_id: Mapped[int] = mapped_column(ForeignKey("tier.id", ondelete="CASCADE"))
    fuel_id: Mapped[int] = mapped_column(ForeignKey("fuel.id"))
    cut_fen: Mapped[int]  # fen per litre


class TierChange(db.Model):
    """A member's move between tiers (insert-only): from, to, the metric that decided, why."""

    __table_args__ = (
        CheckConstraint("reason IN ('settlement', 'nightly', 'setup')", name="reason_valid"),
        Index("ix_tier_change_member", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    from_tier_id: Mapped[int | None] = mapped_column(ForeignKey("tier.id", ondelete="SET NULL"))
    to_tier_id: Mapped[int | None] = mapped_column(ForeignKey("tier.id", ondelete="SET NULL"))
    metric_value: Mapped[int]
    reason: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

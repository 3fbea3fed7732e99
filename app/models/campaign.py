"""Campaigns (活动): time-boxed pricing rules of a chain, and the first-order discounts taken.

Three kinds (the figures in integer fen; the rules live in services/marketing/stacking.py and
live_campaigns.py, docs/campaigns.md has them in words):
- members_day 会员日: on some weekdays or days of the month, within a local time window,
  members (optionally of some tiers) get per_litre_fen off each litre;
- first_order 首单立减: a member's first paid order at the chain gets off_fen off, or
  per_litre_fen off each litre (optionally capped by max_off_fen, from threshold_fen up);
- spend_off 满额立减: fuel worth threshold_fen or more gets off_fen off, once or, repeating
  (每满), for every full threshold_fen, up to max_off_fen.
Where: the whole chain, some cities (campaign_city) or some stations (campaign_station); which
fuels: fuel_ids (empty: all). When: [starts_at, ends_at), while active. Once activated the rule
is fixed: orders priced with it read it again when their fuel is dispensed."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

CAMPAIGN_KINDS = {"members_day": "会员日", "first_order": "首单立减", "spend_off": "满额立减"}
CAMPAIGN_STATUSES = {"draft": "草稿", "active": "已启用", "ended": "已结束", "cancelled": "已作废"}
CAMPAIGN_SCOPES = {"chain": "全部油站", "cities": "指定城市", "stations": "指定油站"}
CLAIM_STATUSES = {"held": "已锁定", "used": "已使用"}
RULE_FITS_KIND = (
    "(kind = 'members_day' AND per_litre_fen BETWEEN 1 AND 500 AND off_fen IS NULL"
    " AND max_off_fen IS NULL AND threshold_fen = 0 AND NOT repeating)"
    " OR (kind = 'first_order' AND NOT repeating AND threshold_fen >= 0"
    " AND ((off_fen > 0 AND per_litre_fen IS NULL AND max_off_fen IS NULL)"
    " OR (per_litre_fen BETWEEN 1 AND 500 AND off_fen IS NULL"
    " AND (max_off_fen IS NULL OR max_off_fen > 0))))"
    " OR (kind = 'spend_off' AND per_litre_fen IS NULL AND threshold_fen > 0"
    " AND off_fen > 0 AND off_fen < threshold_fen"
    " AND ((NOT repeating AND max_off_fen IS NULL) OR (repeating AND max_off_fen >= off_fen)))"
)


class Campaign(db.Model):
    """draft -> active -> ended (early, by staff; or its ends_at passes), draft -> cancelled."""

    __table_args__ = (
        CheckConstraint(one_of("kind", CAMPAIGN_KINDS), name="kind_valid"),
        CheckConstraint(one_of("status", CAMPAIGN_STATUSES), name="status_valid"),
        CheckConstraint(one_of("scope", CAMPAIGN_SCOPES), name="scope_valid"),
        CheckConstraint("ends_at > starts_at", name="period"),
        CheckConstraint(RULE_FITS_KIND, name="rule_fits_kind"),
        CheckConstraint(
            "day_starts_min >= 0 AND day_ends_min <= 1440 AND day_ends_min > day_starts_min",
            name="day_window",
        ),
        Index("ix_campaign_live", "chain_id", "status", "starts_at"),
        Index("ix_campaign_chain", "chain_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    name: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(200), default="")  # shown to drivers
    kind: Mapped[str] = mapped_column(String(12))
    scope: Mapped[str] = mapped_column(String(10), default="chain")
    fuel_ids: Mapped[list] = mapped_column(JSON, default=list)  # empty: every fuel
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)  # exclusive
    status: Mapped[str] = mapped_column(String(10), default="draft")
    stacks_with_coupon: Mapped[bool] = mapped_column(default=True)
    # The rule's figures (RULE_FITS_KIND says which each kind has).
    per_litre_fen: Mapped[int | None]
    off_fen: Mapped[int | None]
    threshold_fen: Mapped[int] = mapped_column(default=0)
    repeating: Mapped[bool] = mapped_column(default=False)  # spend_off: 每满
    max_off_fen: Mapped[int | None]
    # members_day: when (local), and for whom: weekdays 0 = Monday, days of the month 1-31
    # (either or both; none: every day), minutes of the day [starts, ends), tier ids (none:
    # every member).
    weekdays: Mapped[list] = mapped_column(JSON, default=list)
    month_days: Mapped[list] = mapped_column(JSON, default=list)
    day_starts_min: Mapped[int] = mapped_column(default=0)
    day_ends_min: Mapped[int] = mapped_column(default=1440)
    tier_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # ended early by staff
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class CampaignStation(db.Model):
    """A station of a campaign of scope 'stations'."""

    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), primary_key=True)
    __table_args__ = (Index("ix_campaign_station_station", "station_id"),)


class CampaignCity(db.Model):
    """A city of a campaign of scope 'cities' (the stations' city, as written on them)."""

    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    city: Mapped[str] = mapped_column(String(20), primary_key=True)


class FirstOrderClaim(db.Model):
    """A member's first-order discount, taken by one order: UNIQUE (member_id) lets the
    database decide that a member gets it once, even from two orders placed at once. Held when
    the order is placed, used when it is paid, deleted (given back) when the order ends
    without fuel."""

    __table_args__ = (
        CheckConstraint(one_of("status", CLAIM_STATUSES), name="status_valid"),
        CheckConstraint("status <> 'used' OR used_at IS NOT NULL", name="used_when"),
        Index("ix_first_order_claim_campaign", "campaign_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("fuel_order.id"), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="held")
    held_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

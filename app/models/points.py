"""Points (积分): the chain's earning rules (versions, never edited), each member's points account
with its lots by year earned, the append-only points ledger (积分流水), the redemption catalogue
and the redemptions.

Invariants the database keeps: a balance and a lot never go below zero (CHECK, and every change
is a guarded UPDATE under the account's row lock); an order earns once (a partial unique index);
a lot expires once; a redemption code is unique in its chain and is used once (compare-and-set).
The sums (balance = entries = lots) are checked by services/marketing/points_check."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

POINTS_BASES = {"yuan": "按消费金额（元）", "litre": "按加油升数（升）"}
ENTRY_KINDS = {
    "earn": "加油积分",
    "reverse": "退款扣回",
    "redeem": "积分兑换",
    "expire": "积分过期",
    "adjust": "人工调整",
}
ITEM_KINDS = {"coupon": "加油券", "car_wash": "洗车", "goods": "便利店商品"}
ITEM_STATUSES = {"active": "上架", "stopped": "已下架"}
REDEMPTION_STATUSES = {"issued": "已发券", "unused": "待核销", "used": "已核销"}


class PointsRule(db.Model):
    """One version of a chain's earning rules. The version in force at a moment is the one with
    the latest effective_from at or before it (until its effective_until, if set: after that
    nothing is earned until a newer version starts). A change is a new version.

    expiry_months: a lot (the points of one local year Y) expires at local midnight starting
    year Y+1, plus this many months: 12 is "points of year N expire at the end of year N+1"."""

    __table_args__ = (
        UniqueConstraint("chain_id", "version"),
        CheckConstraint(one_of("basis", POINTS_BASES), name="basis_valid"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("daily_cap IS NULL OR daily_cap >= 1", name="daily_cap_positive"),
        CheckConstraint("expiry_months BETWEEN 0 AND 60", name="expiry_range"),
        CheckConstraint(
            "effective_until IS NULL OR effective_until > effective_from", name="window_order"
        ),
        Index("ix_points_rule_chain_from", "chain_id", "effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    version: Mapped[int]
    basis: Mapped[str] = mapped_column(String(10))  # yuan paid or litres dispensed
    daily_cap: Mapped[int | None]  # the most points a member earns in a local day
    expiry_months: Mapped[int] = mapped_column(default=12)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    effective_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # exclusive
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointsRuleFuel(db.Model):
    """A fuel's rate in a rule version: `points` for every `per_units` yuan (or litres); a fuel
    without a row earns nothing. 1 per 1 yuan of gasoline, 1 per 2 yuan of diesel."""

    __table_args__ = (
        CheckConstraint("points BETWEEN 1 AND 1000", name="points_range"),
        CheckConstraint("per_units BETWEEN 1 AND 1000", name="per_units_range"),
    )

    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    rule_id: Mapped[int] = mapped_column(
        ForeignKey("points_rule.id", ondelete="CASCADE"), primary_key=True
    )
    fuel_id: Mapped[int] = mapped_column(ForeignKey("fuel.id"), primary_key=True)
    points: Mapped[int]
    per_units: Mapped[int]


class PointsRuleTier(db.Model):
    """A tier's multiplier in a rule version, in percent (150: one and a half times); a tier
    without a row earns 100 %. The tier's name is kept: a deleted tier's line stays readable."""

    __table_args__ = (
        UniqueConstraint("rule_id", "tier_id"),
        CheckConstraint("percent BETWEEN 0 AND 1000", name="percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    rule_id: Mapped[int] = mapped_column(ForeignKey("points_rule.id", ondelete="CASCADE"))
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tier.id", ondelete="SET NULL"))
    tier_name: Mapped[str] = mapped_column(String(20))
    percent: Mapped[int]


class PointsAccount(db.Model):
    """A member's points balance: changed only with its entries, under this row's lock, by a
    guarded UPDATE (balance - n WHERE balance >= n); CHECK balance >= 0 behind it."""

    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    balance: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointsLot(db.Model):
    """The points a member earned in one local year and still has (remaining), with when they
    expire. Spending takes from the lots that expire first (FIFO)."""

    __table_args__ = (
        UniqueConstraint("member_id", "year"),
        CheckConstraint("remaining >= 0", name="remaining_not_negative"),
        # What the expiry job looks for.
        Index(
            "ix_points_lot_to_expire",
            "expires_at",
            postgresql_where=text("remaining > 0"),
            sqlite_where=text("remaining > 0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    year: Mapped[int]
    remaining: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointsEntry(db.Model):
    """One line of a member's points ledger (insert-only): what changed, why, and the balance
    after it. A reversal that could not take back all it should (the points were spent) says
    how many it could not in shortfall."""

    __table_args__ = (
        CheckConstraint(one_of("kind", ENTRY_KINDS), name="kind_valid"),
        CheckConstraint(
            "(kind = 'earn' AND delta > 0 AND order_id IS NOT NULL AND lot_id IS NOT NULL)"
            " OR (kind = 'reverse' AND delta <= 0 AND order_id IS NOT NULL"
            " AND (delta < 0 OR shortfall > 0))"
            " OR (kind = 'redeem' AND delta < 0 AND redemption_id IS NOT NULL)"
            " OR (kind = 'expire' AND delta < 0 AND lot_id IS NOT NULL)"
            " OR (kind = 'adjust' AND delta <> 0 AND actor_staff_id IS NOT NULL AND note <> '')",
            name="fits_kind",
        ),
        CheckConstraint("balance_after >= 0", name="balance_not_negative"),
        CheckConstraint("shortfall >= 0", name="shortfall_not_negative"),
        Index("ix_points_entry_member", "member_id", "id"),
        Index("ix_points_entry_member_created", "member_id", "kind", "created_at"),
        Index("ix_points_entry_order", "order_id"),
        Index(
            "uq_points_entry_earn",
            "order_id",
            unique=True,
            postgresql_where=text("kind = 'earn'"),
            sqlite_where=text("kind = 'earn'"),
        ),
        Index(
            "uq_points_entry_expire",
            "lot_id",
            unique=True,
            postgresql_where=text("kind = 'expire'"),
            sqlite_where=text("kind = 'expire'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    kind: Mapped[str] = mapped_column(String(10))
    delta: Mapped[int]
    balance_after: Mapped[int]
    shortfall: Mapped[int] = mapped_column(default=0)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("fuel_order.id"))
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("points_redemption.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("points_lot.id"))  # earn, expire
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("points_rule.id"))  # earn
    base_fen: Mapped[int | None]  # earn: what the driver kept of the order's payment
    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # adjust
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointsEntryLot(db.Model):
    """How an entry's points went into or out of the member's lots (a redemption may take from
    two years' lots): a lot's remaining is the sum of its rows."""

    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("points_entry.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("points_lot.id"), primary_key=True)
    points: Mapped[int]


class PointsItem(db.Model):
    """A thing drivers may take for points: a fuel coupon (a coupon template of the chain), a
    car wash or shop goods (a code the counter verifies once). Stock: stock_total at most
    (both NULL: unlimited), stock_left taken by a guarded UPDATE."""

    __table_args__ = (
        CheckConstraint(one_of("kind", ITEM_KINDS), name="kind_valid"),
        CheckConstraint(one_of("status", ITEM_STATUSES), name="status_valid"),
        CheckConstraint(
            "(kind = 'coupon') = (coupon_template_id IS NOT NULL)", name="template_fits_kind"
        ),
        CheckConstraint("points BETWEEN 1 AND 10000000", name="points_range"),
        CheckConstraint(
            "(stock_total IS NULL AND stock_left IS NULL)"
            " OR (stock_left >= 0 AND stock_left <= stock_total)",
            name="stock_range",
        ),
        CheckConstraint(
            "per_member_limit IS NULL OR per_member_limit BETWEEN 1 AND 99", name="limit_range"
        ),
        CheckConstraint(
            "ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at", name="window_order"
        ),
        Index("ix_points_item_chain", "chain_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(200), default="")
    points: Mapped[int]
    coupon_template_id: Mapped[int | None] = mapped_column(ForeignKey("coupon_template.id"))
    stock_total: Mapped[int | None]
    stock_left: Mapped[int | None]
    per_member_limit: Mapped[int | None]
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # exclusive
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointsRedemption(db.Model):
    """Points exchanged for an item. A fuel coupon is issued at once (status issued, coupon_id);
    a car wash or goods gets a code (unused) that a cashier verifies once (used, where and by
    whom). The code is rebuilt from the nonce with the app's secret; only its keyed hash is
    searchable, so a copy of the database alone gives no usable code."""

    __table_args__ = (
        UniqueConstraint("chain_id", "code_hash"),
        CheckConstraint(one_of("kind", ITEM_KINDS), name="kind_valid"),
        CheckConstraint(one_of("status", REDEMPTION_STATUSES), name="status_valid"),
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint(
            "(kind = 'coupon' AND status = 'issued' AND coupon_id IS NOT NULL"
            " AND code_hash IS NULL)"
            " OR (kind <> 'coupon' AND status IN ('unused', 'used') AND coupon_id IS NULL"
            " AND code_hash IS NOT NULL AND nonce IS NOT NULL)",
            name="fits_kind",
        ),
        CheckConstraint(
            "status <> 'used' OR (used_at IS NOT NULL AND used_by_id IS NOT NULL"
            " AND used_station_id IS NOT NULL)",
            name="used_recorded",
        ),
        Index("ix_points_redemption_member", "member_id", "id"),
        Index("ix_points_redemption_item", "item_id", "member_id"),
        Index("ix_points_redemption_chain", "chain_id", "id"),
        Index("ix_points_redemption_station", "used_station_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("points_item.id"))
    item_name: Mapped[str] = mapped_column(String(40))  # as it was called then
    kind: Mapped[str] = mapped_column(String(10))
    points: Mapped[int]
    status: Mapped[str] = mapped_column(String(10))
    coupon_id: Mapped[int | None] = mapped_column(ForeignKey("coupon.id"))
    nonce: Mapped[str | None] = mapped_column(String(32))
    code_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    used_station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))

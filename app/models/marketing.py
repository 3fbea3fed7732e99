"""Marketing: coupon templates (what a coupon gives, to whom, how many), the coupons issued to
members (one row each), and the templates given automatically (a new member's gift, a top-up
package's reward).

How the issue's four coupon kinds map here: 满减 is kind amount_off (off_fen above
min_spend_fen), 折扣 is percent_off (the driver pays pay_percent % of the amount, at most
max_off_fen off), 每升直降 is per_litre (per_litre_fen off each litre, optionally capped by
max_off_fen). 指定油品 is not a kind but a restriction any kind may carry: the template's fuels
(coupon_template_fuel) and stations (coupon_template_station); none listed means every fuel or
every station of the chain. Amounts are integer fen; the rules live in services/marketing."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

COUPON_KINDS = {"amount_off": "满减券", "percent_off": "折扣券", "per_litre": "每升直降券"}
TEMPLATE_STATUSES = {"draft": "草稿", "active": "发放中", "stopped": "已停发"}
COUPON_STATUSES = {
    "available": "可使用",
    "held": "使用中",  # on an order not paid or not settled yet (checkout)
    "used": "已使用",
    "expired": "已过期",
    "voided": "已作废",
}
COUPON_SOURCES = {
    "claim": "领券中心领取",
    "join_gift": "新会员礼",
    "topup_reward": "充值赠送",
    "push": "定向发放",
    "points": "积分兑换",
    "staff": "油站发放",
}
ON_ORDER = text("status IN ('held', 'used')")
GIFT_EVENTS = {"join": "新会员注册", "topup": "充值套餐到账"}


class CouponTemplate(db.Model):
    """What a coupon gives and how it is given out. draft -> active <-> stopped.

    Validity is fixed ([valid_from, valid_until)) or relative (valid_days local days counting
    the day of receipt). Stock: stock_total coupons at most (NULL: unlimited); stock_left is
    decremented by a guarded UPDATE as coupons are issued. per_member_limit bounds the coupons
    of this template a member may claim (coupon.seq). claimable: drivers may claim it in the
    claim centre (within the optional claim window); otherwise it is only given (gift, reward,
    push, staff)."""

    __table_args__ = (
        CheckConstraint(one_of("kind", COUPON_KINDS), name="kind_valid"),
        CheckConstraint(one_of("status", TEMPLATE_STATUSES), name="status_valid"),
        CheckConstraint(
            "(kind = 'amount_off' AND off_fen > 0 AND pay_percent IS NULL"
            " AND per_litre_fen IS NULL AND max_off_fen IS NULL)"
            " OR (kind = 'percent_off' AND pay_percent BETWEEN 1 AND 99 AND max_off_fen > 0"
            " AND off_fen IS NULL AND per_litre_fen IS NULL)"
            " OR (kind = 'per_litre' AND per_litre_fen BETWEEN 1 AND 500 AND off_fen IS NULL"
            " AND pay_percent IS NULL AND (max_off_fen IS NULL OR max_off_fen > 0))",
            name="rule_fits_kind",
        ),
        CheckConstraint("min_spend_fen >= 0", name="min_spend_not_negative"),
        CheckConstraint(
            "(validity = 'fixed' AND valid_from IS NOT NULL AND valid_until > valid_from"
            " AND valid_days IS NULL)"
            " OR (validity = 'relative' AND valid_days BETWEEN 1 AND 365"
            " AND valid_from IS NULL AND valid_until IS NULL)",
            name="validity_valid",
        ),
        CheckConstraint(
            "claim_ends_at IS NULL OR claim_starts_at IS NULL OR claim_ends_at > claim_starts_at",
            name="claim_window",
        ),
        CheckConstraint(
            "(stock_total IS NULL AND stock_left IS NULL)"
            " OR (stock_left >= 0 AND stock_left <= stock_total)",
            name="stock_range",
        ),
        CheckConstraint("per_member_limit BETWEEN 1 AND 99", name="limit_range"),
        Index("ix_coupon_template_chain", "chain_id", "status", "id"),
        Index("ix_coupon_template_station", "station_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    # Whose it is: NULL the chain's (chain admins), else that station's (its managers too).
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    name: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(200), default="")  # 使用说明 shown to drivers
    kind: Mapped[str] = mapped_column(String(12))
    off_fen: Mapped[int | None]  # amount_off: fen off
    pay_percent: Mapped[int | None]  # percent_off: share paid, 90 = 9折 (10 % off)
    per_litre_fen: Mapped[int | None]  # per_litre: fen off per litre
    max_off_fen: Mapped[int | None]  # the most it takes off an order (percent_off, per_litre)
    min_spend_fen: Mapped[int] = mapped_column(default=0)  # 0: no threshold (无门槛)
    validity: Mapped[str] = mapped_column(String(10))  # fixed or relative
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # exclusive
    valid_days: Mapped[int | None]
    claim_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # exclusive
    stock_total: Mapped[int | None]
    stock_left: Mapped[int | None]
    per_member_limit: Mapped[int] = mapped_column(default=1)
    claimable: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first activation
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CouponTemplateFuel(db.Model):
    """A fuel a template is limited to (指定油品); a template without rows takes every fuel."""

    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    template_id: Mapped[int] = mapped_column(
        ForeignKey("coupon_template.id", ondelete="CASCADE"), primary_key=True
    )
    fuel_id: Mapped[int] = mapped_column(ForeignKey("fuel.id"), primary_key=True)


class CouponTemplateStation(db.Model):
    """A station a template is limited to; a template without rows is good at every station."""

    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    template_id: Mapped[int] = mapped_column(
        ForeignKey("coupon_template.id", ondelete="CASCADE"), primary_key=True
    )
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), primary_key=True)


class Coupon(db.Model):
    """One coupon issued to one member. available -> held (placed on an order) -> used (the
    order paid; a walk-in sale goes straight to used); held or used -> given back (returned_at
    stamped: available, or expired if past valid_until) when the order is cancelled, expires
    unpaid or is refunded in full before fuelling, or when it took nothing off the fuel
    dispensed; available -> expired past valid_until; available -> voided by staff with a
    reason. docs/coupons.md has the rules.

    seq numbers a member's coupons of one template (1, 2, ...): UNIQUE (template, member, seq)
    lets the database decide the per-member limit, since a claim may only take a seq up to the
    template's limit and two claims cannot take the same one."""

    __table_args__ = (
        UniqueConstraint("template_id", "member_id", "seq"),
        CheckConstraint(one_of("status", COUPON_STATUSES), name="status_valid"),
        CheckConstraint(one_of("source", COUPON_SOURCES), name="source_valid"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        CheckConstraint("valid_until > valid_from", name="validity_order"),
        CheckConstraint(
            "status <> 'held' OR (order_id IS NOT NULL AND held_at IS NOT NULL)",
            name="held_on_order",
        ),
        CheckConstraint(
            "status <> 'used' OR (order_id IS NOT NULL AND used_at IS NOT NULL)",
            name="used_on_order",
        ),
        CheckConstraint(
            "status <> 'voided' OR (voided_at IS NOT NULL AND void_reason <> '')",
            name="void_reasoned",
        ),
        CheckConstraint("discount_fen IS NULL OR discount_fen >= 0", name="discount_not_negative"),
        CheckConstraint(
            "status NOT IN ('held', 'used') OR discount_fen IS NOT NULL", name="discount_on_order"
        ),
        # One coupon per order: no two coupons held or used on the same order.
        Index(
            "uq_coupon_order",
            "order_id",
            unique=True,
            postgresql_where=ON_ORDER,
            sqlite_where=ON_ORDER,
        ),
        Index("ix_coupon_member", "member_id", "status", "valid_until"),
        Index("ix_coupon_template", "template_id", "id"),
        Index("ix_coupon_chain", "chain_id", "id"),
        Index("ix_coupon_order", "order_id"),
        Index("ix_coupon_topup", "topup_id"),
        # What the expiry job looks for.
        Index(
            "ix_coupon_to_expire",
            "valid_until",
            postgresql_where=text("status = 'available'"),
            sqlite_where=text("status = 'available'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("coupon_template.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    seq: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="available")
    source: Mapped[str] = mapped_column(String(15))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # push, staff
    topup_id: Mapped[int | None] = mapped_column(ForeignKey("topup.id"))  # topup_reward
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Copied (fixed) or computed (relative) when issued: a later edit changes no coupon.
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)  # exclusive
    # Checkout (marketing.checkout): the order it is held on or was used by, and what it takes
    # off (as placed; what it took off the fuel dispensed once the order is settled). Cleared
    # when it is given back (returned_at).
    order_id: Mapped[int | None] = mapped_column(ForeignKey("fuel_order.id"))
    discount_fen: Mapped[int | None]
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    void_reason: Mapped[str] = mapped_column(String(200), default="")


class CouponGift(db.Model):
    """A template given automatically: to every new member of the chain (event join), or with
    each credited top-up of a package (event topup), quantity coupons each time."""

    __table_args__ = (
        CheckConstraint(one_of("event", GIFT_EVENTS), name="event_valid"),
        CheckConstraint(
            "(event = 'join' AND package_id IS NULL)"
            " OR (event = 'topup' AND package_id IS NOT NULL)",
            name="package_fits_event",
        ),
        CheckConstraint("quantity BETWEEN 1 AND 10", name="quantity_range"),
        Index(
            "uq_coupon_gift_join",
            "chain_id",
            "template_id",
            unique=True,
            postgresql_where=text("event = 'join'"),
            sqlite_where=text("event = 'join'"),
        ),
        Index(
            "uq_coupon_gift_package",
            "package_id",
            "template_id",
            unique=True,
            postgresql_where=text("event = 'topup'"),
            sqlite_where=text("event = 'topup'"),
        ),
        Index("ix_coupon_gift_template", "template_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("coupon_template.id"))
    event: Mapped[str] = mapped_column(String(10))
    package_id: Mapped[int | None] = mapped_column(ForeignKey("topup_package.id"))
    quantity: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

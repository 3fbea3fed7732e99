"""Fuel orders, their WeChat payments, refunds, pickup tokens and applied payment events."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

# Every status an order can have, and what people see for it: the one list. The state machine
# (services/orders/order_state.py) says which moves between them are allowed.
ORDER_STATUSES = {
    "created": "待支付",
    "paid": "已支付，待加油",
    "fueled": "已加油，结算中",
    "settled": "已完成",
    "cancelled": "已取消",
    "expired": "已过期",
}
ORDER_MODES = ("amount", "volume", "fill_up")
# How an order was paid: online (WeChat, wallet) or, for a walk-in sale, at the counter.
PAYMENT_METHODS = ("wechat", "wallet", "cash", "pos", "terminal")
# What staff read for each (console, receipts, shift reports): the one list.
PAYMENT_METHOD_NAMES = {
    "wechat": "微信支付",
    "wallet": "会员钱包",
    "cash": "现金",
    "pos": "银行卡",
    "terminal": "扫码（本站终端）",
}
# Where a refund's money goes, by the order's payment method: back the way it came.
REFUND_ROUTES = {
    "wechat": "原路退回微信",
    "wallet": "退回钱包",
    "cash": "现金退回（钱箱付出）",
    "pos": "银行卡撤销/退货",
    "terminal": "收款终端退款",
}
# Where the order was placed: the driver in the mini-program, or staff at the counter.
ORDER_CHANNELS = {"online": "小程序", "counter": "柜台"}
# A WeChat refund that did not reach the driver and that staff have not followed up yet.
UNSHIFTED = text("shift_id IS NULL AND fueled_at IS NOT NULL")
# What the console's orders totals add up and its plain filters compare (services/orders/
# order_search.py): carried in the list's indexes.
LIST_COLUMNS = (
    "status",
    "channel",
    "payment_method",
    "fuel_id",
    "paid_fen",
    "refunded_fen",
    "dispensed_ml",
)
WITH_CAMPAIGN = text("campaign_id IS NOT NULL")
WITH_DAY_CAMPAIGN = text("day_campaign_id IS NOT NULL")
LIVE_COUPON = text("coupon_id IS NOT NULL AND status IN ('created', 'paid', 'fueled')")
NEEDS_FOLLOWUP = text("status IN ('CLOSED', 'ABNORMAL') AND followup IS NULL")


class Order(db.Model):
    """One fuelling: priced when placed (snapshot), paid, confirmed at the pump, settled."""

    __tablename__ = "fuel_order"
    __table_args__ = (
        CheckConstraint(one_of("status", ORDER_STATUSES), name="status_valid"),
        CheckConstraint(one_of("mode", ORDER_MODES), name="mode_valid"),
        CheckConstraint(one_of("payment_method", PAYMENT_METHODS), name="method_valid"),
        CheckConstraint(one_of("channel", ORDER_CHANNELS), name="channel_valid"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("paid_fen >= 0 AND paid_fen <= amount_fen", name="paid_range"),
        CheckConstraint("refunded_fen >= 0 AND refunded_fen <= paid_fen", name="refund_range"),
        CheckConstraint("dispensed_fen IS NULL OR dispensed_fen <= paid_fen", name="dispensed"),
        # A coupon's saving is never negative, and only on an order holding a coupon; what it
        # took off the fuel dispensed is set with the fuelling (marketing.checkout).
        CheckConstraint(
            "coupon_fen >= 0 AND (coupon_id IS NOT NULL OR coupon_fen = 0)", name="coupon_saving"
        ),
        CheckConstraint(
            "dispensed_coupon_fen IS NULL OR (dispensed_coupon_fen >= 0"
            " AND coupon_id IS NOT NULL AND dispensed_fen IS NOT NULL)",
            name="dispensed_coupon",
        ),
        # Campaigns (marketing.stacking, steps 2 and 4): each saving never negative, and only
        # with its campaign; what they took off the fuel dispensed is set with the fuelling.
        CheckConstraint(
            "day_cut_fen >= 0 AND (day_campaign_id IS NOT NULL OR day_cut_fen = 0)",
            name="day_cut",
        ),
        CheckConstraint(
            "campaign_fen >= 0 AND (campaign_id IS NOT NULL OR campaign_fen = 0)",
            name="campaign_saving",
        ),
        CheckConstraint(
            "(dispensed_day_fen IS NULL OR (dispensed_day_fen >= 0"
            " AND day_campaign_id IS NOT NULL AND dispensed_fen IS NOT NULL))"
            " AND (dispensed_campaign_fen IS NULL OR (dispensed_campaign_fen >= 0"
            " AND campaign_id IS NOT NULL AND dispensed_fen IS NOT NULL))",
            name="dispensed_campaign",
        ),
        CheckConstraint(
            "bonus_paid_fen >= 0 AND bonus_paid_fen <= paid_fen", name="bonus_paid_range"
        ),
        CheckConstraint(
            "bonus_refunded_fen >= 0 AND bonus_refunded_fen <= bonus_paid_fen",
            name="bonus_refund_range",
        ),
        CheckConstraint("tier_cut_fen >= 0", name="tier_cut_not_negative"),
        Index("ix_fuel_order_member_id_id", "member_id", "id"),
        # A coupon is on one live order at most (the coupon's own compare-and-set decides it
        # first; this is the backstop).
        Index(
            "uq_fuel_order_live_coupon",
            "coupon_id",
            unique=True,
            postgresql_where=LIVE_COUPON,
            sqlite_where=LIVE_COUPON,
        ),
        Index("ix_fuel_order_station_status", "station_id", "status"),
        Index("ix_fuel_order_status_expires", "status", "expires_at"),
        # The console's orders list, newest first, of a station and of the chain. The station's
        # carries the columns the totals add up and the plain filters compare: the totals over
        # a busy station's year, or the chain's month, read it alone (docs/benchmarks.md).
        Index(
            "ix_fuel_order_station_created",
            "station_id",
            "created_at",
            "id",
            postgresql_include=["chain_id", *LIST_COLUMNS],
        ),
        Index("ix_fuel_order_chain_created", "chain_id", "created_at", "id"),
        # Fuelled while no shift was open: what the next shift to open takes over.
        Index(
            "ix_fuel_order_unshifted",
            "station_id",
            postgresql_where=UNSHIFTED,
            sqlite_where=UNSHIFTED,
        ),
        # The console home's figures of the day (services/reports/dashboard.py).
        Index("ix_fuel_order_station_paid", "station_id", "paid_at"),
        Index("ix_fuel_order_station_fueled", "station_id", "fueled_at"),
        # A campaign's orders (its report).
        Index(
            "ix_fuel_order_campaign",
            "campaign_id",
            postgresql_where=WITH_CAMPAIGN,
            sqlite_where=WITH_CAMPAIGN,
        ),
        Index(
            "ix_fuel_order_day_campaign",
            "day_campaign_id",
            postgresql_where=WITH_DAY_CAMPAIGN,
            sqlite_where=WITH_DAY_CAMPAIGN,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    # None: a walk-in sale to a driver who did not identify as a member.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    order_no: Mapped[str] = mapped_column(String(32), unique=True)  # WeChat out_trade_no
    fuel_id: Mapped[int] = mapped_column(ForeignKey("fuel.id"))
    nozzle_id: Mapped[int | None] = mapped_column(ForeignKey("nozzle.id"))
    plate: Mapped[str | None] = mapped_column(String(10))  # 车牌 as the driver gave it
    mode: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(10), default="online", server_default="online")
    preset_amount_fen: Mapped[int | None]
    preset_volume_ml: Mapped[int | None]
    # The price snapshot: what was in force when the order was placed.
    price_id: Mapped[int] = mapped_column(ForeignKey("fuel_price.id"))
    list_price_fen: Mapped[int]  # fen per litre
    unit_price_fen: Mapped[int]  # fen per litre actually charged (member price if qualified)
    member_price_applied: Mapped[bool]
    # The member's tier when placed and its cut per litre below the member price (0: none).
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tier.id", ondelete="SET NULL"))
    tier_cut_fen: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    pricing_note: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # To pay: the fuel's value (the preset amount, the preset volume's price, or the fill-up
    # cap) less campaign_fen and coupon_fen.
    amount_fen: Mapped[int]
    # The coupon the order holds or held (marketing.checkout) and what it takes off the fuel
    # as placed; dispensed_coupon_fen what it took off the fuel dispensed (set when fuelled).
    coupon_id: Mapped[int | None] = mapped_column(
        ForeignKey("coupon.id", use_alter=True, name="fk_fuel_order_coupon_id_coupon")
    )
    coupon_fen: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    dispensed_coupon_fen: Mapped[int | None]
    # Campaigns (marketing.stacking): the per-litre one (会员日) and the cut it took off the
    # price per litre (unit_price_fen is after it); the one on the value (首单, 满额立减) and
    # what it takes off as placed. dispensed_*: what each took off the fuel dispensed (set
    # when fuelled; the campaign.discount ledger transaction books them).
    day_campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"))
    day_cut_fen: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"))
    campaign_fen: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    dispensed_day_fen: Mapped[int | None]
    dispensed_campaign_fen: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(10), default="created")
    payment_method: Mapped[str | None] = mapped_column(String(10))
    paid_fen: Mapped[int] = mapped_column(default=0)
    refunded_fen: Mapped[int] = mapped_column(default=0)
    # Of a wallet payment, the part taken from the bonus balance, and of refunds, the part
    # that went back to it (members/wallet_split.py decides both).
    bonus_paid_fen: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    bonus_refunded_fen: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    dispensed_ml: Mapped[int | None]
    # at unit_price_fen, less dispensed_campaign_fen and dispensed_coupon_fen: charged
    dispensed_fen: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fueled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fueled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # Made by the handheld for each confirmation: a resend (offline queue, lost answer) is
    # recognised and answered with the first result.
    confirmation_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The shift whose pumps dispensed it, set when fuelled (services/counter/shifts/attach.py); NULL
    # while no shift is open: the next shift to open takes it.
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shift.id"), index=True)

    # Read-only links: loaded on first access, or filled by a query that fetched them anyway.
    member: Mapped["Member | None"] = relationship(viewonly=True)  # noqa: F821
    pickup_token: Mapped["PickupToken | None"] = relationship(viewonly=True)


class WeChatPayment(db.Model):
    """The WeChat Pay side of an order: its prepay and, once paid, the transaction id."""

    __tablename__ = "wechat_payment"
    __table_args__ = (
        CheckConstraint("state IN ('NOTPAY', 'SUCCESS', 'CLOSED')", name="state_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("fuel_order.id"), unique=True)
    out_trade_no: Mapped[str] = mapped_column(String(32), unique=True)
    prepay_id: Mapped[str | None] = mapped_column(String(64))
    amount_fen: Mapped[int]
    payer_openid: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default="NOTPAY")
    transaction_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Refund(db.Model):
    """Money going back to the driver: to WeChat (tracked to SUCCESS) or to the wallet; an
    order's (order_id) or a top-up's unspent principal (topup_id, station_id may be NULL)."""

    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint(one_of("method", PAYMENT_METHODS), name="method_valid"),
        # Money given back on the station's POS or terminal: the reversal's reference.
        CheckConstraint(
            "method NOT IN ('pos', 'terminal') OR reference <> ''", name="reference_given"
        ),
        CheckConstraint(
            "status IN ('PENDING', 'PROCESSING', 'SUCCESS', 'ABNORMAL', 'CLOSED')",
            name="status_valid",
        ),
        CheckConstraint("kind IN ('settlement', 'cancel', 'manual', 'topup')", name="kind_valid"),
        # A refund gives back an order's payment or a wallet top-up's unspent principal.
        CheckConstraint("(order_id IS NULL) <> (topup_id IS NULL)", name="one_source"),
        CheckConstraint("followup IN ('reissued', 'wallet')", name="followup_valid"),
        CheckConstraint("finished_at IS NULL OR finished_at >= created_at", name="finished_after"),
        # The few refunds staff must follow up, found without reading every refund.
        Index(
            "ix_refund_needs_followup",
            "station_id",
            postgresql_where=NEEDS_FOLLOWUP,
            sqlite_where=NEEDS_FOLLOWUP,
        ),
        Index("ix_refund_station_created", "station_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("fuel_order.id"), index=True)
    topup_id: Mapped[int | None] = mapped_column(ForeignKey("topup.id"), index=True)
    out_refund_no: Mapped[str] = mapped_column(String(64), unique=True)
    wechat_refund_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    method: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(12))
    amount_fen: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default="PENDING")
    reason: Mapped[str] = mapped_column(String(80), default="")
    # The POS or terminal reversal's reference (refunds of walk-in sales paid that way).
    reference: Mapped[str] = mapped_column(String(64), default="", server_default="")
    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set once, by compare-and-set, when staff follow up a CLOSED or ABNORMAL WeChat refund.
    followup: Mapped[str | None] = mapped_column(String(10))


class RefundFollowup(db.Model):
    """What staff did about a WeChat refund that did not reach the driver: a new refund
    (re-issued through WeChat, or paid into the wallet with the driver's consent)."""

    __table_args__ = (
        CheckConstraint("action IN ('reissued', 'wallet')", name="action_valid"),
        CheckConstraint(
            "action = 'reissued' OR (consent_channel IS NOT NULL AND consent_note <> '')",
            name="wallet_consent",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))  # NULL: chain-wide
    refund_id: Mapped[int] = mapped_column(ForeignKey("refund.id"), unique=True)
    new_refund_id: Mapped[int] = mapped_column(ForeignKey("refund.id"), unique=True)
    action: Mapped[str] = mapped_column(String(10))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    # How the driver agreed to the wallet (phone, in person, message) and the staff's note.
    consent_channel: Mapped[str | None] = mapped_column(String(12))
    consent_note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PickupToken(db.Model):
    """The one-time QR token of a paid order: only its SHA-256 is stored. With it, the short
    code typed when the camera fails: only its keyed hash, unique within the station while
    set (NULLs never collide), cleared when the token is burnt."""

    __table_args__ = (
        Index("uq_pickup_token_station_code", "station_id", "code_hash", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("fuel_order.id"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Random salt of the keyed derivation, so the driver's app can show the same QR again.
    nonce: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    code_hash: Mapped[str | None] = mapped_column(String(64))


class PickupCodeGuard(db.Model):
    """Wrong short codes typed by one staff member: too many in a row lock them out of typing
    codes for a while. In the database, so every web process counts the same misses."""

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    misses: Mapped[int] = mapped_column(default=0)
    last_miss_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PaymentEvent(db.Model):
    """A WeChat Pay notification that was applied: each event id at most once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(64))  # transaction_id or refund_id
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StationEvent(db.Model):
    """What changed at a station, in order: the id is the sequence number handhelds resume
    from, so one that was offline misses nothing."""

    __table_args__ = (Index("ix_station_event_station_id_id", "station_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("fuel_order.id"))
    kind: Mapped[str] = mapped_column(String(20))  # order.paid, .refunded, .fueled, .cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

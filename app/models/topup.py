"""Money coming into members' wallets: top-up packages, top-ups (WeChat, counter cash or bank
card, recharge card), drivers' requests to have unspent principal refunded, recharge cards and
their batches, and the counters of wrong guesses."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

TOPUP_CHANNELS = {"wechat": "微信支付", "cash": "现金", "pos": "银行卡", "card": "充值卡"}
TOPUP_STATUSES = {
    "pending": "待支付/待审核",
    "credited": "已到账",
    "rejected": "已驳回",
    "closed": "已关闭",
}
REFUND_REQUEST_STATUSES = {
    "requested": "待审核",
    "approved": "已同意",
    "rejected": "已驳回",
    "cancelled": "已撤回",
}
CARD_STATUSES = {"new": "未售", "active": "已激活", "redeemed": "已兑换", "void": "已作废"}


class TopupPackage(db.Model):
    """What a driver may top up: a fixed amount with its bonus (充500送30), or a free amount
    between limits without bonus; for the chain (station_id NULL) or one station; time-boxed."""

    __table_args__ = (
        CheckConstraint("kind IN ('fixed', 'free')", name="kind_valid"),
        CheckConstraint(
            "(kind = 'fixed' AND pay_fen > 0 AND bonus_fen >= 0 AND bonus_fen <= pay_fen)"
            " OR (kind = 'free' AND bonus_fen = 0 AND min_fen > 0 AND max_fen >= min_fen)",
            name="amounts_valid",
        ),
        CheckConstraint("ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at", "window"),
        Index("ix_topup_package_chain", "chain_id", "station_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))
    pay_fen: Mapped[int | None]
    bonus_fen: Mapped[int] = mapped_column(default=0)
    min_fen: Mapped[int | None]
    max_fen: Mapped[int | None]
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enabled: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Topup(db.Model):
    """Money put into a wallet: principal (paid) and bonus (given), credited once.

    WeChat: pending until the payment is applied (credited) or the prepay closes (closed).
    Cash or bank card at the counter: pending until a manager of the station approves
    (credited) or rejects it; the requester can never be the approver. Recharge card: credited
    at redemption. A credited top-up is a lot of the wallet's principal, spent first in, first
    out (members.wallet_split)."""

    __table_args__ = (
        CheckConstraint(one_of("channel", TOPUP_CHANNELS), name="channel_valid"),
        CheckConstraint(one_of("status", TOPUP_STATUSES), name="status_valid"),
        CheckConstraint("principal_fen > 0 AND bonus_fen >= 0", name="amounts_valid"),
        CheckConstraint(
            "refunded_principal_fen >= 0 AND refunded_principal_fen <= principal_fen",
            name="refund_range",
        ),
        # A lot of principal (wallet_split): what was spent and what went back to WeChat
        # together never exceed what was paid in.
        CheckConstraint(
            "spent_principal_fen >= 0"
            " AND spent_principal_fen + refunded_principal_fen <= principal_fen",
            name="unspent_range",
        ),
        CheckConstraint(
            "revoked_bonus_fen >= 0 AND revoked_bonus_fen <= bonus_fen", name="revoke_range"
        ),
        CheckConstraint(
            "decided_by_id IS NULL OR requested_by_id IS NULL OR decided_by_id <> requested_by_id",
            name="four_eyes",
        ),
        CheckConstraint("channel <> 'pos' OR pos_reference <> ''", name="pos_reference"),
        Index("ix_topup_member", "member_id", "id"),
        Index(
            "ix_topup_pending_station",
            "station_id",
            postgresql_where=text("status = 'pending' AND channel IN ('cash', 'pos')"),
            sqlite_where=text("status = 'pending' AND channel IN ('cash', 'pos')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    topup_no: Mapped[str] = mapped_column(String(32), unique=True)  # WeChat out_trade_no
    channel: Mapped[str] = mapped_column(String(10))
    package_id: Mapped[int | None] = mapped_column(ForeignKey("topup_package.id"))
    principal_fen: Mapped[int]
    bonus_fen: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    # WeChat Pay
    prepay_id: Mapped[str | None] = mapped_column(String(64))
    payer_openid: Mapped[str | None] = mapped_column(String(64))
    transaction_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Counter: the bank card POS slip's reference; who asked, who decided and why not
    pos_reference: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(String(200), default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    card_id: Mapped[int | None] = mapped_column(ForeignKey("recharge_card.id"), unique=True)
    # Principal of this lot spent on orders (first in, first out; orders refunded to the
    # wallet give it back: members.wallet_split)
    spent_principal_fen: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # Given back later: principal refunded to WeChat, bonus revoked with it
    refunded_principal_fen: Mapped[int] = mapped_column(default=0)
    revoked_bonus_fen: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    credited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TopupRefundRequest(db.Model):
    """A driver's request to have a WeChat top-up's unspent principal returned; the amounts are
    fixed when a manager approves it (what is unspent at that moment)."""

    __table_args__ = (
        CheckConstraint(one_of("status", REFUND_REQUEST_STATUSES), name="status_valid"),
        # One open request per top-up.
        Index(
            "uq_topup_refund_request_open",
            "topup_id",
            unique=True,
            postgresql_where=text("status = 'requested'"),
            sqlite_where=text("status = 'requested'"),
        ),
        Index("ix_topup_refund_request_member", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    topup_id: Mapped[int] = mapped_column(ForeignKey("topup.id"))
    status: Mapped[str] = mapped_column(String(10), default="requested")
    reason: Mapped[str] = mapped_column(String(200), default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    principal_fen: Mapped[int] = mapped_column(default=0)  # refunded, set on approval
    bonus_revoked_fen: Mapped[int] = mapped_column(default=0)  # revoked, set on approval
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refund.id"), unique=True)


class CardBatch(db.Model):
    """A batch of recharge cards (充值卡) of one face value, for the chain or one station."""

    __table_args__ = (
        CheckConstraint("face_fen BETWEEN 100 AND 1000000", name="face_range"),
        CheckConstraint("count BETWEEN 1 AND 10000", name="count_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    name: Mapped[str] = mapped_column(String(40))
    face_fen: Mapped[int]
    count: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The secrets were handed out once (the Excel sheet); never again.
    secrets_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    void_reason: Mapped[str] = mapped_column(String(200), default="")


class RechargeCard(db.Model):
    """One card: a number and a secret (only its keyed hash stored). new -> active (sold at the
    counter) -> redeemed (into one wallet, once); new or active -> void."""

    __table_args__ = (
        CheckConstraint(one_of("status", CARD_STATUSES), name="status_valid"),
        CheckConstraint("sold_payment IN ('cash', 'pos')", name="sold_payment_valid"),
        CheckConstraint("misses >= 0", name="misses_not_negative"),
        Index("ix_recharge_card_batch", "batch_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("card_batch.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    number: Mapped[str] = mapped_column(String(20), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    face_fen: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="new")
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    sold_station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    sold_payment: Mapped[str | None] = mapped_column(String(10))
    pos_reference: Mapped[str] = mapped_column(String(64), default="")
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redeemed_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    void_reason: Mapped[str] = mapped_column(String(200), default="")
    # Wrong secrets typed for this card in a row, and until when it refuses every try.
    misses: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MissGuard(db.Model):
    """Wrong guesses counted per key (a member redeeming cards: "card-member:<id>"), in the
    database so every web process counts the same; locked_until refuses every try until then."""

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    misses: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServiceToken(db.Model):
    """A token of an outside service shared by every process (WeChat's access_token), cached
    until shortly before it expires, as WeChat requires."""

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(600))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

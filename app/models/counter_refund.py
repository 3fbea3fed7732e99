"""Refund requests of an order, handled at the station: a cashier's at the counter (柜台退款,
sent at once or waiting for a manager's approval) and a driver's from the mini-program (车主申请
退款, always waiting for a manager). One table and one approval flow; `channel` says who asked."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

# The reasons a cashier picks from at the counter.
COUNTER_REFUND_REASONS = {
    "fuel_quality": "油品问题",
    "overcharged": "多扣款",
    "duplicate": "重复支付",
    "driver_cancelled": "车主取消",
    "other": "其他",
}
# The reasons a driver picks from in the mini-program (申请退款), in the order shown.
DRIVER_REFUND_REASONS = {
    "short_fuel": "未加到油或加油量不符",
    "fuel_quality": "油品问题",
    "duplicate": "重复支付",
    "other": "其他",
}
# Every reason a request may carry (the database checks it) and what staff read for it.
REFUND_REASONS = COUNTER_REFUND_REASONS | DRIVER_REFUND_REASONS
# Who asked: staff at the counter (requested_by_id) or the order's driver (member_id).
REFUND_REQUEST_CHANNELS = {"counter": "柜台", "driver": "车主申请"}
# pending: waiting for a manager (a counter refund above the station's threshold, or any
# driver's request); sent: refund_order ran (at once, or on approval); rejected: a manager said
# no, with the reason. Whether the money reached the driver is the refund's own status (WeChat
# may still fail it).
COUNTER_REFUND_STATUSES = ("pending", "sent", "rejected")
# A driver's request waiting for a decision: one per order at most (a partial unique index).
DRIVER_OPEN = text("channel = 'driver' AND status = 'pending'")


class CounterRefundRequest(db.Model):
    """A refund of an order asked for at the station's counter or by the order's driver (the
    class keeps its first name: the counter's queue is where both are decided)."""

    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint(one_of("reason_code", REFUND_REASONS), name="reason_valid"),
        CheckConstraint(one_of("status", COUNTER_REFUND_STATUSES), name="status_valid"),
        CheckConstraint(one_of("channel", REFUND_REQUEST_CHANNELS), name="channel_valid"),
        # Exactly one requester, the one the channel names.
        CheckConstraint(
            "(channel = 'counter' AND requested_by_id IS NOT NULL AND member_id IS NULL)"
            " OR (channel = 'driver' AND member_id IS NOT NULL AND requested_by_id IS NULL)",
            name="one_requester",
        ),
        # An approval is never its requester's own (the service refuses it first).
        CheckConstraint(
            "decided_by_id IS NULL OR decided_by_id <> requested_by_id", name="not_self_decided"
        ),
        CheckConstraint("status <> 'sent' OR refund_id IS NOT NULL", name="sent_has_refund"),
        CheckConstraint("status <> 'rejected' OR reject_reason <> ''", name="rejected_why"),
        Index("ix_counter_refund_request_station_status", "station_id", "status"),
        Index(
            "uq_counter_refund_request_driver_open",
            "order_id",
            unique=True,
            postgresql_where=DRIVER_OPEN,
            sqlite_where=DRIVER_OPEN,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("fuel_order.id"), index=True)
    amount_fen: Mapped[int]
    reason_code: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(10), default="counter", server_default="counter")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refund.id"), unique=True)
    # A walk-in sale paid by card or on the terminal: the reversal's reference on the POS or
    # terminal, typed when the money goes back (with the request, or on approval).
    reference: Mapped[str] = mapped_column(String(64), default="", server_default="")

    @property
    def reason_name(self) -> str:
        return REFUND_REASONS.get(self.reason_code, self.reason_code)

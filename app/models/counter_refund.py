"""Refunds made at the counter: each one, sent at once or waiting for a manager's approval."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

# The reasons a cashier picks from (the one list; the database checks it).
COUNTER_REFUND_REASONS = {
    "fuel_quality": "油品问题",
    "overcharged": "多扣款",
    "duplicate": "重复支付",
    "driver_cancelled": "车主取消",
    "other": "其他",
}
# pending: above the station's threshold, waiting for a manager; sent: refund_order ran (at
# once, or on approval); rejected: a manager said no. Whether the money reached the driver is
# the refund's own status (WeChat may still fail it).
COUNTER_REFUND_STATUSES = ("pending", "sent", "rejected")


class CounterRefundRequest(db.Model):
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint(one_of("reason_code", COUNTER_REFUND_REASONS), name="reason_valid"),
        CheckConstraint(one_of("status", COUNTER_REFUND_STATUSES), name="status_valid"),
        # An approval is never its requester's own (the service refuses it first).
        CheckConstraint(
            "decided_by_id IS NULL OR decided_by_id <> requested_by_id", name="not_self_decided"
        ),
        CheckConstraint("status <> 'sent' OR refund_id IS NOT NULL", name="sent_has_refund"),
        CheckConstraint("status <> 'rejected' OR reject_reason <> ''", name="rejected_why"),
        Index("ix_counter_refund_request_station_status", "station_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("fuel_order.id"), index=True)
    amount_fen: Mapped[int]
    reason_code: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
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
        return COUNTER_REFUND_REASONS.get(self.reason_code, self.reason_code)

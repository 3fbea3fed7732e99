"""A manager's push of a coupon template to a segment of members (定向发放), run as a job, and
its recipients: one row per member the segment held when the job froze it, so that a rerun of
the job (jobs run at least once) never gives a member a second coupon. services/marketing/pushes
has the rules, services/marketing/segments the segments' queries."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

PUSH_SEGMENTS = {
    "tier": "会员等级",
    "station_recent": "近 90 天到过本站的会员",
    "lapsed": "30 天未到店的会员",
}
PUSH_STATUSES = {"queued": "排队中", "running": "发放中", "done": "已完成", "failed": "未能发放"}
RECIPIENT_STATUSES = {"pending": "待发放", "issued": "已发放", "skipped": "未发放"}
SKIP_REASONS = {
    "sold_out": "优惠券已发完",
    "limit_reached": "已达每人限领张数",
    "ended": "优惠券已停发或已过有效期",
}
PENDING = text("status = 'pending'")


class CouponPush(db.Model):
    """One push: queued (created, its job in the outbox) -> running (the segment frozen into
    recipient rows, targeted set) -> done (every recipient issued or skipped), or queued ->
    failed (the template could no longer be issued when the job started; error says why).

    station_id: for station_recent the station whose customers; for tier and lapsed the
    station the push is limited to (its customers), NULL for the whole chain (chain admins
    only). Counts move with the recipients, in the same transactions."""

    __table_args__ = (
        CheckConstraint(one_of("segment", PUSH_SEGMENTS), name="segment_valid"),
        CheckConstraint(one_of("status", PUSH_STATUSES), name="status_valid"),
        # A tier deleted later leaves tier_id NULL and its name.
        CheckConstraint(
            "(segment = 'tier' AND tier_name <> '') OR (segment <> 'tier' AND tier_id IS NULL)",
            name="tier_fits_segment",
        ),
        CheckConstraint(
            "segment <> 'station_recent' OR station_id IS NOT NULL", name="station_fits_segment"
        ),
        CheckConstraint(
            "targeted >= 0 AND issued >= 0 AND skipped >= 0 AND issued + skipped <= targeted",
            name="counts_add_up",
        ),
        CheckConstraint(
            "status IN ('queued', 'failed') OR started_at IS NOT NULL", name="started_when_run"
        ),
        CheckConstraint(
            "status <> 'done' OR (finished_at IS NOT NULL AND issued + skipped = targeted)",
            name="done_when_all",
        ),
        CheckConstraint("status <> 'failed' OR error <> ''", name="failure_said"),
        Index("ix_coupon_push_chain", "chain_id", "id"),
        Index("ix_coupon_push_station", "station_id", "id"),
        Index("ix_coupon_push_template", "template_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("coupon_template.id"))
    segment: Mapped[str] = mapped_column(String(15))
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tier.id", ondelete="SET NULL"))
    tier_name: Mapped[str] = mapped_column(String(20), default="")  # kept if the tier goes
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    targeted: Mapped[int] = mapped_column(default=0)
    issued: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the segment's "now"
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CouponPushRecipient(db.Model):
    """A member of a push's frozen segment: pending -> issued (coupon_id) or skipped (reason),
    each by a compare-and-set in the transaction that issues the coupon. The primary key
    (push_id, member_id) is the UNIQUE that makes a member one recipient per push."""

    __table_args__ = (
        CheckConstraint(one_of("status", RECIPIENT_STATUSES), name="status_valid"),
        CheckConstraint("(status = 'issued') = (coupon_id IS NOT NULL)", name="coupon_when_issued"),
        CheckConstraint("(status = 'skipped') = (reason IS NOT NULL)", name="reason_when_skipped"),
        CheckConstraint(one_of("reason", SKIP_REASONS), name="reason_valid"),
        # What the job takes next: a push's pending members in id order.
        Index(
            "ix_coupon_push_recipient_pending",
            "push_id",
            "member_id",
            postgresql_where=PENDING,
            sqlite_where=PENDING,
        ),
        Index("ix_coupon_push_recipient_member", "member_id"),
    )

    push_id: Mapped[int] = mapped_column(
        ForeignKey("coupon_push.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    reason: Mapped[str | None] = mapped_column(String(15))
    coupon_id: Mapped[int | None] = mapped_column(ForeignKey("coupon.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

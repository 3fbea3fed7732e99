"""Shifts (交接班): per-nozzle totalizer readings, the cash count, corrections, daily close (日结).

A closed shift's figures never change: the database refuses it (triggers, see
migration 0016) and the service never tries; a mistake found later is a ShiftCorrection row."""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

SHIFT_STATUSES = {"open": "当班中", "closed": "已交班，待接班", "accepted": "已接班"}
CORRECTION_KINDS = {"cash": "现金", "reading": "泵码", "note": "说明"}
OPEN_SHIFT = text("status = 'open'")
# What one nozzle's totalizer moved in a shift, before test pours: across a recorded jump, the
# old board's part up to the jump plus the new board's part after it.
GROSS_ML = (
    "CASE WHEN jump_before_ml IS NULL THEN closing_ml - opening_ml"
    " ELSE (jump_before_ml - opening_ml) + (closing_ml - jump_after_ml) END"
)


class Shift(db.Model):
    """One cashier's shift at one station: open -> closed (handed over) -> accepted."""

    __table_args__ = (
        CheckConstraint(one_of("status", SHIFT_STATUSES), name="status_valid"),
        # At most one open shift per station: the database decides between two openers.
        Index(
            "uq_shift_open_station",
            "station_id",
            unique=True,
            postgresql_where=OPEN_SHIFT,
            sqlite_where=OPEN_SHIFT,
        ),
        CheckConstraint(
            "status = 'open' OR (closed_at IS NOT NULL AND closed_by_id IS NOT NULL"
            " AND business_date IS NOT NULL AND counted_cash_fen IS NOT NULL"
            " AND expected_cash_fen IS NOT NULL AND sold_ml IS NOT NULL AND sold_fen IS NOT NULL)",
            name="closed_complete",
        ),
        CheckConstraint(
            "status <> 'accepted' OR (accepted_by_id IS NOT NULL AND accepted_at IS NOT NULL"
            " AND accepted_by_id <> closed_by_id)",
            name="accepted_by_other",
        ),
        CheckConstraint("counted_cash_fen >= 0", name="counted_not_negative"),
        CheckConstraint("over_short_fen = counted_cash_fen - expected_cash_fen", name="over_short"),
        CheckConstraint("sold_ml >= 0 AND metered_ml >= 0", name="litres_not_negative"),
        CheckConstraint("closed_at IS NULL OR closed_at >= opened_at", name="closed_after_open"),
        Index("ix_shift_station_date", "station_id", "business_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    status: Mapped[str] = mapped_column(String(10), default="open")
    # The shift this one took over from (accept_handover): each shift has one successor.
    previous_shift_id: Mapped[int | None] = mapped_column(ForeignKey("shift.id"), unique=True)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 会计日期: the Shanghai date of the handover (closed_at), set when closed.
    business_date: Mapped[date | None] = mapped_column(Date)
    # The figures, fixed when closed.
    sold_ml: Mapped[int | None]
    sold_fen: Mapped[int | None]
    metered_ml: Mapped[int | None]  # 走字数 less 回罐, all nozzles
    # The drawer's movements of the shift but its close: below 0 when it paid out more (refunds,
    # voided cards) than it took in cash.
    expected_cash_fen: Mapped[int | None]
    counted_cash_fen: Mapped[int | None]
    over_short_fen: Mapped[int | None]  # counted - expected: > 0 长款, < 0 短款
    note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    daily_close_id: Mapped[int | None] = mapped_column(ForeignKey("daily_close.id"))

    readings: Mapped[list["ShiftReading"]] = relationship(
        order_by="ShiftReading.nozzle_number", viewonly=True
    )


class ShiftReading(db.Model):
    """One nozzle's totalizer (泵码) at the start and end of a shift, in ml; 回罐 test pours; a
    jump (reset, board swap) recorded with its reason and the readings either side of it."""

    __table_args__ = (
        UniqueConstraint("shift_id", "nozzle_id"),
        CheckConstraint(
            "opening_ml >= 0 AND (closing_ml IS NULL OR closing_ml >= 0) AND test_pour_ml >= 0"
            " AND (jump_before_ml IS NULL OR jump_before_ml >= 0)"
            " AND (jump_after_ml IS NULL OR jump_after_ml >= 0)",
            name="readings_not_negative",
        ),
        CheckConstraint(
            "(jump_before_ml IS NULL) = (jump_after_ml IS NULL)"
            " AND (jump_before_ml IS NULL OR jump_reason <> '')",
            name="jump_complete",
        ),
        # Closing below opening only across a recorded jump, and never below either side of it.
        CheckConstraint(
            "closing_ml IS NULL OR (jump_before_ml IS NULL AND closing_ml >= opening_ml)"
            " OR (jump_before_ml IS NOT NULL AND jump_before_ml >= opening_ml"
            " AND closing_ml >= jump_after_ml)",
            name="closing_not_below",
        ),
        CheckConstraint(f"closing_ml IS NULL OR test_pour_ml <= {GROSS_ML}", name="pour_within"),
        CheckConstraint(
            f"metered_ml IS NULL OR metered_ml = {GROSS_ML} - test_pour_ml", name="metered"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id"), index=True)
    nozzle_id: Mapped[int] = mapped_column(ForeignKey("nozzle.id"))
    nozzle_number: Mapped[int]  # as it was called during the shift
    fuel_id: Mapped[int] = mapped_column(ForeignKey("fuel.id"))
    # Totalizers count litres over the pump's life: millions of litres, so 64-bit ml.
    opening_ml: Mapped[int] = mapped_column(BigInteger)
    closing_ml: Mapped[int | None] = mapped_column(BigInteger)
    test_pour_ml: Mapped[int] = mapped_column(default=0, server_default=text("0"))  # 回罐
    jump_before_ml: Mapped[int | None] = mapped_column(BigInteger)  # the old board's last reading
    jump_after_ml: Mapped[int | None] = mapped_column(BigInteger)  # the new board's first one
    jump_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    metered_ml: Mapped[int | None]  # 走字数 less 回罐, set when closed
    sold_ml: Mapped[int | None]  # orders that named this nozzle, set when closed


class ShiftCorrection(db.Model):
    """A correction of a closed shift, never an edit of it: what, by how much, why and who."""

    __table_args__ = (
        CheckConstraint(one_of("kind", CORRECTION_KINDS), name="kind_valid"),
        CheckConstraint("reason <> ''", name="reason_given"),
        CheckConstraint(
            "(kind = 'cash' AND delta_fen IS NOT NULL AND delta_fen <> 0 AND delta_ml IS NULL)"
            " OR (kind = 'reading' AND delta_ml IS NOT NULL AND delta_ml <> 0"
            " AND nozzle_id IS NOT NULL AND delta_fen IS NULL)"
            " OR (kind = 'note' AND delta_fen IS NULL AND delta_ml IS NULL)",
            name="delta_fits_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    nozzle_id: Mapped[int | None] = mapped_column(ForeignKey("nozzle.id"))
    delta_fen: Mapped[int | None]  # counted cash found later (+) or missing (-)
    delta_ml: Mapped[int | None]
    reason: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DailyClose(db.Model):
    """日结: the totals of a station's accepted shifts of one accounting date, which it locks."""

    __table_args__ = (
        UniqueConstraint("station_id", "business_date"),
        CheckConstraint("shift_count > 0", name="has_shifts"),
        CheckConstraint("over_short_fen = counted_cash_fen - expected_cash_fen", name="over_short"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    business_date: Mapped[date] = mapped_column(Date)
    shift_count: Mapped[int]
    sold_ml: Mapped[int]
    sold_fen: Mapped[int]
    metered_ml: Mapped[int]
    expected_cash_fen: Mapped[int]
    counted_cash_fen: Mapped[int]  # with the shifts' cash corrections
    over_short_fen: Mapped[int]
    closed_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

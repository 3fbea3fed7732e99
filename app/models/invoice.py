"""Invoice requests (申请开票): a driver asks for the invoice of a settled order from the link in
its receipt's QR; the station issues it (by hand for now, later through the e-invoice platform
from the same rows) or rejects it with a reason."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

# 个人 or 单位: a company needs its tax number on the invoice, a person has none.
BUYER_TYPES = {"personal": "个人", "company": "单位"}
# requested: waiting for the station; issued: the invoice exists (its number is kept);
# rejected: refused with a reason, the driver may ask again.
INVOICE_STATUSES = {"requested": "已申请", "issued": "已开具", "rejected": "已驳回"}
# One open request per order: a rejected one does not count, so the driver may ask again.
OPEN = text("status <> 'rejected'")


class InvoiceRequest(db.Model):
    __table_args__ = (
        CheckConstraint(one_of("buyer_type", BUYER_TYPES), name="buyer_type_valid"),
        CheckConstraint(one_of("status", INVOICE_STATUSES), name="status_valid"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("buyer_name <> '' AND email <> ''", name="buyer_given"),
        # A company's 统一社会信用代码 (15 to 20 characters); a person has none.
        CheckConstraint(
            "(buyer_type = 'company' AND length(tax_number) BETWEEN 15 AND 20)"
            " OR (buyer_type = 'personal' AND tax_number = '')",
            name="tax_number_given",
        ),
        CheckConstraint(
            "status <> 'issued' OR (invoice_no <> '' AND issued_on IS NOT NULL"
            " AND handled_by_id IS NOT NULL)",
            name="issued_has_number",
        ),
        CheckConstraint(
            "status <> 'rejected' OR (reject_reason <> '' AND handled_by_id IS NOT NULL)",
            name="rejected_why",
        ),
        Index(
            "uq_invoice_request_open_order",
            "order_id",
            unique=True,
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        ),
        Index("ix_invoice_request_order_id", "order_id"),
        Index("ix_invoice_request_station_requested", "station_id", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("fuel_order.id"))
    buyer_type: Mapped[str] = mapped_column(String(10))
    buyer_name: Mapped[str] = mapped_column(String(100))  # 抬头 (名称)
    tax_number: Mapped[str] = mapped_column(String(20), default="")  # 纳税人识别号
    email: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), default="")
    # What the driver paid net of refunds and of the wallet's bonus, when asked and again when
    # issued (a refund in between lowers it).
    amount_fen: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="requested")
    invoice_no: Mapped[str] = mapped_column(String(40), default="")
    issued_on: Mapped[date | None]  # the invoice's date, as printed on it
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def buyer_type_name(self) -> str:
        return BUYER_TYPES.get(self.buyer_type, self.buyer_type)

    @property
    def status_name(self) -> str:
        return INVOICE_STATUSES.get(self.status, self.status)

"""Walk-in sales at the counter (收银): how a settled counter order was paid."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

# How a walk-in sale is paid, and the words on the page and the receipt.
SALE_METHODS = {
    "cash": "现金",
    "pos": "银行卡",
    "terminal": "扫码支付",  # WeChat/Alipay scanned on the station's own terminal
    "wallet": "会员钱包",
}
TERMINAL_APPS = {"wechat": "微信", "alipay": "支付宝"}


class CounterSale(db.Model):
    """One walk-in sale: its order (channel 'counter', settled), the cashier, the payment's
    details. sale_key is the form's token: the same form sent twice records one sale."""

    __table_args__ = (
        CheckConstraint(one_of("method", SALE_METHODS), name="method_valid"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint(
            "(method = 'cash') = (received_fen IS NOT NULL)"
            " AND (method <> 'cash' OR (received_fen >= amount_fen"
            " AND change_fen = received_fen - amount_fen))",
            name="cash_change",
        ),
        CheckConstraint(
            "method NOT IN ('pos', 'terminal') OR reference <> ''", name="reference_given"
        ),
        CheckConstraint(
            "(method = 'terminal') = (terminal_app IS NOT NULL)", name="terminal_app_given"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    sale_key: Mapped[str] = mapped_column(String(40), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("fuel_order.id"), unique=True)
    cashier_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    method: Mapped[str] = mapped_column(String(10))
    amount_fen: Mapped[int]
    received_fen: Mapped[int | None]  # cash handed over
    change_fen: Mapped[int | None]
    terminal_app: Mapped[str | None] = mapped_column(String(10))
    reference: Mapped[str] = mapped_column(String(64), default="")  # POS ref / terminal txn no
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

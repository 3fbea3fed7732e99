"""Double-entry ledger (insert-only) and the wallet balance it backs."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

# Debit-positive, credit-negative: the entries of one transaction sum to zero.
# The accounts, the one list: an entry on any other name fails in Python (Leg) and in the
# database (CHECK). A new account needs a migration that widens the CHECK.
ACCOUNTS = {
    "member_wallet": "会员钱包",  # liability to a member (member_id)
    "wechat_clearing": "微信支付待清算",  # asset: money held by WeChat Pay for the chain
    "prepaid_orders": "预付订单",  # liability: paid, not yet fuelled or refunded (station_id)
    "fuel_revenue": "油品收入",  # income at list price (station_id)
    "promotion_expense": "促销费用",  # member price cuts and other discounts (station_id)
    "refunds_payable": "应付退款",  # refunds sent to WeChat, not yet confirmed
    # WeChat refunds CLOSED or ABNORMAL: owed to the driver until re-issued or put in the wallet
    "refunds_owed": "未到账退款",
    "topup_clearing": "充值待清算",  # money received for wallet top-ups (later issues)
}


class LedgerTransaction(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("fuel_order.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    memo: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerEntry(db.Model):
    __table_args__ = (
        CheckConstraint("amount_fen <> 0", name="amount_nonzero"),
        CheckConstraint(one_of("account", ACCOUNTS), name="account_known"),
        Index("ix_ledger_entry_account_member", "account", "member_id"),
        Index("ix_ledger_entry_order", "order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transaction.id"), index=True)
    account: Mapped[str] = mapped_column(String(30))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("fuel_order.id"))
    amount_fen: Mapped[int]


class Wallet(db.Model):
    """A member's stored value; changes only with its ledger entries, never below zero."""

    __table_args__ = (CheckConstraint("balance_fen >= 0", name="balance_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), unique=True)
    balance_fen: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Double-entry ledger (insert-only) and the wallet balance it backs."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, one_of, utcnow

# Debit-positive, credit-negative: the entries of one transaction sum to zero.
# The accounts, the one list: an entry on any other name fails in Python (Leg) and in the
# database (CHECK). A new account needs a migration that widens the CHECK.
ACCOUNTS = {
    "member_wallet": "会员钱包本金",  # liability to a member: money they paid in (member_id)
    # liability to a member: bonus given with top-ups, spendable, never refunded (member_id)
    "member_bonus": "会员赠送金",
    "bonus_expense": "赠送金费用",  # bonus granted less bonus revoked (station_id if any)
    "cash_drawer": "现金钱箱",  # asset: cash held at a station's counter (station_id)
    "card_clearing": "银行卡待清算",  # asset: bank-card POS takings not yet settled (station_id)
    # asset: WeChat/Alipay scanned on a station's own terminal, not yet settled (station_id)
    "terminal_clearing": "扫码待清算",
    "recharge_cards": "充值卡未兑付",  # liability: recharge cards sold, not yet redeemed
    "wechat_clearing": "微信支付待清算",  # asset: money held by WeChat Pay for the chain
    "prepaid_orders": "预付订单",  # liability: paid, not yet fuelled or refunded (station_id)
    "fuel_revenue": "油品收入",  # income at list price (station_id)
    "promotion_expense": "促销费用",  # member price cuts and other discounts (station_id)
    "refunds_payable": "应付退款",  # refunds sent to WeChat, not yet confirmed
    # WeChat refunds CLOSED or ABNORMAL: owed to the driver until re-issued or put in the wallet
    "refunds_owed": "未到账退款",
    "topup_clearing": "充值待清算",  # top-ups credited from outside any other account (demo)
    # cash found over (credit) or short (debit) when a shift is counted, and its corrections
    "cash_over_short": "现金长短款",
}
WALLET_ACCOUNTS = {"member_wallet": "principal_fen", "member_bonus": "bonus_fen"}
# Where money taken at a station's counter sits, by how it was paid: cash in the drawer, POS
# slips in card clearing, WeChat/Alipay scanned on the station's own terminal in terminal
# clearing. Every entry on these accounts belongs to one shift (shift_id; see
# services/ledger/shifts.py), NULL only while it waits for the next shift to open.
COUNTER_ACCOUNTS = {"cash": "cash_drawer", "pos": "card_clearing", "terminal": "terminal_clearing"}
SHIFT_ACCOUNTS = tuple(COUNTER_ACCOUNTS.values())
_SHIFT_ACCOUNT = "account IN (" + ", ".join(f"'{a}'" for a in SHIFT_ACCOUNTS) + ")"
# Counter entries no shift holds yet: what the next shift to open takes over.
UNSHIFTED_ENTRY = text(f"shift_id IS NULL AND {_SHIFT_ACCOUNT}")
SHIFTED_ENTRY = text("shift_id IS NOT NULL")


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
        CheckConstraint(f"shift_id IS NULL OR {_SHIFT_ACCOUNT}", name="shift_on_counter"),
        Index(
            "ix_ledger_entry_shift",
            "shift_id",
            postgresql_where=SHIFTED_ENTRY,
            sqlite_where=SHIFTED_ENTRY,
        ),
        Index(
            "ix_ledger_entry_unshifted",
            "station_id",
            postgresql_where=UNSHIFTED_ENTRY,
            sqlite_where=UNSHIFTED_ENTRY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transaction.id"), index=True)
    account: Mapped[str] = mapped_column(String(30))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("fuel_order.id"))
    amount_fen: Mapped[int]
    # The shift whose drawer or clearing this counter entry moved (set once, never moved).
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shift.id"))


class Wallet(db.Model):
    """A member's stored value in two balances, principal (paid in) and bonus (given); each
    changes only with its ledger entries (member_wallet, member_bonus), never below zero. A
    frozen wallet pays nothing (credits still arrive)."""

    __table_args__ = (
        CheckConstraint("principal_fen >= 0", name="principal_not_negative"),
        CheckConstraint("bonus_fen >= 0", name="bonus_not_negative"),
        CheckConstraint("(frozen_at IS NULL) = (frozen_reason IS NULL)", name="frozen_with_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), unique=True)
    principal_fen: Mapped[int] = mapped_column(default=0)
    bonus_fen: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    frozen_reason: Mapped[str | None] = mapped_column(String(200))
    frozen_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    @property
    def balance_fen(self) -> int:
        return self.principal_fen + self.bonus_fen

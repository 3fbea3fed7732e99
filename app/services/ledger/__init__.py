"""The double-entry ledger: accounts, balanced postings, wallet balances and the check."""

from app.services.ledger.check import check
from app.services.ledger.postings import (
    InsufficientBalance,
    Leg,
    WalletFrozen,
    post,
    wallet_balance,
)

__all__ = ["InsufficientBalance", "Leg", "WalletFrozen", "check", "post", "wallet_balance"]

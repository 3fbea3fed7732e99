"""The double-entry ledger: accounts, balanced postings, wallet balances and the check."""

from app.services.ledger.postings import InsufficientBalance, Leg, check, post, wallet_balance

__all__ = ["InsufficientBalance", "Leg", "check", "post", "wallet_balance"]

"""The ledger's statement that every payment, settlement and wallet refund runs, built once.

Building it per call cost more than running it (docs/benchmarks.md has the figures). The
ledger's inserts are built where they are used: an INSERT with its values passed as parameters
costs next to nothing to build."""

from datetime import datetime

from sqlalchemy import bindparam, update

from app.extensions import db
from app.models import Wallet

_wallet = Wallet.__table__.c
_MOVE_WALLET = (
    update(Wallet.__table__)
    .where(_wallet.member_id == bindparam("member"))
    .where(_wallet.balance_fen + bindparam("delta") >= 0)
    .values(balance_fen=_wallet.balance_fen + bindparam("delta"), updated_at=bindparam("now"))
)


def move_wallet(member_id: int, delta_fen: int, now: datetime) -> bool:
    """Add delta_fen to the member's wallet unless it would go below zero, or the member has no
    wallet; whether it moved. Concurrent debits can never take a balance below zero."""
    change = {"member": member_id, "delta": delta_fen, "now": now}
    return db.session.execute(_MOVE_WALLET, change).rowcount == 1

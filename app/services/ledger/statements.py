"""The ledger's statement that every payment, settlement and wallet refund runs, built once.

Building it per call cost more than running it (docs/benchmarks.md has the figures). The
ledger's inserts are built where they are used: an INSERT with its values passed as parameters
costs next to nothing to build."""

from datetime import datetime

from sqlalchemy import and_, bindparam, or_, update

from app.extensions import db
from app.models import Wallet

_wallet = Wallet.__table__.c
_delta_p, _delta_b = bindparam("principal"), bindparam("bonus")
_MOVE_WALLET = (
    update(Wallet.__table__)
    .where(_wallet.member_id == bindparam("member"))
    .where(_wallet.principal_fen + _delta_p >= 0, _wallet.bonus_fen + _delta_b >= 0)
    # A frozen wallet takes credits only.
    .where(or_(_wallet.frozen_at.is_(None), and_(_delta_p >= 0, _delta_b >= 0)))
    .values(
        principal_fen=_wallet.principal_fen + _delta_p,
        bonus_fen=_wallet.bonus_fen + _delta_b,
        updated_at=bindparam("now"),
    )
)


def move_wallet(member_id: int, principal_fen: int, bonus_fen: int, now: datetime) -> bool:
    """Add the deltas to the member's principal and bonus unless either would go below zero,
    a debit meets a frozen wallet, or the member has no wallet; whether it moved. Concurrent
    debits can never take a balance below zero."""
    change = {"member": member_id, "principal": principal_fen, "bonus": bonus_fen, "now": now}
    return db.session.execute(_MOVE_WALLET, change).rowcount == 1

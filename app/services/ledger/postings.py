"""The double-entry ledger: balanced postings and the wallet balances that follow them (the
check is check.py)."""

from dataclasses import dataclass

from sqlalchemy import insert, select

from app.extensions import db
from app.models import (
    ACCOUNTS,
    SHIFT_ACCOUNTS,
    WALLET_ACCOUNTS,
    LedgerEntry,
    LedgerTransaction,
    Wallet,
)
from app.models.base import insert_unless_exists, utcnow
from app.services.ledger import shifts, statements
from app.services.platform.errors import ServiceError


class InsufficientBalance(ServiceError):
    status = 409
    code = "insufficient_balance"


class WalletFrozen(ServiceError):
    status = 409
    code = "wallet_frozen"


@dataclass(frozen=True)
class Leg:
    """One entry: debit positive, credit negative, on one of the ledger's ACCOUNTS."""

    account: str
    amount_fen: int
    member_id: int | None = None
    station_id: int | None = None

    def __post_init__(self):
        if self.account not in ACCOUNTS:
            raise ValueError(f"no ledger account named {self.account!r}")


def post(
    chain_id: int,
    kind: str,
    legs: list[Leg],
    *,
    station_id: int | None = None,
    order_id: int | None = None,
    memo: str = "",
    shift_id: int | None = None,
) -> int:
    """Write one balanced transaction in the caller's database transaction; returns its id.

    Wallet legs (member_wallet: principal, member_bonus: bonus) move the cached balances with
    one guarded UPDATE per member, so concurrent debits can never take either below zero
    (InsufficientBalance, or WalletFrozen for a debit of a frozen wallet; the caller's
    transaction must then roll back).

    Counter legs (cash drawer, card and terminal clearing) land in their station's shift in
    progress (ledger.shifts, after the wallets: the order every walk-in sale takes them in), or
    in `shift_id` for the close's own postings.
    """
    legs = [leg for leg in legs if leg.amount_fen != 0]
    if not legs or sum(leg.amount_fen for leg in legs) != 0:
        raise ValueError(f"unbalanced ledger posting {kind}: {legs}")
    moves: dict[int | None, dict[str, int]] = {}
    for leg in legs:
        if leg.account in WALLET_ACCOUNTS:
            deltas = moves.setdefault(leg.member_id, {"member_wallet": 0, "member_bonus": 0})
            deltas[leg.account] -= leg.amount_fen  # a credit to the member raises the balance
    for member_id, deltas in moves.items():
        _move_wallet(chain_id, member_id, deltas["member_wallet"], deltas["member_bonus"])
    shift_of = _shifts(legs, shift_id)
    txn_id = db.session.scalar(
        insert(LedgerTransaction.__table__).returning(LedgerTransaction.id),
        {
            "chain_id": chain_id,
            "station_id": station_id,
            "order_id": order_id,
            "kind": kind,
            "memo": memo,
        },
    )
    db.session.execute(
        insert(LedgerEntry.__table__),
        [
            {
                "chain_id": chain_id,
                "transaction_id": txn_id,
                "account": leg.account,
                "member_id": leg.member_id,
                "station_id": leg.station_id,
                "order_id": order_id,
                "amount_fen": leg.amount_fen,
                "shift_id": shift_of.get(leg.station_id) if leg.account in SHIFT_ACCOUNTS else None,
            }
            for leg in legs
        ],
    )
    return txn_id


def _shifts(legs: list[Leg], shift_id: int | None) -> dict[int, int | None]:
    """The shift of each station the counter legs name: the given one, or each station's shift
    in progress, locked in station order (two postings never wait for each other in a circle)."""
    stations = {leg.station_id for leg in legs if leg.account in SHIFT_ACCOUNTS}
    if None in stations:
        raise ValueError("a counter leg needs its station")
    stations = sorted(stations)
    if shift_id is not None:
        return dict.fromkeys(stations, shift_id)
    return {station: shifts.shift_in_progress(station) for station in stations}


def _move_wallet(chain_id: int, member_id: int | None, principal: int, bonus: int) -> None:
    if member_id is None:
        raise ValueError("a wallet leg needs a member")
    now = utcnow()
    if statements.move_wallet(member_id, principal, bonus, now):
        return
    if principal >= 0 and bonus >= 0:  # a member's first credit: the wallet starts here
        ensure_wallet(chain_id, member_id)
        if statements.move_wallet(member_id, principal, bonus, now):
            return
    frozen = db.session.scalar(select(Wallet.frozen_at).where(Wallet.member_id == member_id))
    if frozen is not None:
        raise WalletFrozen("钱包已冻结，不能支付，请联系油站")
    raise InsufficientBalance("钱包余额不足")


def ensure_wallet(chain_id: int, member_id: int) -> None:
    """The member's wallet, made empty if they have none: INSERT ... ON CONFLICT DO NOTHING, so
    two first credits at once make one wallet (the second waits for the first's)."""
    row = {"chain_id": chain_id, "member_id": member_id, "principal_fen": 0, "bonus_fen": 0}
    insert_unless_exists(Wallet, ("member_id",), row)


def wallet_balance(member_id: int) -> int:
    """Principal and bonus together."""
    query = select(Wallet.principal_fen + Wallet.bonus_fen).where(Wallet.member_id == member_id)
    return db.session.scalar(query) or 0

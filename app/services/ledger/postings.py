"""The double-entry ledger: balanced postings, wallet balances that follow them, and the check."""

from dataclasses import dataclass

from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import (
    ACCOUNTS,
    WALLET_ACCOUNTS,
    LedgerEntry,
    LedgerTransaction,
    Order,
    RechargeCard,
    Refund,
    Topup,
    Wallet,
)
from app.models.base import utcnow
from app.services.ledger import statements
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
) -> int:
    """Write one balanced transaction in the caller's database transaction; returns its id.

    Wallet legs (member_wallet: principal, member_bonus: bonus) move the cached balances with
    one guarded UPDATE per member, so concurrent debits can never take either below zero
    (InsufficientBalance, or WalletFrozen for a debit of a frozen wallet; the caller's
    transaction must then roll back).
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
            }
            for leg in legs
        ],
    )
    return txn_id


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
    if db.session.scalar(select(Wallet.id).where(Wallet.member_id == member_id)) is None:
        db.session.add(Wallet(chain_id=chain_id, member_id=member_id, principal_fen=0, bonus_fen=0))
        db.session.flush()


def wallet_balance(member_id: int) -> int:
    """Principal and bonus together."""
    query = select(Wallet.principal_fen + Wallet.bonus_fen).where(Wallet.member_id == member_id)
    return db.session.scalar(query) or 0


def check() -> list[str]:
    """Every problem found: unbalanced transactions, wallets off their entries, orders whose
    paid - refunded differs from what the ledger holds for them, refund accounts off their
    refunds, recharge cards, top-up lots holding more than their wallet's principal. Empty
    means all is well."""
    problems = []
    unbalanced = db.session.execute(
        select(LedgerEntry.transaction_id, func.sum(LedgerEntry.amount_fen))
        .group_by(LedgerEntry.transaction_id)
        .having(func.sum(LedgerEntry.amount_fen) != 0)
    )
    problems += [f"transaction {t} sums to {s}, not 0" for t, s in unbalanced]

    for account, column in WALLET_ACCOUNTS.items():
        from_entries = dict(
            db.session.execute(
                select(LedgerEntry.member_id, -func.sum(LedgerEntry.amount_fen))
                .where(LedgerEntry.account == account)
                .group_by(LedgerEntry.member_id)
            ).all()
        )
        cached = dict(db.session.execute(select(Wallet.member_id, getattr(Wallet, column))).all())
        for member_id in sorted(set(from_entries) | set(cached)):
            expected, actual = from_entries.get(member_id, 0), cached.get(member_id, 0)
            if expected != actual:
                problems.append(
                    f"wallet of member {member_id}: {column[:-4]} {actual}, entries {expected}"
                )

    # For each order: what it still holds as prepaid plus its net revenue = paid - refunded.
    held = dict(
        db.session.execute(
            select(LedgerEntry.order_id, -func.sum(LedgerEntry.amount_fen))
            .where(
                LedgerEntry.order_id.is_not(None),
                LedgerEntry.account.in_(("prepaid_orders", "fuel_revenue", "promotion_expense")),
            )
            .group_by(LedgerEntry.order_id)
        ).all()
    )
    for order_id, paid, refunded in db.session.execute(
        select(Order.id, Order.paid_fen, Order.refunded_fen)
    ):
        in_ledger = held.get(order_id, 0)
        if in_ledger != paid - refunded:
            problems.append(f"order {order_id}: paid {paid} - refunded {refunded} != {in_ledger}")
    return problems + _order_bonus() + _refund_accounts() + _recharge_cards() + _lots()


def _order_bonus() -> list[str]:
    """Each order's bonus legs: what it took from bonus balances less what went back."""
    in_ledger = dict(
        db.session.execute(
            select(LedgerEntry.order_id, func.sum(LedgerEntry.amount_fen))
            .where(LedgerEntry.account == "member_bonus", LedgerEntry.order_id.is_not(None))
            .group_by(LedgerEntry.order_id)
        ).all()
    )
    on_orders = dict(
        db.session.execute(
            select(Order.id, Order.bonus_paid_fen - Order.bonus_refunded_fen).where(
                (Order.bonus_paid_fen > 0) | Order.id.in_(list(in_ledger))
            )
        ).all()
    )
    return [
        f"order {order_id}: bonus {on_orders.get(order_id, 0)} != {in_ledger.get(order_id, 0)}"
        for order_id in sorted(set(in_ledger) | set(on_orders))
        if on_orders.get(order_id, 0) != in_ledger.get(order_id, 0)
    ]


def _refund_accounts() -> list[str]:
    """refunds_payable holds the WeChat refunds still under way; refunds_owed those WeChat
    gave up on that staff have not followed up yet."""
    problems = []
    waiting = {
        "refunds_payable": (
            Refund.method == "wechat",
            Refund.status.in_(("PENDING", "PROCESSING")),
        ),
        "refunds_owed": (Refund.status.in_(("CLOSED", "ABNORMAL")), Refund.followup.is_(None)),
    }
    for account, where in waiting.items():
        expected = db.session.scalar(select(func.sum(Refund.amount_fen)).where(*where)) or 0
        booked = -(
            db.session.scalar(
                select(func.sum(LedgerEntry.amount_fen)).where(LedgerEntry.account == account)
            )
            or 0
        )
        if booked != expected:
            problems.append(f"{account}: {booked} in the ledger, {expected} in the refunds")
    return problems


def _recharge_cards() -> list[str]:
    """recharge_cards owes the face value of every card sold and neither redeemed nor voided."""
    owed = db.session.scalar(
        select(func.sum(RechargeCard.face_fen)).where(RechargeCard.status == "active")
    )
    booked = db.session.scalar(
        select(func.sum(LedgerEntry.amount_fen)).where(LedgerEntry.account == "recharge_cards")
    )
    if -(booked or 0) != (owed or 0):
        return [f"recharge_cards: {-(booked or 0)} in the ledger, {owed or 0} on sold cards"]
    return []


def _lots() -> list[str]:
    """A member's top-up lots (members.wallet_split) hold together no more than the wallet's
    principal: what a driver may send back to WeChat is in the wallet. (Each lot's spent +
    refunded <= principal is a CHECK.)"""
    unspent = Topup.principal_fen - Topup.spent_principal_fen - Topup.refunded_principal_fen
    rows = db.session.execute(
        select(Topup.member_id, func.sum(unspent), func.coalesce(Wallet.principal_fen, 0))
        .outerjoin(Wallet, Wallet.member_id == Topup.member_id)
        .where(Topup.status == "credited")
        .group_by(Topup.member_id, Wallet.principal_fen)
        .having(func.sum(unspent) > func.coalesce(Wallet.principal_fen, 0))
    )
    return [
        f"top-ups of member {member_id}: {lots} unspent, wallet principal {principal}"
        for member_id, lots, principal in rows
    ]

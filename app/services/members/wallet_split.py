"""Which of a wallet's two balances money comes from and goes back to, and which principal a
driver may have sent back to WeChat: the one rule.

A wallet holds principal (money the driver paid in: WeChat, cash or bank card top-ups,
recharge cards, refunds of what they paid) and bonus (given with top-ups: 充500送30).

- Spending takes **principal first**, then bonus. The bonus is the station's gift for money
  spent; it is used last, so the principal a driver may later ask back is never inflated by
  bonus, and bonus is never refunded as if it were paid.
- A refund of an order paid from the wallet goes back **in proportion** to how that order was
  paid (half-up to the fen on the bonus part; the last refund takes exactly what is left), so
  an order refunded in full restores both balances exactly.
- Every credited top-up, whatever its channel (WeChat, cash, bank card, recharge card), is a
  **lot** of principal. Principal spent consumes lots **first in, first out** (the oldest
  credited first: consume_lots); principal an order refund gives back to the wallet restores
  lots **last in, first out** (the most recently consumed first, never more than was
  consumed: restore_lots). Principal from anywhere else (order refunds beyond what they
  restore, refund follow-ups paid into the wallet, the demo's topup_clearing) is no lot.
- A WeChat top-up can give back to WeChat only **its own lot's principal not yet spent nor
  refunded**, never more than the wallet's principal (refundable): cash paid at a counter, or
  a card bought with cash, never leaves through WeChat.
- Unspent principal of a top-up refunded to WeChat revokes that top-up's bonus **in proportion**
  (revoked_bonus), never more than the bonus balance holds.

Lots change only under the wallet's row lock, taken first (consume_lots and restore_lots take
it themselves): the one lock order is wallet, then the member's top-ups. Each lot moves by a
guarded UPDATE, and a CHECK keeps spent + refunded <= principal, so the lots of a member hold
together no more than the wallet's principal (ledger.check verifies it).
"""

from sqlalchemy import select, update

from app.extensions import db
from app.models import Topup, Wallet
from app.services.platform.errors import Conflict
from app.services.platform.money import round_half_up

_LOT_MOVED = "钱包刚刚有变化，请重试"


def spend(member_id: int, amount_fen: int) -> tuple[int, int]:
    """(principal, bonus) an order of amount_fen takes from the member's wallet, principal
    first. Reads the wallet under a row lock (PostgreSQL), so the split matches the balances
    the posting then moves; on SQLite the guarded update still refuses a short balance."""
    row = db.session.execute(
        select(Wallet.principal_fen, Wallet.bonus_fen)
        .where(Wallet.member_id == member_id)
        .with_for_update()
    ).first()
    principal_balance = row.principal_fen if row else 0
    principal = min(principal_balance, amount_fen)
    return principal, amount_fen - principal


def give_back(
    paid_fen: int, refunded_fen: int, bonus_paid_fen: int, bonus_refunded_fen: int, amount_fen: int
) -> tuple[int, int]:
    """(principal, bonus) a refund of amount_fen returns to the wallet for an order that took
    bonus_paid_fen of its paid_fen from the bonus: in proportion to what is still unrefunded."""
    left = paid_fen - refunded_fen
    bonus_left = bonus_paid_fen - bonus_refunded_fen
    if not 0 < amount_fen <= left:
        raise ValueError(f"refund {amount_fen} outside 0..{left}")
    bonus = bonus_left if amount_fen == left else round_half_up(amount_fen * bonus_left, left)
    bonus = min(bonus, bonus_left, amount_fen)
    return amount_fen - bonus, bonus


def revoked_bonus(topup_principal: int, topup_bonus: int, refunded_principal: int) -> int:
    """The bonus a top-up loses when refunded_principal of its principal goes back: in
    proportion, half-up to the fen."""
    if topup_principal <= 0:
        return 0
    return min(topup_bonus, round_half_up(topup_bonus * refunded_principal, topup_principal))


def refundable(principal_fen: int, spent_fen: int, refunded_fen: int, wallet_principal: int) -> int:
    """What of a WeChat top-up's principal may go back to WeChat now: its lot's principal not
    yet spent nor refunded, never more than the wallet's principal."""
    return max(0, min(principal_fen - spent_fen - refunded_fen, wallet_principal))


def lock_wallet(member_id: int) -> None:
    """Take the member's wallet row (PostgreSQL; a no-op when this transaction holds it): the
    first lock of anything that moves lots."""
    db.session.execute(
        select(Wallet.id).where(Wallet.member_id == member_id).with_for_update()
    ).first()


def consume_lots(member_id: int, principal_fen: int) -> int:
    """Spend principal_fen of principal from the member's lots, oldest credited first, in the
    caller's transaction; returns how much came from lots (the rest was no lot's)."""
    if principal_fen <= 0:
        return 0
    lock_wallet(member_id)
    unspent = Topup.principal_fen - Topup.spent_principal_fen - Topup.refunded_principal_fen
    lots = db.session.execute(
        select(Topup.id, unspent)
        .where(Topup.member_id == member_id, Topup.status == "credited", unspent > 0)
        .order_by(Topup.credited_at, Topup.id)
    ).all()
    left = principal_fen
    for lot_id, lot_unspent in lots:
        if left == 0:
            break
        take = min(left, lot_unspent)
        _move_lot(lot_id, take, unspent >= take)
        left -= take
    return principal_fen - left


def restore_lots(member_id: int, principal_fen: int) -> int:
    """Give principal_fen of principal back to the member's lots, the most recently consumed
    first, never more than they had consumed, in the caller's transaction; returns how much
    went back to lots."""
    if principal_fen <= 0:
        return 0
    lock_wallet(member_id)
    lots = db.session.execute(
        select(Topup.id, Topup.spent_principal_fen)
        .where(
            Topup.member_id == member_id,
            Topup.status == "credited",
            Topup.spent_principal_fen > 0,
        )
        .order_by(Topup.credited_at.desc(), Topup.id.desc())
    ).all()
    left = principal_fen
    for lot_id, spent in lots:
        if left == 0:
            break
        back = min(left, spent)
        _move_lot(lot_id, -back, Topup.spent_principal_fen >= back)
        left -= back
    return principal_fen - left


def _move_lot(lot_id: int, spent_delta: int, guard) -> None:
    """spent += spent_delta on one lot, only while guard holds (under the wallet's lock it
    does; the CHECK on topup is the backstop)."""
    moved = db.session.execute(
        update(Topup)
        .where(Topup.id == lot_id, Topup.status == "credited", guard)
        .values(spent_principal_fen=Topup.spent_principal_fen + spent_delta)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise Conflict(_LOT_MOVED)

"""Which of a wallet's two balances money comes from and goes back to: the one rule.

A wallet holds principal (money the driver paid in: WeChat, cash or bank card top-ups,
recharge cards, refunds of what they paid) and bonus (given with top-ups: 充500送30).

- Spending takes **principal first**, then bonus. The bonus is the station's gift for money
  spent; it is used last, so the principal a driver may later ask back is never inflated by
  bonus, and bonus is never refunded as if it were paid.
- A refund of an order paid from the wallet goes back **in proportion** to how that order was
  paid (half-up to the fen on the bonus part; the last refund takes exactly what is left), so
  an order refunded in full restores both balances exactly.
- Unspent principal of a top-up refunded to WeChat revokes that top-up's bonus **in proportion**
  (top_ups.revoked_bonus), never more than the bonus balance holds.
"""

from sqlalchemy import select

from app.extensions import db
from app.models import Wallet
from app.services.platform.money import round_half_up


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

"""Where a refund's money goes, as ledger legs: the other side of every refund's posting."""

from sqlalchemy import select, update

from app.extensions import db
from app.models import COUNTER_ACCOUNTS, Order, Refund
from app.services.ledger.postings import Leg
from app.services.members import wallet_split


def target_legs(order: Order, refund: Refund) -> list[Leg]:
    """Where a refund's money goes: to refunds_payable for WeChat to pay out, out of the
    station's drawer, card or terminal clearing for a walk-in sale, or back into the wallet
    split the way the order was paid (members.wallet_split.give_back), its principal restoring
    the member's top-up lots (restore_lots: the wallet's lock first, then the lots)."""
    if refund.method in COUNTER_ACCOUNTS:
        account = COUNTER_ACCOUNTS[refund.method]
        return [Leg(account, -refund.amount_fen, station_id=order.station_id)]
    if refund.method != "wallet":
        return [Leg("refunds_payable", -refund.amount_fen)]
    principal, bonus = refund.amount_fen, 0
    if order.bonus_paid_fen:  # set once, when paid; the refunds so far are read afresh
        now = db.session.execute(
            select(Order.paid_fen, Order.refunded_fen, Order.bonus_refunded_fen).where(
                Order.id == order.id
            )
        ).one()  # the row is ours since add_refunded: this refund is counted in it
        principal, bonus = wallet_split.give_back(
            now.paid_fen,
            now.refunded_fen - refund.amount_fen,
            order.bonus_paid_fen,
            now.bonus_refunded_fen,
            refund.amount_fen,
        )
    if bonus:
        db.session.execute(
            update(Order.__table__)
            .where(Order.id == order.id)
            .values(bonus_refunded_fen=Order.bonus_refunded_fen + bonus)
        )
    wallet_split.restore_lots(order.member_id, principal)
    return [
        Leg("member_wallet", -principal, member_id=order.member_id),
        Leg("member_bonus", -bonus, member_id=order.member_id),
    ]

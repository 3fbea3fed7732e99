"""Paid orders and counter refunds for the counter refund tests."""

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import (
    CounterRefundRequest,
    LedgerTransaction,
    Member,
    Order,
    Refund,
    Staff,
    Station,
)
from app.services import ledger, orders, payments
from app.services.payments import counter_refunds
from tests.factories import PASSWORD, make_member
from tests.money.helpers import credit_wallet


def driver(world, openid: str = "o-counter-refund") -> Member:
    member = make_member(world.chain, openid)
    credit_wallet(member, 100_000)
    return member


def paid_order(world, member: Member, station=None, amount_fen: int = 20000) -> Order:
    """An order paid from the wallet, not fuelled yet."""
    station = station or world.station_a
    order = orders.place_order(
        member, station.id, fuel_code="92", nozzle_number=None, mode="amount", amount_fen=amount_fen
    )
    return payments.pay_with_wallet(member, order.id)


def set_threshold(station: Station, fen: int) -> None:
    db.session.execute(
        update(Station).where(Station.id == station.id).values(refund_approval_threshold_fen=fen)
    )
    db.session.commit()


def pending_request(actor: Staff, order: Order, amount_fen: int) -> CounterRefundRequest:
    """A refund above the station's threshold, waiting for approval."""
    made = counter_refunds.request_refund(
        actor, order.id, amount_fen, "fuel_quality", "车主反映油品有杂质", PASSWORD
    )
    assert made.status == "pending"
    return made


def form(amount: str, reason: str = "overcharged", note: str = "", secret: str = PASSWORD):
    return {"amount": amount, "reason": reason, "note": note, "secret": secret}


def money_state(order_id: int, member_id: int) -> tuple:
    """Everything a refund would change: the order, refunds, requests, ledger and wallet."""
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    return (
        order.status,
        order.refunded_fen,
        db.session.scalar(select(func.count(Refund.id))),
        db.session.scalar(select(func.count(CounterRefundRequest.id))),
        db.session.scalar(select(func.count(LedgerTransaction.id))),
        ledger.wallet_balance(member_id),
    )

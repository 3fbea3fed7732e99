"""Walk-in sale helpers: a sale through the service, what was saved, members with a wallet."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import CounterSale, LedgerEntry, Member, Order
from app.services.counter import walkin_sale
from app.services.counter.walkin_sale import Payment
from app.services.members import member_code
from tests.console.member_helpers import driver
from tests.money.topup_helpers import credited_topup


def sell(
    world, payment: Payment, *, nozzle=1, litres=None, amount=None, by=None, station=None, key=None
) -> CounterSale:
    """A sale at station A by its cashier unless told otherwise; litres in ml, amount in fen."""
    return walkin_sale.record_sale(
        by or world.cashier_a,
        (station or world.station_a).id,
        key or walkin_sale.new_sale_key(),
        nozzle,
        payment,
        volume_ml=litres,
        amount_fen=amount,
    )


def order_of(sale: CounterSale) -> Order:
    db.session.expire_all()
    return db.session.get(Order, sale.order_id)


def legs(order: Order) -> dict[str, int]:
    """The order's ledger entries by account."""
    query = (
        select(LedgerEntry.account, func.sum(LedgerEntry.amount_fen))
        .where(LedgerEntry.order_id == order.id)
        .group_by(LedgerEntry.account)
    )
    return dict(db.session.execute(query).all())


def saved() -> tuple[int, int, int]:
    """(orders, counter sales, ledger entries) in the database."""
    db.session.expire_all()
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return count(Order), count(CounterSale), count(LedgerEntry)


def member_with_wallet(world, principal_fen=20_000, bonus_fen=15_000) -> Member:
    member = driver(world, "李师傅", "13900001111")
    credited_topup(member, world.station_a, principal_fen=principal_fen, bonus_fen=bonus_fen)
    return member


def code_for(member: Member) -> str:
    code, _ = member_code.issue(member)
    return code

"""Helpers for money tests: wallet credit through the real ledger, ledger assertions."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Member
from app.services import ledger, orders
from app.services.ledger.postings import Leg
from app.services.platform import outbox


def credit_wallet(member: Member, amount_fen: int) -> None:
    """A top-up as the ledger books it (the top-up flow itself comes later)."""
    ledger.post(
        member.chain_id,
        "wallet.topup",
        [Leg("topup_clearing", amount_fen), Leg("member_wallet", -amount_fen, member_id=member.id)],
    )
    db.session.commit()


def place(member: Member, station, **how):
    """An order placed through the real service: 50 元 of 92# unless told otherwise."""
    how = {"fuel_code": "92", "nozzle_number": None, "mode": "amount", "amount_fen": 5000} | how
    return orders.place_order(member, station.id, **how)


def count(model, *where) -> int:
    """How many rows of model match where."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def row_counts(*models) -> dict[str, int]:
    """How many rows each table holds, by model name (what a refused request must leave as is)."""
    db.session.expire_all()
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


def assert_ledger_ok() -> None:
    problems = ledger.check()
    assert problems == [], problems


def run_jobs() -> int:
    """Run every due job until none is left (jobs may queue further jobs)."""
    total = 0
    while ran := outbox.run_due():
        total += ran
    return total

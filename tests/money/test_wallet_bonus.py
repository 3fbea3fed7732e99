"""The one spending rule with money from top-ups: an order takes principal first, then bonus;
its refunds go back in proportion; a frozen wallet pays nothing but still takes credits."""

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import LedgerEntry, LedgerTransaction, Order, Wallet
from app.models.base import utcnow
from app.services import ledger, payments
from app.services.payments import cancellation, refunds
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, place
from tests.money.topup_helpers import balances, credited_topup


@pytest.fixture
def member(world):
    member = make_member(world.chain)
    credited_topup(member, world.station_a, principal_fen=10_000, bonus_fen=3_000)
    return member


def order_legs(order_id: int, kind: str) -> dict[str, int]:
    """The entries of the order's (last) transaction of this kind, by account."""
    txn_id = db.session.scalar(
        select(func.max(LedgerTransaction.id)).where(
            LedgerTransaction.order_id == order_id, LedgerTransaction.kind == kind
        )
    )
    rows = db.session.execute(
        select(LedgerEntry.account, LedgerEntry.amount_fen).where(
            LedgerEntry.transaction_id == txn_id
        )
    )
    return dict(rows.all())


def test_principal_first_then_bonus_and_refunds_in_proportion(world, member):
    order = place(member, world.station_a, amount_fen=12_000)
    paid = payments.pay_with_wallet(member, order.id)
    assert (paid.paid_fen, paid.bonus_paid_fen) == (12_000, 2_000)
    assert balances(member.id) == (0, 1_000)
    assert order_legs(order.id, "order.pay.wallet") == {
        "member_wallet": 10_000,
        "member_bonus": 2_000,
        "prepaid_orders": -12_000,
    }

    refunds.refund_order(world.cashier_a, order.id, 3_000, "少加了")  # a quarter of it
    assert order_legs(order.id, "refund.manual") == {
        "prepaid_orders": 3_000,
        "member_wallet": -2_500,
        "member_bonus": -500,  # 2,000 x 3,000 / 12,000
    }
    assert balances(member.id) == (2_500, 1_500)

    cancellation.cancel_order(member, order.id)  # the rest: exactly what is left of each
    assert order_legs(order.id, "refund.cancel") == {
        "prepaid_orders": 9_000,
        "member_wallet": -7_500,
        "member_bonus": -1_500,
    }
    assert balances(member.id) == (10_000, 3_000)
    final = db.session.get(Order, order.id)
    assert (final.refunded_fen, final.bonus_refunded_fen) == (12_000, 2_000)
    assert_ledger_ok()


def test_an_order_within_the_principal_takes_no_bonus(world, member):
    paid = payments.pay_with_wallet(member, place(member, world.station_a, amount_fen=9_999).id)
    assert paid.bonus_paid_fen == 0
    assert order_legs(paid.id, "order.pay.wallet") == {
        "member_wallet": 9_999,
        "prepaid_orders": -9_999,
    }
    assert balances(member.id) == (1, 3_000)
    assert_ledger_ok()


def test_a_frozen_wallet_pays_nothing_but_takes_credits(world, member):
    order = place(member, world.station_a, amount_fen=5_000)
    db.session.execute(
        update(Wallet)
        .where(Wallet.member_id == member.id)
        .values(frozen_at=utcnow(), frozen_reason="疑似盗刷，待核实")
    )
    db.session.commit()
    with pytest.raises(ledger.WalletFrozen, match="冻结"):
        payments.pay_with_wallet(member, order.id)
    assert db.session.get(Order, order.id).status == "created"
    credited_topup(member, world.station_a, principal_fen=5_000, bonus_fen=0)
    assert balances(member.id) == (15_000, 3_000)
    assert_ledger_ok()

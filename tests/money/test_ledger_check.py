"""`flask ledger check` proves the books, and says exactly what is off when they are not."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.extensions import db
from app.models.order import ORDER_STATUSES
from app.services import ledger, payments
from app.services.ledger.postings import Leg
from app.services.orders import order_state
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, credit_wallet, place


@pytest.fixture
def paid(world):
    member = make_member(world.chain)
    credit_wallet(member, 30_000)
    order = place(member, world.station_a, amount_fen=10_000)
    return member, payments.pay_with_wallet(member, order.id)


def test_check_passes_then_reports_a_tampered_wallet_and_order(app, paid):
    member, order = paid
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["ledger", "check"])
    assert ok.exit_code == 0 and "ok" in ok.output
    db.session.execute(text("UPDATE wallet SET principal_fen = principal_fen + 500"))
    db.session.execute(text(f"UPDATE fuel_order SET paid_fen = 9000 WHERE id = {order.id}"))
    db.session.commit()
    bad = runner.invoke(args=["ledger", "check"])
    assert bad.exit_code != 0
    assert f"wallet of member {member.id}: principal 20500, entries 20000" in bad.output
    assert f"order {order.id}: paid 9000 - refunded 0 != 10000" in bad.output


def test_ledger_rows_are_append_only_and_postings_must_balance(paid):
    for statement in ("UPDATE ledger_entry SET amount_fen = 1", "DELETE FROM ledger_transaction"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    with pytest.raises(ValueError, match="unbalanced"):
        ledger.post(paid[1].chain_id, "test", [Leg("wechat_clearing", 100)])


def test_database_refuses_an_unbalanced_transaction_at_commit(paid):
    """Even code that bypasses ledger.post cannot commit entries that do not sum to zero."""
    _, order = paid
    db.session.execute(
        text(
            "INSERT INTO ledger_transaction (chain_id, kind, memo, created_at) "
            f"VALUES ({order.chain_id}, 'forged', '', now())"
        )
    )
    txn_id = db.session.execute(text("SELECT max(id) FROM ledger_transaction")).scalar()
    db.session.execute(
        text(
            "INSERT INTO ledger_entry (chain_id, transaction_id, account, amount_fen) "
            f"VALUES ({order.chain_id}, {txn_id}, 'wechat_clearing', 100)"
        )
    )
    with pytest.raises(DBAPIError, match="does not balance"):
        db.session.commit()
    db.session.rollback()
    assert ledger.check() == []


def test_a_misspelt_account_is_refused_in_python_and_by_the_database(paid):
    member, order = paid
    with pytest.raises(ValueError, match="no ledger account named 'member_walet'"):
        Leg("member_walet", 100, member_id=member.id)
    transaction_id = db.session.scalar(text("SELECT max(id) FROM ledger_transaction"))
    with pytest.raises(IntegrityError, match="account_known"):
        db.session.execute(
            text(
                "INSERT INTO ledger_entry (chain_id, transaction_id, account, amount_fen)"
                " VALUES (:chain, :txn, 'member_walet', 100)"
            ),
            {"chain": order.chain_id, "txn": transaction_id},
        )
    db.session.rollback()
    assert_ledger_ok()


def test_the_state_machine_and_the_model_know_the_same_statuses(paid):
    _member, order = paid
    assert order_state.TRANSITIONS.keys() == ORDER_STATUSES.keys()
    with pytest.raises(IntegrityError, match="status_valid"):
        db.session.execute(
            text("UPDATE fuel_order SET status = 'fuelled' WHERE id = :id"), {"id": order.id}
        )
    db.session.rollback()
    assert_ledger_ok()

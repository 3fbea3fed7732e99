"""`flask ledger check` proves the books, and says exactly what is off when they are not."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.extensions import db
from app.models.order import ORDER_STATUSES
from app.services import ledger, payments
from app.services.ledger.postings import Leg
from app.services.members import card_redemption, card_voids, counter_topups
from app.services.orders import order_state
from tests.factories import make_member
from tests.money.card_helpers import card, new_batch, sold_card
from tests.money.helpers import assert_ledger_ok, credit_wallet, place
from tests.money.topup_helpers import credited_topup, make_package


@pytest.fixture
def paid(world):
    member = make_member(world.chain)
    credit_wallet(member, 30_000)
    order = place(member, world.station_a, amount_fen=10_000)
    return member, payments.pay_with_wallet(member, order.id)


@pytest.mark.ledger_tampered
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


@pytest.fixture
def topped_up(world):
    """A member with a WeChat top-up (bonus), a cash and a POS top-up approved at station A
    (the cash one with a package's bonus), and a recharge card sold at A and redeemed."""
    member = make_member(world.chain)
    wechat = credited_topup(member, world.station_a, principal_fen=50_000, bonus_fen=3_000)
    bonus_package = make_package(world.chain, pay_fen=20_000, bonus_fen=1_000)
    cash = counter_topups.request_counter_topup(
        world.cashier_a, world.station_a.id, member.id, "cash", None, "", "", bonus_package.id
    )
    counter_topups.approve_counter_topup(world.manager_a, cash.id)
    pos = counter_topups.request_counter_topup(
        world.cashier_a, world.station_a.id, member.id, "pos", 8_000, "POS-1", "", None
    )
    counter_topups.approve_counter_topup(world.manager_a, pos.id)
    made = new_batch(world.manager_a, world.station_a, face_fen=10_000)
    number, secret = sold_card(
        world.cashier_a, world.station_a, made, payment="pos", pos_reference="POS-2"
    )
    card_redemption.redeem_card(member, number, secret)
    assert_ledger_ok()
    return member, wechat, cash, pos


def _tamper(sql: str, **params) -> list[str]:
    db.session.execute(text(sql), params)
    db.session.commit()
    return ledger.check()


@pytest.mark.ledger_tampered
def test_check_sees_bonus_expense_off_the_top_ups_bonus(world, topped_up):
    _, wechat, _, _ = topped_up
    problems = _tamper("UPDATE topup SET revoked_bonus_fen = 500 WHERE id = :id", id=wechat.id)
    station = world.station_a.id
    assert problems == [f"bonus_expense of station {station}: 4000 in the ledger, 3500 on top-ups"]


@pytest.mark.ledger_tampered
def test_check_sees_the_cash_drawer_off_the_cash_top_ups(world, topped_up):
    member, _, cash, _ = topped_up
    problems = _tamper("UPDATE topup SET status = 'rejected' WHERE id = :id", id=cash.id)
    station = world.station_a.id
    assert f"bonus_expense of station {station}: 4000 in the ledger, 3000 on top-ups" in problems
    assert (
        f"cash_drawer of station {station}: 20000 in the ledger, 0 from cash top-ups and cards"
        " sold" in problems
    )
    assert (
        f"top-up credits of member {member.id}: 88000 in the ledger, 68000 on credited top-ups"
        in problems
    )


@pytest.mark.ledger_tampered
def test_check_sees_card_clearing_off_its_top_ups_and_cards(world, topped_up):
    _, _, _, pos = topped_up
    station = world.station_a.id
    problems = _tamper("UPDATE recharge_card SET sold_payment = 'cash'")
    assert problems == [
        f"cash_drawer of station {station}: 20000 in the ledger, 30000 from cash top-ups and"
        " cards sold",
        f"card_clearing of station {station}: 18000 in the ledger, 8000 from pos top-ups and"
        " cards sold",
    ]
    _tamper("UPDATE recharge_card SET sold_payment = 'pos'")
    problems = _tamper(
        "UPDATE topup SET station_id = :s WHERE id = :id", s=world.station_b.id, id=pos.id
    )
    assert problems == [
        f"card_clearing of station {station}: 18000 in the ledger, 10000 from pos top-ups and"
        " cards sold",
        f"card_clearing of station {world.station_b.id}: 0 in the ledger, 8000 from pos top-ups"
        " and cards sold",
    ]


@pytest.mark.ledger_tampered
def test_a_voided_sold_card_leaves_the_drawer_as_it_was(world):
    made = new_batch(world.manager_a, world.station_a, count=2)
    sold_card(world.cashier_a, world.station_a, made, index=0)
    sold_card(world.cashier_a, world.station_a, made, index=1)
    card_voids.void_card(world.manager_a, card(made.cards[0][0]).id, "卖错了")
    assert_ledger_ok()
    problems = _tamper("UPDATE recharge_card SET status = 'active' WHERE status = 'void'")
    station = world.station_a.id
    assert (
        f"cash_drawer of station {station}: 10000 in the ledger, 20000 from cash top-ups and"
        " cards sold" in problems
    )


@pytest.mark.ledger_tampered
def test_check_sees_a_member_credited_for_a_top_up_they_do_not_have(world, topped_up):
    member, wechat, _, _ = topped_up
    other = make_member(world.chain, openid="o-other")
    problems = _tamper("UPDATE topup SET member_id = :m WHERE id = :id", m=other.id, id=wechat.id)
    assert problems == [
        f"top-up credits of member {member.id}: 88000 in the ledger, 38000 on credited top-ups",
        f"top-up credits of member {other.id}: 0 in the ledger, 50000 on credited top-ups",
        f"top-ups of member {other.id}: 50000 unspent, wallet principal 0",
    ]

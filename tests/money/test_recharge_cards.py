"""Recharge cards, the staff side: batches and their secrets, selling at the counter (with its
ledger), station-bound batches, voiding a card or a batch and the money that goes back."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import AuditLog, CardBatch, LedgerEntry, RechargeCard
from app.services import ledger
from app.services.members import card_redemption, card_secrets, card_voids, recharge_cards
from app.services.platform.errors import Conflict, Invalid, PermissionDenied
from tests.factories import make_member
from tests.money.card_helpers import account_total, card, new_batch, sold_card
from tests.money.helpers import assert_ledger_ok


def test_a_batch_stores_only_keyed_hashes_of_its_secrets(world):
    made = new_batch(world.manager_a, world.station_a, count=5)
    numbers = [number for number, _ in made.cards]
    assert len(set(numbers)) == 5 and all(card_secrets.well_formed(n) for n in numbers)
    assert all(len(s) == 16 and s.isdigit() for _, s in made.cards)
    assert len({s for _, s in made.cards}) == 5
    rows = db.session.scalars(select(RechargeCard).order_by(RechargeCard.number)).all()
    assert [(r.status, r.face_fen, r.station_id) for r in rows] == [
        ("new", 10_000, world.station_a.id)
    ] * 5
    for row, (number, secret) in zip(rows, made.cards, strict=True):
        assert row.number == number
        assert row.secret_hash == card_secrets.hash_secret(number, secret)
    # No table holds a secret, or the seed they come from, in the clear.
    secrets = [secret for _, secret in made.cards] + [made.seed]
    for table in db.metadata.sorted_tables:
        dump = db.session.scalars(text(f'SELECT CAST(t AS text) FROM "{table.name}" t')).all()
        assert not any(s in row for s in secrets for row in dump), table.name
    assert "secret" not in repr(made) and made.cards[0][1] not in repr(made)
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "card_batch.create")).one()
    assert entry.after["count"] == 5 and entry.station_id == world.station_a.id


def test_secrets_are_keyed_by_the_card_key_alone(app, world, monkeypatch):
    """Rotating SECRET_KEY leaves sold cards redeemable; CARD_SECRET_KEY is what keys them."""
    made = new_batch(world.manager_a, world.station_a, count=1)
    number, secret = sold_card(world.cashier_a, world.station_a, made)
    stored = card(number).secret_hash
    monkeypatch.setitem(app.config, "SECRET_KEY", "a-rotated-session-key-" + "x" * 20)
    assert card_secrets.hash_secret(number, secret) == stored
    monkeypatch.setitem(app.config, "CARD_SECRET_KEY", "another-card-key-" + "y" * 20)
    assert card_secrets.hash_secret(number, secret) != stored
    monkeypatch.undo()
    redeemed = card_redemption.redeem_card(make_member(world.chain), number, secret)
    assert redeemed.card.status == "redeemed"
    assert_ledger_ok()


def test_who_may_create_a_batch_for_which_station(world):
    with pytest.raises(PermissionDenied):
        new_batch(world.manager_a, world.station_b)
    with pytest.raises(PermissionDenied):
        new_batch(world.manager_a, None)  # chain-wide: chain admins only
    with pytest.raises(PermissionDenied):
        new_batch(world.cashier_a, world.station_a)
    assert new_batch(world.admin, None).batch.station_id is None
    assert new_batch(world.admin, world.station_b).batch.station_id == world.station_b.id
    assert db.session.scalar(select(func.count(CardBatch.id))) == 2


def test_batch_fields_are_checked(world):
    with pytest.raises(Invalid) as refused:
        recharge_cards.create_batch(world.manager_a, world.station_a.id, " ", 50, 0, None)
    assert set(refused.value.fields) == {"name", "face_fen", "count", "expires_at"}
    with pytest.raises(Invalid) as refused:
        new_batch(world.manager_a, world.station_a, count=10_001)
    assert set(refused.value.fields) == {"count"}
    assert db.session.scalar(select(func.count(RechargeCard.id))) == 0


def test_the_sheet_is_taken_once_by_the_creating_browser(world):
    made = new_batch(world.manager_a, world.station_a, count=4)
    batch_id = made.batch.id
    with pytest.raises(PermissionDenied):
        recharge_cards.take_secrets(world.manager_a, batch_id, card_secrets.seed_text(b"x" * 32))
    with pytest.raises(PermissionDenied):
        recharge_cards.take_secrets(world.manager_b, batch_id, made.seed)  # not their station
    assert recharge_cards.take_secrets(world.manager_a, batch_id, made.seed) == made.cards
    with pytest.raises(recharge_cards.SheetGone):
        recharge_cards.take_secrets(world.manager_a, batch_id, made.seed)
    assert db.session.get(CardBatch, batch_id).secrets_taken_at is not None


@pytest.mark.travel
def test_the_sheet_cannot_be_taken_after_its_window(world, travel):
    made = new_batch(world.manager_a, world.station_a)
    travel.shift(recharge_cards.SHEET_WINDOW + timedelta(seconds=1))
    with pytest.raises(recharge_cards.SheetGone):
        recharge_cards.take_secrets(world.manager_a, made.batch.id, made.seed)


def test_selling_a_card_books_the_cash_and_the_debt(world):
    made = new_batch(world.manager_a, world.station_a, face_fen=20_000)
    number, _ = sold_card(world.cashier_a, world.station_a, made)
    sold = card(number)
    assert (sold.status, sold.sold_station_id, sold.sold_payment) == (
        "active",
        world.station_a.id,
        "cash",
    )
    assert sold.activated_by_id == world.cashier_a.id
    assert account_total("cash_drawer", world.station_a.id) == 20_000
    assert account_total("recharge_cards", world.station_a.id) == -20_000
    entry = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "recharge_card.activate")
    ).one()
    assert entry.actor_staff_id == world.cashier_a.id and entry.after["payment"] == "cash"
    with pytest.raises(Conflict):
        recharge_cards.activate_card(world.cashier_a, world.station_a.id, number, "cash")
    assert_ledger_ok()


def test_a_bank_card_sale_needs_its_slip_and_goes_to_card_clearing(world):
    made = new_batch(world.manager_a, world.station_a)
    number, _ = made.cards[0]
    with pytest.raises(Invalid) as refused:
        recharge_cards.activate_card(world.cashier_a, world.station_a.id, number, "pos", " ")
    assert set(refused.value.fields) == {"pos_reference"}
    sold_card(world.cashier_a, world.station_a, made, payment="pos", pos_reference="POS-778812")
    assert card(number).pos_reference == "POS-778812"
    assert account_total("card_clearing", world.station_a.id) == 10_000
    assert account_total("cash_drawer") == 0
    assert_ledger_ok()


def test_a_station_batch_sells_only_at_its_station(world):
    made = new_batch(world.manager_a, world.station_a)
    number, _ = made.cards[0]
    for seller in (world.admin, world.manager_b):
        with pytest.raises(recharge_cards.OtherStation) as refused:
            recharge_cards.activate_card(seller, world.station_b.id, number, "cash")
        assert "昆明北京路加油站" in refused.value.message
    with pytest.raises(PermissionDenied):  # not where the cashier works
        recharge_cards.activate_card(world.cashier_a, world.station_b.id, number, "cash")
    with pytest.raises(PermissionDenied):  # attendants do not sell cards
        recharge_cards.activate_card(world.attendant_a, world.station_a.id, number, "cash")
    assert card(number).status == "new"
    chain_wide = new_batch(world.admin, None)
    sold_card(world.manager_b, world.station_b, chain_wide)
    assert card(chain_wide.cards[0][0]).sold_station_id == world.station_b.id
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 2
    assert_ledger_ok()


def test_typos_and_unknown_numbers_at_the_counter(world):
    new_batch(world.manager_a, world.station_a)
    with pytest.raises(Invalid) as refused:
        recharge_cards.activate_card(world.cashier_a, world.station_a.id, "1234", "cash")
    assert "12 位" in refused.value.fields["number"]
    unknown = "12345678901" + card_secrets.luhn_digit("12345678901")
    with pytest.raises(Invalid) as refused:
        recharge_cards.activate_card(world.cashier_a, world.station_a.id, unknown, "cash")
    assert refused.value.fields == {"number": "没有这个卡号，请核对"}


def test_voiding_a_new_card_moves_no_money_and_a_sold_one_gives_it_back(world):
    made = new_batch(world.manager_a, world.station_a, count=3, face_fen=5_000)
    new_number = made.cards[0][0]
    cash_number, _ = sold_card(world.cashier_a, world.station_a, made, index=1)
    pos_number, _ = sold_card(world.cashier_a, world.station_a, made, 2, "pos", "REF-1")
    assert card_voids.void_card(world.manager_a, card(new_number).id, "卡面印错").status == "void"
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 4  # the two sales only
    card_voids.void_card(world.manager_a, card(cash_number).id, "顾客退卡")
    card_voids.void_card(world.admin, card(pos_number).id, "顾客退卡，POS 撤销")
    assert account_total("cash_drawer", world.station_a.id) == 0
    assert account_total("card_clearing", world.station_a.id) == 0
    assert account_total("recharge_cards") == 0
    voided = card(cash_number)
    assert (voided.status, voided.void_reason, voided.voided_by_id) == (
        "void",
        "顾客退卡",
        world.manager_a.id,
    )
    entry = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "recharge_card.void").order_by(AuditLog.id)
    ).all()[1]
    assert entry.after["refunded_fen"] == 5_000 and entry.before == {"card_status": "active"}
    with pytest.raises(Conflict):
        card_voids.void_card(world.manager_a, voided.id, "再作废一次")
    with pytest.raises(Conflict):
        recharge_cards.activate_card(world.cashier_a, world.station_a.id, new_number, "cash")
    assert_ledger_ok()


def test_who_may_void_and_that_a_reason_is_needed(world):
    made = new_batch(world.manager_a, world.station_a)
    chain_wide = new_batch(world.admin, None)
    card_id = card(made.cards[0][0]).id
    with pytest.raises(Invalid):
        card_voids.void_card(world.manager_a, card_id, "  ")
    for staff in (world.manager_b, world.cashier_a):
        with pytest.raises(PermissionDenied):
            card_voids.void_card(staff, card_id, "无权作废")
    with pytest.raises(PermissionDenied):  # a chain-wide card is the chain admin's
        card_voids.void_card(world.manager_a, card(chain_wide.cards[0][0]).id, "无权作废")
    with pytest.raises(PermissionDenied):
        card_voids.void_batch(world.manager_b, made.batch.id, "无权作废")
    assert card(made.cards[0][0]).status == "new"


def test_a_redeemed_card_is_never_voided(world):
    made = new_batch(world.manager_a, world.station_a)
    number, secret = sold_card(world.cashier_a, world.station_a, made)
    card_redemption.redeem_card(make_member(world.chain), number, secret)
    with pytest.raises(Conflict) as refused:
        card_voids.void_card(world.admin, card(number).id, "试图作废")
    assert "已兑换" in refused.value.message
    assert card(number).status == "redeemed"
    assert_ledger_ok()


def test_voiding_a_batch_skips_redeemed_cards_and_counts_each_kind(world):
    made = new_batch(world.manager_a, world.station_a, count=5, face_fen=3_000)
    sold_card(world.cashier_a, world.station_a, made, index=0)
    sold_card(world.cashier_a, world.station_a, made, 1, "pos", "REF-9")
    redeemed, secret = sold_card(world.cashier_a, world.station_a, made, index=2)
    card_redemption.redeem_card(make_member(world.chain), redeemed, secret)
    card_voids.void_card(world.manager_a, card(made.cards[3][0]).id, "损坏")
    result = card_voids.void_batch(world.manager_a, made.batch.id, "批次卡密泄露")
    assert (result.new_voided, result.sold_voided, result.refunded_fen, result.redeemed_kept) == (
        1,
        2,
        6_000,
        1,
    )
    statuses = db.session.scalars(select(RechargeCard.status).order_by(RechargeCard.number))
    assert sorted(statuses) == ["redeemed", "void", "void", "void", "void"]
    assert result.batch.void_reason == "批次卡密泄露"
    assert account_total("cash_drawer", world.station_a.id) == 3_000  # the redeemed card's sale
    assert account_total("card_clearing", world.station_a.id) == 0
    assert account_total("recharge_cards") == 0
    with pytest.raises(Conflict):
        card_voids.void_batch(world.manager_a, made.batch.id, "再作废")
    with pytest.raises(recharge_cards.SheetGone):
        recharge_cards.take_secrets(world.manager_a, made.batch.id, made.seed)
    assert_ledger_ok()


def test_ledger_check_sees_a_card_debt_off_its_cards(world):
    made = new_batch(world.manager_a, world.station_a)
    number, _ = sold_card(world.cashier_a, world.station_a, made)
    db.session.execute(
        text("UPDATE recharge_card SET status = 'new' WHERE number = :n"), {"n": number}
    )
    db.session.commit()
    assert ledger.check() == [
        "recharge_cards: 10000 in the ledger, 0 on sold cards",
        f"cash_drawer of station {world.station_a.id}: 10000 in the ledger,"
        " 0 from cash top-ups and cards sold",
    ]
    db.session.execute(
        text("UPDATE recharge_card SET status = 'active' WHERE number = :n"), {"n": number}
    )
    db.session.commit()
    assert_ledger_ok()

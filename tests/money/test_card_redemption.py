"""Drivers redeeming recharge cards: credited once as principal, two members at once, expiry,
wrong secrets counted per member and per card, and answers that do not tell cards apart."""

from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Member, MissGuard, Topup, Wallet
from app.services import ledger
from app.services.members import card_redemption, card_secrets, card_voids, recharge_cards
from app.services.members.card_redemption import (
    CardExpired,
    CardInvalid,
    CardLocked,
    CardNotActive,
    CardRedeemed,
    CardVoid,
)
from app.services.platform.errors import Conflict, Invalid
from tests.factories import make_member
from tests.money.card_helpers import account_total, card, new_batch, sold_card
from tests.money.helpers import assert_ledger_ok
from tests.threads import run_together, start_line

redeem = card_redemption.redeem_card


@pytest.fixture
def member(world):
    return make_member(world.chain)


def unknown_number(seed: str = "3141592653") -> str:
    body = "9" + seed
    return body + card_secrets.luhn_digit(body)


def wrong(secret: str) -> str:
    return secret[:-1] + str((int(secret[-1]) + 1) % 10)


def test_a_card_is_credited_once_as_principal(world, member):
    made = new_batch(world.manager_a, world.station_a, face_fen=50_000)
    number, secret = sold_card(world.cashier_a, world.station_a, made)
    grouped = f"{card_secrets.grouped(number)} ", "-".join(card_secrets.grouped(secret).split())
    done = redeem(member, *grouped)  # as printed: groups of four
    assert (done.principal_fen, done.bonus_fen) == (50_000, 0)
    topup = db.session.scalars(select(Topup)).one()
    assert (topup.channel, topup.status, topup.principal_fen, topup.bonus_fen) == (
        "card",
        "credited",
        50_000,
        0,
    )
    assert (topup.card_id, topup.member_id, topup.station_id) == (
        card(number).id,
        member.id,
        world.station_a.id,
    )
    redeemed = card(number)
    assert (redeemed.status, redeemed.redeemed_member_id) == ("redeemed", member.id)
    assert account_total("recharge_cards") == 0
    assert account_total("member_wallet") == -50_000
    with pytest.raises(CardRedeemed):
        redeem(member, number, secret)
    with pytest.raises(CardRedeemed):
        redeem(make_member(world.chain, "o-second"), number, secret)
    assert ledger.wallet_balance(member.id) == 50_000
    assert_ledger_ok()


def test_two_members_redeeming_one_card_at_once_one_wins(app, world):
    made = new_batch(world.manager_a, world.station_a, face_fen=30_000)
    number, secret = sold_card(world.cashier_a, world.station_a, made)
    member_ids = [make_member(world.chain, f"o-racer-{i}").id for i in range(2)]
    outcomes, barrier = [], start_line(2)

    def attempt(member_id):
        with app.app_context():
            racer = db.session.get(Member, member_id)
            barrier.wait()
            try:
                redeem(racer, number, secret)
                outcomes.append(("won", member_id))
            except CardRedeemed:
                outcomes.append(("lost", member_id))
            finally:
                db.session.remove()

    run_together(*(partial(attempt, m) for m in member_ids), barrier=barrier)
    assert sorted(kind for kind, _ in outcomes) == ["lost", "won"]
    winner = next(m for kind, m in outcomes if kind == "won")
    assert db.session.scalar(select(func.count(Topup.id))) == 1
    balances = dict(db.session.execute(select(Wallet.member_id, Wallet.principal_fen)).all())
    assert balances == {winner: 30_000}
    assert card(number).redeemed_member_id == winner
    assert_ledger_ok()


def test_voiding_and_redeeming_one_card_at_once_one_wins(app, world, member):
    made = new_batch(world.manager_a, world.station_a, face_fen=8_000)
    number, secret = sold_card(world.cashier_a, world.station_a, made)
    card_id, member_id, manager_id = card(number).id, member.id, world.manager_a.id
    outcomes, barrier = [], start_line(2)

    def redeem_it():
        with app.app_context():
            barrier.wait()
            try:
                redeem(db.session.get(Member, member_id), number, secret)
                outcomes.append("redeemed")
            except CardVoid:
                outcomes.append("refused")
            finally:
                db.session.remove()

    def void_it():
        with app.app_context():
            from app.models import Staff

            barrier.wait()
            try:
                card_voids.void_card(db.session.get(Staff, manager_id), card_id, "顾客退卡")
                outcomes.append("voided")
            except Conflict:
                outcomes.append("too late")
            finally:
                db.session.remove()

    run_together(redeem_it, void_it, barrier=barrier)
    assert sorted(outcomes) in (["redeemed", "too late"], ["refused", "voided"])
    assert account_total("recharge_cards") == 0
    assert_ledger_ok()


@pytest.mark.travel
def test_an_expired_card_is_refused(world, member, travel):
    made = new_batch(world.manager_a, world.station_a, count=2, days=2)
    number, secret = sold_card(world.cashier_a, world.station_a, made)
    travel.shift(timedelta(days=2, seconds=1))
    with pytest.raises(CardExpired) as refused:
        redeem(member, number, secret)
    assert "过期" in refused.value.message
    with pytest.raises(Conflict):  # nor sold once expired
        recharge_cards.activate_card(world.cashier_a, world.station_a.id, made.cards[1][0], "cash")
    assert card(number).status == "active"  # still owed: a finance decision, not a refund
    assert ledger.wallet_balance(member.id) == 0
    assert_ledger_ok()


def test_the_right_secret_learns_why_a_card_cannot_be_redeemed(world, member):
    made = new_batch(world.manager_a, world.station_a, count=2)
    (new_number, new_secret), (void_number, void_secret) = made.cards
    with pytest.raises(CardNotActive) as refused:
        redeem(member, new_number, new_secret)
    assert "尚未激活" in refused.value.message
    card_voids.void_card(world.manager_a, card(void_number).id, "丢失")
    with pytest.raises(CardVoid):
        redeem(member, void_number, void_secret)
    assert db.session.scalar(select(MissGuard.misses)) is None  # no miss counted
    with pytest.raises(CardInvalid):  # without the secret, an unsold card is just not found
        redeem(member, new_number, wrong(new_secret))
    assert_ledger_ok()


def test_an_unknown_number_and_a_wrong_secret_get_the_same_answer(world):
    made = new_batch(world.manager_a, world.station_a)
    number, secret = sold_card(world.cashier_a, world.station_a, made)
    answers = []
    for openid, typed in (("o-a", (unknown_number(), secret)), ("o-b", (number, wrong(secret)))):
        with pytest.raises(CardInvalid) as refused:
            redeem(make_member(world.chain, openid), *typed)
        answers.append((refused.value.status, refused.value.code, refused.value.message))
    assert answers[0] == answers[1]
    assert answers[0][:2] == (404, "card_invalid") and "再错 4 次" in answers[0][2]


def test_typos_are_refused_without_counting_a_miss(world, member):
    with pytest.raises(Invalid) as refused:
        redeem(member, unknown_number()[:-1] + "x", "1" * 16)
    assert set(refused.value.fields) == {"number"}
    bad_check = unknown_number()[:-1] + str((int(unknown_number()[-1]) + 1) % 10)
    with pytest.raises(Invalid):
        redeem(member, bad_check, "1" * 16)
    with pytest.raises(Invalid) as refused:
        redeem(member, unknown_number(), "1234")
    assert set(refused.value.fields) == {"secret"}
    assert db.session.scalar(select(func.count()).select_from(MissGuard)) == 0


@pytest.mark.travel
def test_a_member_is_locked_out_after_five_misses(world, member, travel):
    made = new_batch(world.manager_a, world.station_a)
    number, secret = sold_card(world.cashier_a, world.station_a, made)
    for n in range(4):
        with pytest.raises(CardInvalid) as refused:
            redeem(member, unknown_number(f"00000000{n:02d}"), secret)
        assert f"再错 {4 - n} 次" in refused.value.message
    with pytest.raises(CardLocked) as refused:
        redeem(member, number, wrong(secret))
    assert refused.value.status == 429 and "30 分钟后" in refused.value.message
    with pytest.raises(CardLocked):  # even the right secret, while locked
        redeem(member, number, secret)
    other = make_member(world.chain, "o-other")
    with pytest.raises(CardInvalid):  # others are not locked out
        redeem(other, unknown_number(), secret)
    travel.shift(card_redemption.MEMBER_LOCK + timedelta(seconds=1))
    assert redeem(member, number, secret).principal_fen == 10_000
    assert_ledger_ok()


@pytest.mark.travel
def test_misses_spread_over_the_window_start_the_count_again(world, member, travel):
    made = new_batch(world.manager_a, world.station_a)
    number, secret = sold_card(world.cashier_a, world.station_a, made)
    for n in range(4):
        with pytest.raises(CardInvalid):
            redeem(member, unknown_number(f"1000000{n:03d}"), secret)
    travel.shift(card_redemption.MEMBER_WINDOW + timedelta(seconds=1))
    with pytest.raises(CardInvalid) as refused:
        redeem(member, unknown_number(), secret)
    assert "再错 4 次" in refused.value.message
    assert redeem(member, number, secret).principal_fen == 10_000


@pytest.mark.travel
def test_a_card_is_locked_after_five_misses_by_anyone(world, travel):
    made = new_batch(world.manager_a, world.station_a)
    number, secret = sold_card(world.cashier_a, world.station_a, made)
    guessers = [make_member(world.chain, f"o-guesser-{n}") for n in range(5)]
    for guesser in guessers[:4]:
        with pytest.raises(CardInvalid):
            redeem(guesser, number, wrong(secret))
    with pytest.raises(CardLocked) as refused:
        redeem(guessers[4], number, wrong(secret))
    assert "该卡" in refused.value.message and "60 分钟后" in refused.value.message
    owner = make_member(world.chain, "o-owner")
    with pytest.raises(CardLocked):  # the right secret too, until the lock runs out
        redeem(owner, number, secret)
    assert card(number).misses == 5
    travel.shift(card_redemption.CARD_LOCK + timedelta(seconds=1))
    assert redeem(owner, number, secret).principal_fen == 10_000
    assert_ledger_ok()


def test_misses_sent_at_once_are_all_counted_and_lock_at_five(app, world, member):
    made = new_batch(world.manager_a, world.station_a)
    number, secret = sold_card(world.cashier_a, world.station_a, made)
    member_id, outcomes, barrier = member.id, [], start_line(8)

    def guess(n):
        with app.app_context():
            guesser = db.session.get(Member, member_id)
            barrier.wait()
            try:
                redeem(guesser, unknown_number(f"20000000{n:02d}"), secret)
            except (CardInvalid, CardLocked) as err:
                outcomes.append(err.code)
            finally:
                db.session.remove()

    run_together(*(partial(guess, n) for n in range(8)), barrier=barrier)
    assert outcomes.count("card_invalid") == 4 and outcomes.count("card_locked") == 4
    guard = db.session.scalars(select(MissGuard)).one()
    assert guard.key == f"card-member:{member_id}" and guard.misses == 5
    assert guard.locked_until is not None
    with pytest.raises(CardLocked):
        redeem(member, number, secret)

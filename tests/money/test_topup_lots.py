"""Every credited top-up is a lot of principal: spending consumes lots oldest first, wallet
refunds of orders restore the most recently consumed first, and a WeChat top-up gives back to
WeChat only its own lot's principal not yet spent: cash paid at a counter never leaves through
WeChat (members.wallet_split)."""

from functools import partial

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Member, Staff, Topup, TopupRefundRequest, Wallet
from app.services import ledger, payments
from app.services.members import counter_topups, topup_history, wallet_split
from app.services.members.card_redemption import redeem_card
from app.services.members.topup_refund_queue import list_refund_requests
from app.services.members.topup_refunds import (
    approve_refund_request,
    reject_refund_request,
    request_refund,
)
from app.services.payments import refunds
from app.services.platform.errors import Conflict, Invalid
from tests.factories import make_member
from tests.money.card_helpers import new_batch, sold_card
from tests.money.helpers import assert_ledger_ok, credit_wallet, place
from tests.money.topup_helpers import balances, credited_topup
from tests.threads import run_together, start_line


@pytest.fixture
def member(world):
    return make_member(world.chain)


def lots(member_id: int) -> list[tuple[str, int, int, int]]:
    """(channel, principal, spent, refunded) of the member's credited top-ups, oldest first."""
    db.session.expire_all()
    query = (
        select(Topup.channel, Topup.principal_fen, Topup.spent_principal_fen)
        .add_columns(Topup.refunded_principal_fen)
        .where(Topup.member_id == member_id, Topup.status == "credited")
        .order_by(Topup.id)
    )
    return [tuple(row) for row in db.session.execute(query)]


def pay(member: Member, station, amount_fen: int):
    return payments.pay_with_wallet(member, place(member, station, amount_fen=amount_fen).id)


def cash_topup(world, member, amount_fen: int) -> Topup:
    """Cash paid at station A's counter, recorded by its cashier, approved by its manager."""
    asked = counter_topups.request_counter_topup(
        world.cashier_a, world.station_a.id, member.id, "cash", amount_fen, "", ""
    )
    return counter_topups.approve_counter_topup(world.manager_a, asked.id)


def refundable(member: Member) -> dict[int, int]:
    """What the driver's top-up history says each top-up could give back now."""
    views, _ = topup_history.list_topups(member, 1, 50)
    return {view.topup.id: view.refundable_fen for view in views}


def test_cash_paid_at_the_counter_never_leaves_through_wechat(world, member):
    """The reviewer's case: a WeChat top-up spent long ago, then cash at the counter; the
    WeChat top-up has nothing left to give back, whatever the wallet holds."""
    wechat = credited_topup(member, world.station_a, principal_fen=50_000, bonus_fen=0)
    request = request_refund(member, wechat.id, "想退回微信")  # asked while unspent
    pay(member, world.station_a, 50_000)
    cash = cash_topup(world, member, 50_000)
    assert balances(member.id) == (50_000, 0)
    assert lots(member.id) == [("wechat", 50_000, 50_000, 0), ("cash", 50_000, 0, 0)]
    assert refundable(member) == {wechat.id: 0, cash.id: 0}
    row = list_refund_requests(world.manager_a, status="requested").items[0]
    assert (row.refundable_now_fen, row.wallet_principal_fen) == (0, 50_000)

    with pytest.raises(Conflict, match=r"没有可退的金额.*现金、银行卡、充值卡充入的本金不能退到"):
        approve_refund_request(world.manager_a, request.id)
    assert db.session.get(TopupRefundRequest, request.id).status == "requested"
    assert balances(member.id) == (50_000, 0)  # the cash stays in the wallet
    reject_refund_request(world.manager_a, request.id, "本金已用完")
    with pytest.raises(Invalid, match="没有可退的金额"):
        request_refund(member, wechat.id, "再申请")
    assert lots(member.id) == [("wechat", 50_000, 50_000, 0), ("cash", 50_000, 0, 0)]
    assert_ledger_ok()


def test_spending_consumes_the_oldest_top_up_first(world, member):
    first = credited_topup(member, world.station_a, principal_fen=50_000, bonus_fen=0)
    second = credited_topup(member, world.station_a, principal_fen=50_000, bonus_fen=0)
    pay(member, world.station_a, 30_000)
    assert lots(member.id) == [("wechat", 50_000, 30_000, 0), ("wechat", 50_000, 0, 0)]
    assert refundable(member) == {first.id: 20_000, second.id: 50_000}

    on_first = request_refund(member, first.id, "不用了")
    on_second = request_refund(member, second.id, "不用了")
    assert approve_refund_request(world.manager_a, on_first.id).principal_fen == 20_000
    assert approve_refund_request(world.manager_a, on_second.id).principal_fen == 50_000
    assert balances(member.id) == (0, 0)
    assert lots(member.id) == [("wechat", 50_000, 30_000, 20_000), ("wechat", 50_000, 0, 50_000)]
    assert_ledger_ok()


def test_an_order_refunded_to_the_wallet_gives_its_lot_back(world, member):
    topup = credited_topup(member, world.station_a, principal_fen=50_000, bonus_fen=3_000)
    order = pay(member, world.station_a, 50_000)  # principal first: all of the lot
    assert refundable(member) == {topup.id: 0}
    refunds.refund_order(world.cashier_a, order.id, 20_000, "少加了")
    assert lots(member.id) == [("wechat", 50_000, 30_000, 0)]
    assert refundable(member) == {topup.id: 20_000}

    decided = approve_refund_request(world.manager_a, request_refund(member, topup.id, "退").id)
    assert (decided.principal_fen, decided.bonus_revoked_fen) == (20_000, 1_200)
    assert balances(member.id) == (0, 1_800)
    assert lots(member.id) == [("wechat", 50_000, 30_000, 20_000)]
    assert_ledger_ok()


def test_restoring_gives_back_the_most_recently_consumed_first(world, member):
    """Cash first, then WeChat; a payment takes the cash lot, then the WeChat one; its refund
    gives the WeChat lot back first, and never more than the lots had consumed."""
    cash = cash_topup(world, member, 30_000)
    wechat = credited_topup(member, world.station_a, principal_fen=30_000, bonus_fen=0)
    credit_wallet(member, 10_000)  # principal from elsewhere: no lot
    order = pay(member, world.station_a, 70_000)
    assert lots(member.id) == [("cash", 30_000, 30_000, 0), ("wechat", 30_000, 30_000, 0)]

    refunds.refund_order(world.cashier_a, order.id, 40_000, "少加了")
    assert lots(member.id) == [("cash", 30_000, 20_000, 0), ("wechat", 30_000, 0, 0)]
    assert refundable(member) == {cash.id: 0, wechat.id: 30_000}
    refunds.refund_order(world.cashier_a, order.id, 30_000, "取消")
    assert lots(member.id) == [("cash", 30_000, 0, 0), ("wechat", 30_000, 0, 0)]
    assert balances(member.id) == (70_000, 0)
    assert_ledger_ok()


def test_a_card_redeemed_before_a_wechat_top_up_is_spent_first(world, member):
    made = new_batch(world.manager_a, world.station_a, face_fen=20_000)
    redeem_card(member, *sold_card(world.cashier_a, world.station_a, made))
    wechat = credited_topup(member, world.station_a, principal_fen=50_000, bonus_fen=3_000)
    pay(member, world.station_a, 30_000)
    assert lots(member.id) == [("card", 20_000, 20_000, 0), ("wechat", 50_000, 10_000, 0)]
    assert refundable(member)[wechat.id] == 40_000
    decided = approve_refund_request(world.manager_a, request_refund(member, wechat.id, "退").id)
    assert (decided.principal_fen, decided.bonus_revoked_fen) == (40_000, 2_400)
    assert balances(member.id) == (0, 600)
    assert_ledger_ok()


def test_principal_from_elsewhere_is_no_lot(world, member):
    topup = credited_topup(member, world.station_a, principal_fen=10_000, bonus_fen=0)
    credit_wallet(member, 50_000)  # not a top-up: never refundable to WeChat
    pay(member, world.station_a, 20_000)
    assert lots(member.id) == [("wechat", 10_000, 10_000, 0)]
    assert refundable(member) == {topup.id: 0}
    assert wallet_split.restore_lots(member.id, 50_000) == 10_000  # never above what was spent
    db.session.rollback()
    assert_ledger_ok()


def test_the_check_finds_lots_holding_more_than_the_wallet(world, member):
    topup = credited_topup(member, world.station_a, principal_fen=10_000, bonus_fen=0)
    db.session.execute(update(Topup).where(Topup.id == topup.id).values(principal_fen=11_000))
    db.session.commit()
    problems = ledger.check()
    assert f"top-ups of member {member.id}: 11000 unspent, wallet principal 10000" in problems
    db.session.execute(update(Topup).where(Topup.id == topup.id).values(principal_fen=10_000))
    db.session.commit()
    assert_ledger_ok()


def test_a_refund_approval_racing_a_wallet_refund_takes_what_was_restored(app, world):
    """The manager approves while the cashier refunds the order that spent the top-up: both
    lock the wallet first, then the lot, so neither deadlocks and the approval sees the lot
    either before the refund (nothing to give back) or after it (all of it)."""
    seen, manager_id, cashier_id = set(), world.manager_a.id, world.cashier_a.id
    for round_ in range(4):
        member = make_member(world.chain, openid=f"o-lots-{round_}")
        topup = credited_topup(member, world.station_a, principal_fen=50_000, bonus_fen=0)
        request_id = request_refund(member, topup.id, "不用了").id
        order_id = pay(member, world.station_a, 50_000).id
        outcomes, barrier = {}, start_line(2)

        def approve(outcomes, barrier, request_id):
            with app.app_context():
                barrier.wait()
                try:
                    manager = db.session.get(Staff, manager_id)
                    outcomes["approved"] = approve_refund_request(manager, request_id).principal_fen
                except Conflict:
                    outcomes["approved"] = 0
                finally:
                    db.session.remove()

        def give_back(outcomes, barrier, order_id):
            with app.app_context():
                barrier.wait()
                try:
                    cashier = db.session.get(Staff, cashier_id)
                    outcomes["order refund"] = refunds.refund_order(
                        cashier, order_id, 50_000, "未加油"
                    ).amount_fen
                finally:
                    db.session.remove()

        run_together(
            partial(approve, outcomes, barrier, request_id),
            partial(give_back, outcomes, barrier, order_id),
            barrier=barrier,
        )
        assert outcomes["order refund"] == 50_000
        principal = db.session.scalar(
            select(Wallet.principal_fen).where(Wallet.member_id == member.id)
        )
        if outcomes["approved"]:
            assert (outcomes["approved"], principal) == (50_000, 0)
            assert lots(member.id) == [("wechat", 50_000, 0, 50_000)]
            seen.add("refund first")
        else:
            assert principal == 50_000
            assert lots(member.id) == [("wechat", 50_000, 0, 0)]
            seen.add("approval first")
    assert seen
    assert_ledger_ok()

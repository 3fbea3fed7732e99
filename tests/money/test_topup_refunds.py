"""Refunds of a top-up's unspent principal: the driver asks, a manager decides; only principal
still in the wallet goes back, the bonus goes with it in proportion; who may decide; races."""

from functools import partial

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import AuditLog, Member, Refund, Staff, Topup, TopupRefundRequest, Wallet
from app.models.base import utcnow
from app.services import ledger, payments
from app.services.members import topup_refund_queue, topup_refunds
from app.services.members.topup_refund_queue import list_refund_requests
from app.services.members.topup_refunds import (
    approve_refund_request,
    cancel_refund_request,
    reject_refund_request,
    request_refund,
)
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, place, run_jobs
from tests.money.topup_helpers import (
    balances,
    credited_topup,
    legs,
    make_package,
    paid_topup,
    wait_for,
)
from tests.threads import run_together, start_line


@pytest.fixture
def member(world):
    return make_member(world.chain)


def pay_from_wallet(member, station, amount_fen):
    return payments.pay_with_wallet(member, place(member, station, amount_fen=amount_fen).id)


def test_unspent_principal_goes_back_to_wechat_and_the_bonus_in_proportion(world, member, sandbox):
    topup = paid_topup(member, sandbox, make_package(world.chain, world.station_a))
    order = pay_from_wallet(member, world.station_a, 20_000)  # principal first
    assert (order.bonus_paid_fen, balances(member.id)) == (0, (30_000, 3_000))
    request = request_refund(member, topup.id, "离开昆明，不再加油")
    row = list_refund_requests(world.manager_a, status="requested").items[0]
    assert (row.refundable_now_fen, row.bonus_to_revoke_fen) == (30_000, 1_800)
    assert topup_refund_queue.count_open_refund_requests(world.manager_a) == 1

    decided = approve_refund_request(world.manager_a, request.id)
    assert (decided.status, decided.principal_fen, decided.bonus_revoked_fen) == (
        "approved",
        30_000,
        1_800,  # 3,000 x 30,000 / 50,000
    )
    assert balances(member.id) == (0, 1_200)
    refund = db.session.get(Refund, decided.refund_id)
    assert (refund.kind, refund.method, refund.topup_id, refund.order_id) == (
        "topup",
        "wechat",
        topup.id,
        None,
    )
    assert refund.out_refund_no == topup.topup_no + "R01"
    assert legs(refund.out_refund_no) == {
        ("member_wallet", member.id): 30_000,
        ("refunds_payable", None): -30_000,
        ("member_bonus", member.id): 1_800,
        ("bonus_expense", world.station_a.id): -1_800,
    }
    db.session.refresh(topup)
    assert (topup.refunded_principal_fen, topup.revoked_bonus_fen) == (30_000, 1_800)
    audit = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "topup_refund.approve")
    ).one()
    assert (audit.actor_staff_id, audit.station_id) == (world.manager_a.id, world.station_a.id)
    assert (
        audit.before["wallet_principal_fen"] == 30_000 and audit.after["wallet_bonus_fen"] == 1_200
    )
    assert_ledger_ok()

    run_jobs()  # sent to WeChat against the top-up's own payment
    assert wait_for(lambda: db.session.get(Refund, refund.id).status == "SUCCESS")
    assert_ledger_ok()
    with pytest.raises(Invalid, match="没有可退"):
        request_refund(member, topup.id, "再退一次")


def test_who_may_decide(world, member):
    at_a = credited_topup(member, world.station_a)
    chain_wide = credited_topup(member, None, principal_fen=10_000, bonus_fen=0)
    request_a = request_refund(member, at_a.id, "不用了")
    request_chain = request_refund(member, chain_wide.id, "不用了")
    for actor, request_id in [
        (world.cashier_a, request_a.id),
        (world.attendant_a, request_a.id),
        (world.manager_b, request_a.id),
        (world.manager_a, request_chain.id),
    ]:
        with pytest.raises(PermissionDenied):
            approve_refund_request(actor, request_id)
        with pytest.raises(PermissionDenied):
            reject_refund_request(actor, request_id, "不同意")
    with pytest.raises(PermissionDenied):
        list_refund_requests(world.cashier_a)
    assert topup_refund_queue.count_open_refund_requests(world.cashier_a) == 0
    assert [r.request.id for r in list_refund_requests(world.manager_b).items] == []
    assert [r.request.id for r in list_refund_requests(world.manager_a).items] == [request_a.id]
    assert {r.request.id for r in list_refund_requests(world.admin).items} == {
        request_a.id,
        request_chain.id,
    }
    assert approve_refund_request(world.admin, request_chain.id).principal_fen == 10_000
    assert balances(member.id) == (50_000, 3_000)
    assert_ledger_ok()


def test_reject_cancel_and_the_rules_of_asking(world, member):
    topup = credited_topup(member, world.station_a)
    other = make_member(world.chain, openid="o-somebody-else")
    with pytest.raises(NotFound):
        request_refund(other, topup.id, "不是我的")
    with pytest.raises(Invalid, match="原因"):
        request_refund(member, topup.id, "  ")
    first = request_refund(member, topup.id, "不用了")
    with pytest.raises(topup_refunds.RequestOpen):
        request_refund(member, topup.id, "再申请一次")
    with pytest.raises(NotFound):
        cancel_refund_request(other, first.id)
    assert cancel_refund_request(member, first.id).status == "cancelled"
    with pytest.raises(Conflict):
        cancel_refund_request(member, first.id)
    second = request_refund(member, topup.id, "还是退了吧")
    with pytest.raises(Invalid, match="驳回原因"):
        reject_refund_request(world.manager_a, second.id, "")
    rejected = reject_refund_request(world.manager_a, second.id, "充值送的活动期内不退")
    assert (rejected.status, rejected.decided_by_id) == ("rejected", world.manager_a.id)
    with pytest.raises(Conflict):
        approve_refund_request(world.admin, second.id)
    assert balances(member.id) == (50_000, 3_000)
    pending = Topup(
        chain_id=world.chain.id,
        member_id=member.id,
        topup_no="T-pending",
        channel="wechat",
        principal_fen=100,
    )
    cash = Topup(
        chain_id=world.chain.id,
        member_id=member.id,
        topup_no="T-cash",
        channel="cash",
        principal_fen=100,
    )
    db.session.add_all([pending, cash])
    db.session.commit()
    with pytest.raises(Invalid, match="尚未到账"):
        request_refund(member, pending.id, "退")
    with pytest.raises(Invalid, match="微信支付"):
        request_refund(member, cash.id, "退")
    assert (
        db.session.scalar(
            select(func.count(AuditLog.id)).where(AuditLog.action == "topup_refund.reject")
        )
        == 1
    )
    assert_ledger_ok()


def test_nothing_left_is_a_clear_refusal_and_a_frozen_wallet_pays_nothing_out(world, member):
    topup = credited_topup(member, world.station_a, principal_fen=20_000, bonus_fen=1_000)
    request = request_refund(member, topup.id, "不用了")
    pay_from_wallet(member, world.station_a, 20_000)  # spent after asking
    with pytest.raises(Conflict, match="没有可退的金额"):
        approve_refund_request(world.manager_a, request.id)
    assert db.session.get(TopupRefundRequest, request.id).status == "requested"
    reject_refund_request(world.manager_a, request.id, "本金已用完")

    again = credited_topup(member, world.station_a, principal_fen=10_000, bonus_fen=0)
    request = request_refund(member, again.id, "不用了")
    db.session.execute(
        update(Wallet)
        .where(Wallet.member_id == member.id)
        .values(frozen_at=utcnow(), frozen_reason="可疑交易")
    )
    db.session.commit()
    with pytest.raises(ledger.WalletFrozen):
        approve_refund_request(world.manager_a, request.id)
    assert db.session.get(TopupRefundRequest, request.id).status == "requested"
    assert db.session.scalar(select(func.count(Refund.id))) == 0
    assert_ledger_ok()


def test_two_managers_approving_at_once_refund_once(app, world, member):
    topup = credited_topup(member, world.station_a)
    request_id = request_refund(member, topup.id, "不用了").id
    staff_ids, outcomes, barrier = [world.manager_a.id, world.admin.id], [], start_line(2)

    def approve(staff_id):
        with app.app_context():
            staff = db.session.get(Staff, staff_id)
            barrier.wait()
            try:
                approve_refund_request(staff, request_id)
                outcomes.append("approved")
            except Conflict:
                outcomes.append("conflict")
            finally:
                db.session.remove()

    run_together(*(partial(approve, s) for s in staff_ids), barrier=barrier)
    assert sorted(outcomes) == ["approved", "conflict"]
    assert db.session.scalar(select(func.count(Refund.id))) == 1
    assert balances(member.id) == (0, 0)
    assert_ledger_ok()


def test_refund_racing_a_wallet_payment_never_overdraws_and_revokes_right(app, world):
    """The manager approves while the driver pays 400 元 from the same wallet: whichever comes
    first, the wallet never goes below zero and the bonus revoked matches the refund."""
    seen, manager_id = set(), world.manager_a.id
    for round_ in range(6):
        member = make_member(world.chain, openid=f"o-racer-{round_}")
        topup = credited_topup(member, world.station_a)  # 500 + 30
        request_id = request_refund(member, topup.id, "不用了").id
        order_id = place(member, world.station_a, amount_fen=40_000).id
        member_id, outcomes = member.id, {}
        barrier = start_line(2)

        def approve(request_id=request_id, barrier=barrier, outcomes=outcomes):
            with app.app_context():
                barrier.wait()
                try:
                    manager = db.session.get(Staff, manager_id)
                    outcomes["refund"] = approve_refund_request(manager, request_id).principal_fen
                except Conflict:
                    outcomes["refund"] = 0
                finally:
                    db.session.remove()

        def pay(member_id=member_id, order_id=order_id, barrier=barrier, outcomes=outcomes):
            with app.app_context():
                barrier.wait()
                try:
                    payments.pay_with_wallet(db.session.get(Member, member_id), order_id)
                    outcomes["paid"] = True
                except ledger.InsufficientBalance:
                    outcomes["paid"] = False
                finally:
                    db.session.remove()

        run_together(approve, pay, barrier=barrier)
        principal, bonus = balances(member_id)
        if outcomes["paid"] and outcomes["refund"]:  # paid first: 100 元 of principal left
            assert (outcomes["refund"], principal, bonus) == (10_000, 0, 2_400)
            seen.add("paid first")
        else:  # refunded first: all of it, and the order could not be paid
            assert outcomes == {"refund": 50_000, "paid": False}
            assert (principal, bonus) == (0, 0)
            seen.add("refunded first")
        refunded = db.session.get(Topup, topup.id)
        assert refunded.revoked_bonus_fen == 3_000 - bonus
    assert seen  # which came first is the scheduler's choice; each way is right
    assert_ledger_ok()

"""Following up WeChat refunds that never reached the driver: re-issued through WeChat or paid
into the wallet with the driver's consent, each at most once, by the people allowed to."""

import threading
from functools import partial

import httpx
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import (
    AuditLog,
    LedgerEntry,
    Order,
    Refund,
    RefundFollowup,
    Staff,
    Wallet,
)
from app.services import ledger, payments
from app.services.payments import cancellation, refund_followup
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from tests.factories import ChainFactory, make_member, make_staff
from tests.money.helpers import assert_ledger_ok, place, run_jobs
from tests.money.refund_helpers import owed_refund, owed_refund_at_wechat, wait_for
from tests.threads import run_together, start_line

NOTE = "11:05 电话联系车主张先生（尾号 1234），同意退回钱包"


@pytest.fixture
def member(world, live_server):  # live_server: the prepay goes to the fake WeChat Pay
    return make_member(world.chain)


def balance(account: str) -> int:
    query = select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
    return db.session.scalar(query.where(LedgerEntry.account == account))


def refunds_of(order_id: int) -> list[Refund]:
    db.session.expire_all()
    return list(db.session.scalars(select(Refund).where(Refund.order_id == order_id)))


def test_closed_refund_reissued_reaches_the_driver(world, member, sandbox):
    closed = owed_refund_at_wechat(sandbox, member, world.station_a, "CLOSED")
    listed = refund_followup.owed_refunds(world.manager_a)
    assert [(o.refund.id, o.order_no, o.member.id) for o in listed] == [
        (closed.id, db.session.get(Order, closed.order_id).order_no, member.id)
    ]
    assert listed[0].may_reissue and refund_followup.count_owed(world.admin) == 1

    new = refund_followup.reissue(world.manager_a, closed.id)
    first, second = refunds_of(closed.order_id)
    assert (first.id, first.status, first.followup) == (closed.id, "CLOSED", "reissued")
    assert (second.id, second.method, second.status) == (new.id, "wechat", "PENDING")
    assert second.amount_fen == first.amount_fen == 20000
    assert second.out_refund_no != first.out_refund_no
    assert second.actor_staff_id == world.manager_a.id
    assert (balance("refunds_owed"), balance("refunds_payable")) == (0, -20000)
    assert_ledger_ok()

    run_jobs()  # sent to WeChat by the outbox, like the first
    assert wait_for(lambda: db.session.get(Refund, new.id).status == "SUCCESS")
    assert refund_followup.owed_refunds(world.manager_a) == []
    assert balance("wechat_clearing") == 0  # in 200 元, out 200 元, once
    assert (balance("refunds_owed"), balance("refunds_payable")) == (0, 0)
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "refund.reissue")).one()
    assert (entry.actor_staff_id, entry.station_id, entry.entity_id) == (
        world.manager_a.id,
        world.station_a.id,
        closed.id,
    )
    assert entry.after["out_refund_no"] == second.out_refund_no
    followup = db.session.scalars(select(RefundFollowup)).one()
    assert (followup.action, followup.new_refund_id, followup.staff_id) == (
        "reissued",
        new.id,
        world.manager_a.id,
    )
    assert_ledger_ok()


def test_abnormal_refund_returned_to_the_wallet_with_consent(world, member, sandbox):
    abnormal = owed_refund_at_wechat(sandbox, member, world.station_a, "ABNORMAL")
    with pytest.raises(Conflict, match="退回钱包"):
        refund_followup.reissue(world.admin, abnormal.id)  # the driver's card is gone

    new = refund_followup.return_to_wallet(world.admin, abnormal.id, "phone", f"  {NOTE} ")
    assert ledger.wallet_balance(member.id) == 20000
    first, second = refunds_of(abnormal.order_id)
    assert (first.status, first.followup) == ("ABNORMAL", "wallet")
    assert (second.id, second.method, second.status) == (new.id, "wallet", "SUCCESS")
    assert second.finished_at == second.created_at
    followup = db.session.scalars(select(RefundFollowup)).one()
    assert (followup.action, followup.staff_id, followup.station_id) == (
        "wallet",
        world.admin.id,
        world.station_a.id,
    )
    assert (followup.consent_channel, followup.consent_note) == ("phone", NOTE)
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "refund.to_wallet")).one()
    assert entry.after["consent"] == "电话联系" and entry.after["consent_note"] == NOTE
    # The money itself is still at WeChat (stuck in its refund account until the merchant
    # takes it back there); what we owe the driver now sits in the wallet.
    assert (balance("wechat_clearing"), balance("refunds_owed")) == (20000, 0)
    run_jobs()
    assert db.session.get(Refund, abnormal.id).status == "ABNORMAL"  # nothing sent again
    assert_ledger_ok()


def test_each_refund_is_followed_up_at_most_once(world, member):
    refund = owed_refund(member, world.station_a, "CLOSED")
    refund_followup.reissue(world.manager_a, refund.id)
    with pytest.raises(Conflict):
        refund_followup.reissue(world.manager_a, refund.id)  # a double click
    with pytest.raises(Conflict):
        refund_followup.return_to_wallet(world.admin, refund.id, "phone", NOTE)
    assert len(refunds_of(refund.order_id)) == 2
    assert ledger.wallet_balance(member.id) == 0
    assert db.session.scalar(select(func.count(RefundFollowup.id))) == 1
    assert_ledger_ok()


def test_two_managers_at_the_same_moment_one_wins(world, member, app):
    """A manager re-issues while the chain admin pays the same refund into the wallet, in
    two threads released together: the database lets exactly one through, every time."""
    owed = [owed_refund(member, world.station_a, "CLOSED").id for _ in range(4)]
    admin_id = world.admin.id  # read here: the test's session is not for threads
    staff_ids = (world.manager_a.id, admin_id)

    def act(refund_id: int, staff_id: int, barrier: threading.Barrier, results: list):
        with app.app_context():
            actor = db.session.get(Staff, staff_id)
            barrier.wait()
            try:
                if staff_id == admin_id:
                    refund_followup.return_to_wallet(actor, refund_id, "in_person", NOTE)
                else:
                    refund_followup.reissue(actor, refund_id)
                results.append("won")
            except Conflict:
                results.append("conflict")
            finally:
                db.session.remove()

    for refund_id in owed:
        barrier, results = start_line(2), []
        run_together(
            *(partial(act, refund_id, staff_id, barrier, results) for staff_id in staff_ids),
            barrier=barrier,
        )
        assert sorted(results) == ["conflict", "won"]
        assert len(refunds_of(db.session.get(Refund, refund_id).order_id)) == 2
    wallet_refunds = db.session.scalar(
        select(func.count(Refund.id)).where(Refund.method == "wallet")
    )
    assert ledger.wallet_balance(member.id) == 20000 * wallet_refunds
    assert db.session.scalar(select(func.count(RefundFollowup.id))) == 4
    assert_ledger_ok()


def test_only_managers_of_the_station_and_chain_admins(world, member):
    refund = owed_refund(member, world.station_a, "ABNORMAL")
    for who in (world.cashier_a, world.attendant_a, world.manager_b):
        with pytest.raises(PermissionDenied):
            refund_followup.reissue(who, refund.id)
        with pytest.raises(PermissionDenied):
            refund_followup.return_to_wallet(who, refund.id, "phone", NOTE)
    for who in (world.cashier_a, world.attendant_a):
        with pytest.raises(PermissionDenied):
            refund_followup.owed_refunds(who)
        assert refund_followup.count_owed(who) == 0
    assert refund_followup.owed_refunds(world.manager_b) == []
    with pytest.raises(PermissionDenied):
        refund_followup.owed_refunds(world.manager_b, station_id=world.station_a.id)
    other_chain = ChainFactory()
    outsider = make_staff(other_chain, "chain_admin", [], "other_admin")
    db.session.commit()
    with pytest.raises(NotFound):
        refund_followup.return_to_wallet(outsider, refund.id, "phone", NOTE)
    assert refund_followup.owed_refunds(outsider) == []
    with pytest.raises(NotFound):
        refund_followup.reissue(world.admin, refund.id + 1000)
    assert db.session.get(Refund, refund.id).followup is None
    assert ledger.wallet_balance(member.id) == 0
    assert_ledger_ok()


def test_consent_is_required_and_nothing_changes_without_it(world, member):
    refund = owed_refund(member, world.station_a, "CLOSED")
    with pytest.raises(Invalid) as refused:
        refund_followup.return_to_wallet(world.manager_a, refund.id, "", "   ")
    assert set(refused.value.fields) == {"consent_channel", "consent_note"}
    with pytest.raises(Invalid) as refused:
        refund_followup.return_to_wallet(world.manager_a, refund.id, "fax", "x" * 201)
    assert "200" in refused.value.fields["consent_note"]
    assert db.session.get(Refund, refund.id).followup is None
    assert db.session.scalar(select(func.count(Wallet.id))) == 0
    assert_ledger_ok()


def test_a_refund_under_way_or_paid_needs_no_followup(world, member):
    closed = owed_refund(member, world.station_a, "CLOSED")
    pending = refund_followup.reissue(world.admin, closed.id)
    with pytest.raises(Conflict, match="不需要处理"):
        refund_followup.return_to_wallet(world.admin, pending.id, "phone", NOTE)
    abnormal = owed_refund(member, world.station_a, "ABNORMAL")
    in_wallet = refund_followup.return_to_wallet(world.admin, abnormal.id, "phone", NOTE)
    with pytest.raises(Conflict, match="不需要处理"):
        refund_followup.reissue(world.admin, in_wallet.id)
    assert ledger.wallet_balance(member.id) == 20000
    assert_ledger_ok()


def test_each_use_case_commits_once(world, member):
    first = owed_refund(member, world.station_a, "CLOSED")
    second = owed_refund(member, world.station_a, "ABNORMAL")
    commits = []
    listener = lambda session: commits.append(session)  # noqa: E731
    event.listen(Session, "after_commit", listener)
    try:
        refund_followup.reissue(world.manager_a, first.id)
        assert len(commits) == 1
        refund_followup.return_to_wallet(world.manager_a, second.id, "message", NOTE)
        assert len(commits) == 2
    finally:
        event.remove(Session, "after_commit", listener)
    assert_ledger_ok()


def test_a_refund_wechat_refuses_for_good_is_owed_and_listed(world, member, sandbox):
    """WeChat refuses the refund itself (the merchant's balance is short): it never began
    there, so it is closed at once, owed to the driver and listed with WeChat's reason, not
    left pending while the job gives up."""
    order = place(member, world.station_a, amount_fen=20000)
    params = payments.pay_with_wechat(member, order.id)
    httpx.post(sandbox + "/pay", json=params, timeout=10).raise_for_status()
    assert wait_for(lambda: db.session.get(Order, order.id).status == "paid")
    refused = httpx.post(sandbox + "/faults", json={"refund": "NOT_ENOUGH", "times": 1})
    refused.raise_for_status()
    cancellation.cancel_order(member, order.id)
    run_jobs()
    (refund,) = refunds_of(order.id)
    assert (refund.status, refund.followup, refund.attempts) == ("CLOSED", None, 1)
    assert refund.last_error.startswith("NOT_ENOUGH")
    assert [o.refund.id for o in refund_followup.owed_refunds(world.manager_a)] == [refund.id]
    assert (balance("refunds_owed"), balance("refunds_payable")) == (-20000, 0)
    assert_ledger_ok()

    new = refund_followup.reissue(world.manager_a, refund.id)  # the balance was topped up
    run_jobs()
    assert wait_for(lambda: db.session.get(Refund, new.id).status == "SUCCESS")
    assert (balance("refunds_owed"), balance("wechat_clearing")) == (0, 0)
    assert_ledger_ok()

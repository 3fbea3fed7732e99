"""Wallet payment, the pickup token, confirmation at the pump, settlement and refunds."""

from datetime import timedelta
from functools import partial

import pytest
import time_machine
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, LedgerEntry, Order, OutboxJob, PickupToken, Refund
from app.models.base import utcnow
from app.services import ledger, orders, payments
from app.services.orders import pickup
from app.services.payments import cancellation, refunds
from app.services.platform import outbox
from app.services.platform.errors import Conflict, Invalid, PermissionDenied
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, credit_wallet, place, run_jobs
from tests.threads import run_together, start_line


@pytest.fixture
def member(world):
    member = make_member(world.chain)
    credit_wallet(member, 100_000)
    return member


def paid_order(world, member, **kwargs):
    args = {"fuel_code": "92", "nozzle_number": None, "mode": "amount", "amount_fen": 20000}
    args.update(kwargs)
    order = orders.place_order(member, world.station_a.id, **args)
    return payments.pay_with_wallet(member, order.id)


def test_wallet_payment_debits_once_and_issues_a_token(world, member):
    order = paid_order(world, member)
    assert (order.status, order.paid_fen, order.payment_method) == ("paid", 20000, "wallet")
    assert ledger.wallet_balance(member.id) == 80_000
    token = pickup.token_for(order)
    assert len(token) == 32  # 160 bits in base32
    stored = db.session.scalars(select(PickupToken)).one()
    assert stored.token_hash == pickup.hash_token(token) and token not in stored.token_hash
    assert pickup.qr_png(token).startswith(b"\x89PNG")
    with pytest.raises(Conflict):
        payments.pay_with_wallet(member, order.id)
    assert ledger.wallet_balance(member.id) == 80_000
    assert_ledger_ok()


def test_insufficient_wallet_changes_nothing(world, member):
    order = orders.place_order(
        member, world.station_a.id, fuel_code="92", nozzle_number=None, mode="fill_up"
    )
    ledger.post(
        world.chain.id,
        "test.spend",
        [
            ledger.Leg("member_wallet", 60_000, member_id=member.id),
            ledger.Leg("topup_clearing", -60_000),
        ],
    )
    db.session.commit()
    with pytest.raises(ledger.InsufficientBalance):
        payments.pay_with_wallet(member, order.id)
    db.session.refresh(order)
    assert (order.status, order.paid_fen) == ("created", 0)
    assert ledger.wallet_balance(member.id) == 40_000
    assert db.session.scalar(select(func.count(PickupToken.id))) == 0
    assert_ledger_ok()


def test_confirm_smaller_volume_refunds_the_rest_to_the_wallet(world, member):
    order = paid_order(world, member)  # 200.00 元 at 7.48 元/L member price
    token = pickup.token_for(order)
    confirmed = pickup.confirm_fueling(world.attendant_a, token, 20_000)  # 20.00 L
    assert (confirmed.status, confirmed.dispensed_fen) == ("fueled", 14960)
    assert pickup.token_for(confirmed) is None
    assert run_jobs() >= 1
    db.session.refresh(order)
    assert order.status == "settled"
    assert order.refunded_fen == 20000 - 14960
    refund = db.session.scalars(select(Refund)).one()
    assert (refund.method, refund.kind, refund.status) == ("wallet", "settlement", "SUCCESS")
    assert ledger.wallet_balance(member.id) == 100_000 - 14960
    # Revenue at list price (20 L x 7.68 = 153.60), the member cut as promotion expense.
    by_account = dict(
        db.session.execute(
            select(LedgerEntry.account, func.sum(LedgerEntry.amount_fen))
            .where(LedgerEntry.order_id == order.id)
            .group_by(LedgerEntry.account)
        ).all()
    )
    assert by_account["fuel_revenue"] == -15360
    assert by_account["promotion_expense"] == 400
    assert_ledger_ok()
    with pytest.raises(pickup.TokenUsed):
        pickup.confirm_fueling(world.attendant_a, token, 10_000)


def test_confirm_refusals(world, member):
    order = paid_order(world, member)
    token = pickup.token_for(order)
    with pytest.raises(Invalid, match="超过已付"):
        pickup.confirm_fueling(world.attendant_a, token, 26_750)  # 200.09 元 > 200.00 元
    with pytest.raises(Invalid):
        pickup.confirm_fueling(world.attendant_a, token, 0)
    with pytest.raises(Invalid):
        pickup.confirm_fueling(world.attendant_a, token, 10_005)
    other = make_staff_b(world)
    with pytest.raises(pickup.OtherStation):
        pickup.lookup(other, token)
    with pytest.raises(pickup.NotFound):
        pickup.lookup(world.attendant_a, "NOT-A-TOKEN")
    later = utcnow() + timedelta(hours=25)
    with time_machine.travel(later, tick=False), pytest.raises(pickup.TokenExpired):
        pickup.lookup(world.attendant_a, token)
    db.session.refresh(order)
    assert order.status == "paid"
    exact = pickup.confirm_fueling(world.attendant_a, token, 26_730)  # 199.94 元
    assert exact.dispensed_fen == 19994


def make_staff_b(world):
    from tests.factories import make_staff

    return make_staff(world.chain, "attendant", [world.station_b], "attendant_b")


def test_two_attendants_confirming_at_once_one_wins(app, world, member):
    order = paid_order(world, member)
    token = pickup.token_for(order)
    second = make_staff_b(world)
    db.session.add(
        type(second.station_links[0])(
            chain_id=world.chain.id, staff_id=second.id, station_id=world.station_a.id
        )
    )
    db.session.commit()
    staff_ids = [world.attendant_a.id, second.id]
    results, barrier = [], start_line(2)

    def confirm(staff_id):
        with app.app_context():
            from app.models import Staff

            staff = db.session.get(Staff, staff_id)
            barrier.wait()
            try:
                pickup.confirm_fueling(staff, token, 15_000)
                results.append("ok")
            except Conflict as err:
                results.append(err.code)
            finally:
                db.session.remove()

    run_together(*(partial(confirm, s) for s in staff_ids), barrier=barrier)
    assert sorted(results) == ["ok", "token_used"]
    assert (
        db.session.scalar(select(func.count(OutboxJob.id)).where(OutboxJob.kind == "settle_order"))
        == 1
    )


def test_fifty_concurrent_wallet_payments_ten_succeed(app, world):
    member = make_member(world.chain, openid="o-rich-enough-for-ten")
    credit_wallet(member, 10 * 5000)
    order_ids = [place(member, world.station_a, amount_fen=5000).id for _ in range(50)]
    member_id = member.id  # read here: the test's session is not for threads
    outcomes, barrier = [], start_line(10)

    def pay(ids):
        with app.app_context():
            from app.models import Member

            payer = db.session.get(Member, member_id)
            barrier.wait()
            for order_id in ids:
                try:
                    payments.pay_with_wallet(payer, order_id)
                    outcomes.append("paid")
                except ledger.InsufficientBalance:
                    outcomes.append("refused")
            db.session.remove()

    run_together(*(partial(pay, order_ids[i::10]) for i in range(10)), barrier=barrier)
    assert outcomes.count("paid") == 10 and outcomes.count("refused") == 40
    db.session.expire_all()
    assert ledger.wallet_balance(member.id) == 0
    assert db.session.scalar(select(func.count(Order.id)).where(Order.status == "paid")) == 10
    assert_ledger_ok()


def test_cancel_unpaid_and_paid_orders(world, member):
    unpaid = place(member, world.station_a, amount_fen=5000)
    assert cancellation.cancel_order(member, unpaid.id).status == "cancelled"
    order = paid_order(world, member)
    cancelled = cancellation.cancel_order(member, order.id)
    assert (cancelled.status, cancelled.refunded_fen) == ("cancelled", 20000)
    assert ledger.wallet_balance(member.id) == 100_000
    with pytest.raises(Conflict):
        cancellation.cancel_order(member, order.id)
    assert_ledger_ok()


def test_unpaid_order_expires_after_fifteen_minutes(world, member):
    order = place(member, world.station_a, amount_fen=5000)
    assert run_jobs() == 0  # not due yet
    with time_machine.travel(utcnow() + timedelta(minutes=15, seconds=1), tick=False):
        assert run_jobs() == 1
        db.session.refresh(order)
        assert order.status == "expired"
        with pytest.raises(Conflict):
            payments.pay_with_wallet(member, order.id)


def test_staff_refunds_are_bounded_and_audited(world, member):
    order = paid_order(world, member)
    pickup.confirm_fueling(world.attendant_a, pickup.token_for(order), 20_000)
    run_jobs()
    with pytest.raises(PermissionDenied):
        refunds.refund_order(world.attendant_a, order.id, 100, "多收")
    with pytest.raises(PermissionDenied):
        refunds.refund_order(world.manager_b, order.id, 100, "多收")
    with pytest.raises(Invalid):
        refunds.refund_order(world.cashier_a, order.id, 100, " ")
    refund = refunds.refund_order(world.cashier_a, order.id, 1000, "油品投诉，退 10 元")
    assert (refund.status, refund.actor_staff_id) == ("SUCCESS", world.cashier_a.id)
    with pytest.raises(Invalid, match="退款金额"):
        refunds.refund_order(world.cashier_a, order.id, 14960, "再退")
    entry = db.session.scalars(
        select(AuditLog).where(
            AuditLog.action == "refund.create", AuditLog.actor_staff_id.is_not(None)
        )
    ).one()
    assert entry.after["amount_fen"] == 1000
    db.session.refresh(order)
    assert order.refunded_fen == 20000 - 14960 + 1000
    assert_ledger_ok()


def test_worker_crash_between_payment_and_settlement(world, member):
    order = paid_order(world, member)
    pickup.confirm_fueling(world.attendant_a, pickup.token_for(order), 20_000)
    job_id = outbox.due_ids(10)[0]
    assert outbox.claim(job_id)  # a worker took it and died before running it
    assert run_jobs() == 0
    db.session.refresh(order)
    assert order.status == "fueled"
    with time_machine.travel(utcnow() + outbox.STUCK_AFTER + timedelta(seconds=1), tick=False):
        assert outbox.sweep_stuck() == 1
        assert run_jobs() == 1
    db.session.refresh(order)
    assert order.status == "settled"
    from app.services.payments import settlement

    assert settlement.settle_order(order.id) is False  # a second run changes nothing
    assert db.session.scalar(select(func.count(Refund.id))) == 1
    assert_ledger_ok()


def test_staff_refund_racing_a_fuelling_never_pays_out_more_than_was_paid(app, world, member):
    """A cashier refunds 150 元 of a 200 元 order while the attendant confirms 100 元 of fuel:
    one of them must lose, every time."""
    credit_wallet(member, 10 * 20000)
    cashier_id, attendant_id = world.cashier_a.id, world.attendant_a.id  # not read in threads
    for _ in range(10):
        order = paid_order(world, member)
        token, order_id = pickup.token_for(order), order.id
        barrier, outcomes = start_line(2), []

        def refund(order_id=order_id, barrier=barrier, outcomes=outcomes):
            with app.app_context():
                from app.models import Staff

                barrier.wait()
                try:
                    refunds.refund_order(db.session.get(Staff, cashier_id), order_id, 15000, "争议")
                    outcomes.append("refunded")
                except (Conflict, Invalid):
                    outcomes.append("refund refused")
                finally:
                    db.session.remove()

        def confirm(token=token, barrier=barrier, outcomes=outcomes):
            with app.app_context():
                from app.models import Staff

                barrier.wait()
                try:
                    pickup.confirm_fueling(
                        db.session.get(Staff, attendant_id), token, 13_370
                    )  # 13.37 L x 7.48 = 100.01 元
                    outcomes.append("fueled")
                except (Conflict, Invalid):
                    outcomes.append("confirm refused")
                finally:
                    db.session.remove()

        run_together(refund, confirm, barrier=barrier)
        db.session.expire_all()
        final = db.session.get(Order, order_id)
        assert final.refunded_fen + (final.dispensed_fen or 0) <= final.paid_fen, outcomes
        assert sorted(outcomes) in (["confirm refused", "refunded"], ["fueled", "refund refused"])
    run_jobs()
    assert_ledger_ok()

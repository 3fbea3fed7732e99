"""A WeChat refund that ends CLOSED or ABNORMAL (refunds._close): the money stays owed to the
driver on refunds_owed, the order keeps it as refunded, and a refund never finishes before it
was created."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import LedgerEntry, LedgerTransaction, Order, Refund
from app.models.base import utcnow
from app.services import payments
from app.services.orders import pickup
from app.services.payments import cancellation, refund_followup, refunds
from app.services.payments.settlement import settle_order
from app.services.platform.errors import Conflict
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, credit_wallet, place, run_jobs
from tests.money.refund_helpers import digits, owed_refund, wechat_paid, wechat_says


@pytest.fixture
def member(world, live_server):  # live_server: the prepay goes to the fake WeChat Pay
    return make_member(world.chain)


def balance(account: str, order_id: int | None = None) -> int:
    query = select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
    query = query.where(LedgerEntry.account == account)
    if order_id is not None:
        query = query.where(LedgerEntry.order_id == order_id)
    return db.session.scalar(query)


def transactions() -> int:
    return db.session.scalar(select(func.count(LedgerTransaction.id)))


@pytest.mark.parametrize("status", ["CLOSED", "ABNORMAL"])
def test_refund_wechat_gives_up_on_stays_owed_to_the_driver(world, member, status):
    refund = owed_refund(member, world.station_a, status)
    order = db.session.get(Order, refund.order_id)
    assert (refund.status, refund.followup) == (status, None)
    assert refund.wechat_refund_id and refund.finished_at >= refund.created_at
    # Still cancelled and refunded in full: the money is no longer the order's, it is the
    # driver's, owed on refunds_owed (not back on prepaid orders, not on refunds payable).
    assert (order.status, order.paid_fen, order.refunded_fen) == ("cancelled", 20000, 20000)
    assert balance("prepaid_orders", order.id) == 0
    assert (balance("refunds_payable"), balance("refunds_owed")) == (0, -20000)
    assert balance("wechat_clearing") == 20000  # nothing left WeChat for the driver
    assert_ledger_ok()


def test_closed_twice_or_after_success_books_nothing_more(world, member):
    refund = owed_refund(member, world.station_a, "CLOSED")
    booked = transactions()
    assert refunds.apply_result(wechat_says(refund, "CLOSED")) == "unchanged"
    assert refunds.apply_result(wechat_says(refund, "SUCCESS")) == "unchanged"
    assert transactions() == booked
    assert db.session.get(Refund, refund.id).status == "CLOSED"

    other = owed_refund(member, world.station_a, "ABNORMAL")
    assert refunds.apply_result(wechat_says(other, "CLOSED")) == "unchanged"
    assert db.session.get(Refund, other.id).status == "ABNORMAL"

    paid = wechat_paid(member, world.station_a)
    cancellation.cancel_order(member, paid.id)
    done = db.session.scalars(select(Refund).where(Refund.order_id == paid.id)).one()
    assert refunds.apply_result(wechat_says(done, "SUCCESS")) == "success"
    assert refunds.apply_result(wechat_says(done, "CLOSED")) == "unchanged"
    assert db.session.get(Refund, done.id).status == "SUCCESS"
    assert balance("refunds_owed") == -40000  # the first two only
    assert_ledger_ok()


def test_closed_settlement_refund_leaves_the_settled_order_alone(world, member):
    order = wechat_paid(member, world.station_a)
    pickup.confirm_fueling(world.attendant_a, pickup.token_for(order), 20_000)
    assert settle_order(order.id)
    refund = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).one()
    assert (refund.kind, refund.amount_fen) == ("settlement", 5040)
    assert refunds.apply_result(wechat_says(refund, "CLOSED")) == "closed"
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert (order.status, order.refunded_fen) == ("settled", 5040)
    assert balance("prepaid_orders", order.id) == 0  # not parked on a settled order
    assert balance("refunds_owed") == -5040
    assert_ledger_ok()


def test_closed_refund_of_a_late_payment_does_not_touch_the_order(world, member, app):
    """Money that came after the order expired is sent straight back; if WeChat closes that
    refund, the order (which never had the money) stays as it is."""
    order = place(member, world.station_a, amount_fen=20000)
    payments.pay_with_wechat(member, order.id)
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        run_jobs()  # the order expires, its prepay is closed at WeChat
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "expired"
    config = app.config
    late = {
        "appid": config["WECHATPAY_APPID"],
        "mchid": config["WECHATPAY_MCHID"],
        "out_trade_no": order.order_no,
        "transaction_id": "4200" + digits(24),
        "trade_state": "SUCCESS",
        "amount": {"total": 20000, "payer_total": 20000, "currency": "CNY"},
    }
    assert payments.apply_transaction(late) == "refunded_late_payment"
    refund = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).one()
    assert refunds.apply_result(wechat_says(refund, "CLOSED")) == "closed"
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert (order.status, order.paid_fen, order.refunded_fen) == ("expired", 0, 0)
    assert (balance("refunds_owed"), balance("wechat_clearing")) == (-20000, 20000)
    assert_ledger_ok()


def test_wallet_refund_finishes_when_it_is_created(world):
    driver = make_member(world.chain)
    credit_wallet(driver, 20000)
    order = place(driver, world.station_a, amount_fen=5000)
    payments.pay_with_wallet(driver, order.id)
    refund = refunds.refund_order(world.cashier_a, order.id, 1000, "少加了油")
    refund = db.session.get(Refund, refund.id)
    assert refund.status == "SUCCESS"
    assert refund.finished_at == refund.created_at  # was a few microseconds before it
    assert_ledger_ok()


def test_a_clock_behind_never_finishes_a_refund_before_it_began(world, member):
    """The worker that applies WeChat's answer may run on a machine whose clock is behind the
    one that created the refund."""
    order = wechat_paid(member, world.station_a)
    cancellation.cancel_order(member, order.id)
    refund = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).one()
    with time_machine.travel(refund.created_at - timedelta(minutes=3), tick=False):
        assert refunds.apply_result(wechat_says(refund, "SUCCESS")) == "success"
    db.session.expire_all()
    refund = db.session.get(Refund, refund.id)
    assert refund.finished_at == refund.created_at
    # And the database refuses it outright.
    with pytest.raises(IntegrityError):
        db.session.execute(
            update(Refund)
            .where(Refund.id == refund.id)
            .values(finished_at=refund.created_at - timedelta(seconds=1))
        )
    db.session.rollback()
    assert_ledger_ok()


def test_an_abnormal_refund_wechat_pays_out_later_is_owed_no_more(world, member):
    """The merchant sent an ABNORMAL refund on from WeChat's merchant platform: WeChat then
    says SUCCESS. The money left through WeChat, so it cannot also go into the wallet."""
    refund = owed_refund(member, world.station_a, "ABNORMAL")
    assert refunds.apply_result(wechat_says(refund, "SUCCESS")) == "success"
    db.session.expire_all()
    assert db.session.get(Refund, refund.id).status == "SUCCESS"
    assert (balance("refunds_owed"), balance("wechat_clearing")) == (0, 0)
    assert refund_followup.owed_refunds(world.admin) == []
    with pytest.raises(Conflict):
        refund_followup.return_to_wallet(world.admin, refund.id, "phone", "司机电话同意退回钱包")
    assert refunds.apply_result(wechat_says(refund, "SUCCESS")) == "unchanged"  # once only

    # Paid into the wallet first, then paid out by WeChat as well: the driver has it twice.
    # That is left for a person (logged), and the books still show where the money went.
    followed = owed_refund(member, world.station_a, "ABNORMAL")
    refund_followup.return_to_wallet(world.admin, followed.id, "phone", "司机电话同意退回钱包")
    booked = transactions()
    assert refunds.apply_result(wechat_says(followed, "SUCCESS")) == "unchanged"
    assert transactions() == booked
    assert_ledger_ok()

"""柜台退款 of walk-in sales: the money goes back the way it came at the counter, in cash out of
the station's drawer, or as a reversal on the POS or the terminal whose reference the cashier
types; partial and full, the same threshold and approval as any counter refund, and a missing
reference refused with nothing written. The ledger check runs after every test (conftest)."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CounterRefundRequest, LedgerTransaction, Order, Refund, Staff
from app.services.counter.walkin_sale import Payment
from app.services.payments import counter_refund_list, counter_refunds
from app.services.platform.errors import Invalid
from tests.console.conftest import page
from tests.console.counter_refund_helpers import form, set_threshold
from tests.counter.helpers import legs, order_of, sell
from tests.factories import PASSWORD
from tests.money.helpers import assert_ledger_ok

LIST = "/console/counter-refunds"


def refund_url(order) -> str:
    return f"/console/orders/{order.id}/refund"


def walk_in(world, method: str, amount_fen: int = 10_000) -> Order:
    """A walk-in sale at station A paid in cash, by card or on the terminal."""
    payment = {
        "cash": Payment("cash", received_fen=amount_fen),
        "pos": Payment("pos", reference="6688"),
        "terminal": Payment("terminal", reference="W20260101", terminal_app="wechat"),
    }[method]
    return order_of(sell(world, payment, nozzle=1, amount=amount_fen))


def written() -> tuple[int, int, int]:
    """(counter refund requests, refunds, ledger transactions)."""
    db.session.expire_all()
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return count(CounterRefundRequest), count(Refund), count(LedgerTransaction)


def test_a_cash_sale_refunded_in_part_then_in_full(as_staff, world):
    order = walk_in(world, "cash")
    cashier = as_staff("cashier_a")
    shown = page(cashier.get(refund_url(order)))
    assert "现金" in shown and "现金退回（钱箱付出）" in shown and "从本班钱箱付出" in shown
    assert 'name="reference"' not in shown
    done = cashier.post(refund_url(order), form("30.00", "overcharged"))
    assert done.status_code == 303
    assert "已退款 30.00 元，请从钱箱付给车主" in page(cashier.get(done.headers["Location"]))
    db.session.expire_all()
    refund = db.session.scalars(select(Refund)).one()
    assert (refund.method, refund.status, refund.amount_fen) == ("cash", "SUCCESS", 3_000)
    assert legs(order)["cash_drawer"] == 7_000 and legs(order)["fuel_revenue"] == -7_000
    rest = cashier.post(refund_url(order), form("70.00", "driver_cancelled"))
    assert rest.status_code == 303
    db.session.expire_all()
    refunded = db.session.get(Order, order.id)
    assert (refunded.status, refunded.refunded_fen) == ("settled", 10_000)
    assert "cash_drawer" not in legs(order) or legs(order)["cash_drawer"] == 0
    assert "该订单已全部退款" in page(cashier.get(refund_url(order)))
    assert_ledger_ok()


@pytest.mark.parametrize("method", ["pos", "terminal"])
def test_a_card_or_terminal_refund_needs_the_reversal_reference(as_staff, world, method):
    order = walk_in(world, method)
    cashier = as_staff("cashier_a")
    shown = page(cashier.get(refund_url(order)))
    assert 'name="reference"' in shown and "退款参考号" in shown
    before = written()
    # Checked before the password: a missing reference costs no try, even with a wrong one.
    refused = cashier.post(refund_url(order), form("20.00", secret="wrong-password"))
    assert refused.status_code == 400
    wanted = "POS 上撤销或退货交易的参考号" if method == "pos" else "收款终端上退款交易的单号"
    assert wanted in page(refused)
    assert written() == before and db.session.get(Order, order.id).refunded_fen == 0
    assert db.session.get(Staff, world.cashier_a.id).pin_failures == 0
    done = cashier.post(refund_url(order), {**form("20.00"), "reference": " RV-7788 "})
    assert done.status_code == 303
    db.session.expire_all()
    refund = db.session.scalars(select(Refund)).one()
    assert (refund.method, refund.reference, refund.status) == (method, "RV-7788", "SUCCESS")
    account = "card_clearing" if method == "pos" else "terminal_clearing"
    assert legs(order)[account] == 8_000
    request = db.session.scalars(select(CounterRefundRequest)).one()
    assert (request.status, request.reference) == ("sent", "RV-7788")
    assert_ledger_ok()


def test_the_service_refuses_a_card_refund_without_its_reference(world):
    order = walk_in(world, "pos")
    before = written()
    with pytest.raises(Invalid) as refused:
        counter_refunds.request_refund(world.cashier_a, order.id, 1_000, "other", "试", PASSWORD)
    assert "参考号" in refused.value.fields["reference"]
    assert written() == before
    assert_ledger_ok()


def test_above_the_threshold_the_approver_types_the_card_reversal(as_staff, console, world):
    set_threshold(world.station_a, 5_000)
    order = walk_in(world, "pos", 20_000)
    cashier = as_staff("cashier_a")
    asked = cashier.post(refund_url(order), form("80.00", "overcharged"))  # no reference yet
    assert asked.status_code == 303
    waiting = db.session.scalars(select(CounterRefundRequest)).one()
    assert (waiting.status, waiting.reference) == ("pending", "")
    assert counter_refund_list.list_requests(world.cashier_a)[0][0].needs_reference
    before = written()
    # A cashier may not decide it, with or without a reference.
    cashier.post(f"{LIST}/{waiting.id}/approve", {"reference": "RV-1"})
    assert written() == before
    console.post("/console/logout")

    manager = as_staff("manager_a")
    listed = page(manager.get(LIST))
    assert "银行卡撤销/退货参考号" in listed and f'id="counter-reference-{waiting.id}"' in listed
    # Without the CSRF token nothing happens.
    manager.post(f"{LIST}/{waiting.id}/approve", {"reference": "RV-1"}, csrf=False)
    assert written() == before
    refused = manager.post(f"{LIST}/{waiting.id}/approve", htmx=True)
    assert refused.status_code == 400
    assert "POS 上撤销或退货交易的参考号" in page(refused)
    assert written() == before and db.session.get(Order, order.id).refunded_fen == 0
    sent = manager.post(f"{LIST}/{waiting.id}/approve", {"reference": "RV-1"}, htmx=True)
    assert sent.status_code == 200 and "已退款" in page(sent)
    db.session.expire_all()
    decided = db.session.get(CounterRefundRequest, waiting.id)
    refund = db.session.get(Refund, decided.refund_id)
    assert (decided.status, decided.reference, decided.decided_by_id) == (
        "sent",
        "RV-1",
        world.manager_a.id,
    )
    assert (refund.method, refund.reference, refund.amount_fen) == ("pos", "RV-1", 8_000)
    assert legs(order)["card_clearing"] == 12_000
    assert_ledger_ok()


def test_above_the_threshold_a_cash_refund_waits_then_leaves_the_drawer(world):
    set_threshold(world.station_a, 0)
    order = walk_in(world, "cash")
    made = counter_refunds.request_refund(
        world.cashier_a, order.id, 10_000, "driver_cancelled", "", PASSWORD
    )
    assert made.status == "pending" and legs(order)["cash_drawer"] == 10_000
    counter_refunds.approve(world.manager_a, made.id)
    db.session.expire_all()
    assert db.session.get(Order, order.id).refunded_fen == 10_000
    assert legs(order).get("cash_drawer", 0) == 0
    assert_ledger_ok()


def test_another_stations_staff_cannot_refund_a_walk_in_sale(as_staff, world):
    order = walk_in(world, "cash")
    other = as_staff("manager_b")
    assert other.get(refund_url(order)).status_code == 403
    refused = other.post(refund_url(order), {**form("10.00"), "reference": "X"})
    assert refused.status_code == 403
    assert db.session.get(Order, order.id).refunded_fen == 0
    assert_ledger_ok()

"""Drivers' refund requests at the same moment as each other and as counter refunds: the order's
row lock decides them one after the other, the database backs it up (one driver's request
waiting per order, exactly one requester), and what an order gives back plus what its waiting
requests hold never passes what was paid."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import CounterRefundRequest, Member, Order, Staff
from app.models.base import utcnow
from app.services.payments import counter_refunds, driver_refunds
from app.services.platform.errors import Invalid
from tests.console.counter_refund_helpers import driver
from tests.factories import PASSWORD
from tests.money.helpers import assert_ledger_ok
from tests.money.tier_helpers import PAID_FEN, SPENT_FEN, settled_order
from tests.threads import run_together, start_line

ROUNDS = 5


@pytest.fixture
def member(world) -> Member:
    return driver(world, "o-driver-refund-race")  # 1,000 元 in the wallet


def held_and_given(order_id: int) -> tuple[int, int, int]:
    """(paid, refunded, held by waiting requests) of the order, as committed."""
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    waiting = db.session.scalar(
        select(func.coalesce(func.sum(CounterRefundRequest.amount_fen), 0)).where(
            CounterRefundRequest.order_id == order_id, CounterRefundRequest.status == "pending"
        )
    )
    return order.paid_fen, order.refunded_fen, waiting


def test_two_requests_of_one_order_at_once_make_one(app, world, member):
    for _ in range(ROUNDS):
        order_id = settled_order(world, member).id
        barrier, outcomes = start_line(2), []

        def ask(amount_fen, order_id=order_id, barrier=barrier, outcomes=outcomes):
            with app.app_context():
                me = db.session.get(Member, member.id)
                barrier.wait()
                try:
                    driver_refunds.request_refund(me, order_id, amount_fen, "short_fuel", "")
                    outcomes.append("asked")
                except driver_refunds.RequestOpen as err:
                    assert (err.status, err.code) == (409, "refund_request_open")
                    outcomes.append("open")
                finally:
                    db.session.remove()

        run_together(lambda: ask(3000), lambda: ask(4000), barrier=barrier)
        assert sorted(outcomes) == ["asked", "open"]
        db.session.expire_all()
        made = db.session.scalars(
            select(CounterRefundRequest).where(CounterRefundRequest.order_id == order_id)
        ).all()
        assert [(r.channel, r.status) for r in made] == [("driver", "pending")]
    assert_ledger_ok()


@pytest.mark.parametrize(
    ("counter_fen", "driver_fen", "both"),
    [(10_000, 10_000, False), (5_000, 5_000, True), (SPENT_FEN, 1, False)],
)
def test_a_counter_refund_and_a_drivers_request_never_pass_what_was_paid(
    app, world, member, counter_fen, driver_fen, both
):
    """A cashier refunds at once (within the station's threshold) while the driver asks: both
    fit, or one of them is refused, and approving what was asked never fails for lack of money."""
    for _ in range(ROUNDS):
        order_id = settled_order(world, member).id
        barrier, outcomes = start_line(2), {}

        def counter(order_id=order_id, barrier=barrier, outcomes=outcomes):
            with app.app_context():
                cashier = db.session.get(Staff, world.cashier_a.id)
                barrier.wait()
                try:
                    counter_refunds.request_refund(
                        cashier, order_id, counter_fen, "overcharged", "", PASSWORD
                    )
                    outcomes["counter"] = "refunded"
                except Invalid as err:
                    assert "amount_fen" in err.fields
                    outcomes["counter"] = "refused"
                finally:
                    db.session.remove()

        def asked(order_id=order_id, barrier=barrier, outcomes=outcomes):
            with app.app_context():
                me = db.session.get(Member, member.id)
                barrier.wait()
                try:
                    driver_refunds.request_refund(me, order_id, driver_fen, "duplicate", "")
                    outcomes["driver"] = "asked"
                except Invalid as err:
                    assert "amount_fen" in err.fields or "order_id" in err.fields
                    outcomes["driver"] = "refused"
                finally:
                    db.session.remove()

        run_together(counter, asked, barrier=barrier)
        if both:
            assert outcomes == {"counter": "refunded", "driver": "asked"}
        else:
            assert sorted(outcomes.values()) in (["asked", "refused"], ["refunded", "refused"])
        paid, refunded, held = held_and_given(order_id)
        assert refunded + held <= paid == PAID_FEN
        waiting = db.session.scalars(
            select(CounterRefundRequest).where(
                CounterRefundRequest.order_id == order_id,
                CounterRefundRequest.channel == "driver",
            )
        ).all()
        for request in waiting:  # what was asked can be given
            counter_refunds.approve(db.session.get(Staff, world.manager_a.id), request.id)
        paid, refunded, held = held_and_given(order_id)
        assert held == 0 and refunded <= paid
    assert_ledger_ok()


def test_the_database_keeps_one_drivers_request_waiting_and_one_requester(world, member):
    order = settled_order(world, member)
    base = dict(
        chain_id=order.chain_id,
        station_id=order.station_id,
        order_id=order.id,
        amount_fen=100,
        reason_code="short_fuel",
        note="",
        status="pending",
        requested_at=utcnow(),
        reject_reason="",
    )
    db.session.add(CounterRefundRequest(**base, channel="driver", member_id=member.id))
    db.session.commit()
    wrong = {
        "a second waiting one": dict(channel="driver", member_id=member.id),
        "a driver's without the driver": dict(channel="driver"),
        "a counter's by a driver": dict(channel="counter", member_id=member.id),
        "two requesters": dict(
            channel="driver", member_id=member.id, requested_by_id=world.cashier_a.id
        ),
        "an unknown reason": dict(channel="counter", requested_by_id=world.cashier_a.id)
        | {"reason_code": "bored"},
    }
    for what, values in wrong.items():
        with pytest.raises(IntegrityError):
            db.session.add(CounterRefundRequest(**(base | values)))
            db.session.commit()
            pytest.fail(f"{what} was stored")
        db.session.rollback()
    # A counter request waiting beside the driver's is fine, and so is a decided driver's one.
    db.session.add(
        CounterRefundRequest(**base, channel="counter", requested_by_id=world.cashier_a.id)
    )
    db.session.add(
        CounterRefundRequest(
            **(base | {"status": "rejected", "reject_reason": "不符"}),
            channel="driver",
            member_id=member.id,
        )
    )
    db.session.commit()

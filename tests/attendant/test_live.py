"""The live list: waiting orders, events in sequence, and a long poll woken by a payment."""

import hashlib
import threading
import time
from functools import partial

from sqlalchemy import text

from app.attendant.schemas import EventsResponse, WaitingOrders
from app.extensions import db
from app.models import Member, Order
from app.services import payments
from app.services.payments import cancellation, refunds
from tests.api.conftest import assert_error
from tests.attendant.conftest import EVENTS_QUERY, paid_order
from tests.money.helpers import place
from tests.threads import WAIT_S, Worker
from tests.timing import statements, wait_until


def blocked_on_a_lock(engine) -> bool:
    """Whether a session of this test's database waits for a row lock (asked afresh each time:
    pg_stat_activity is a snapshot for the length of a transaction)."""
    with engine.connect() as conn:
        return bool(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND query LIKE '%FOR NO KEY UPDATE%'"
                )
            )
        )


def test_waiting_orders_and_events_follow_the_order(world, member, attendant):
    station = world.station_a.id
    empty = WaitingOrders.model_validate(attendant.get(f"/stations/{station}/orders").get_json())
    assert empty.orders == [] and empty.cursor == 0
    order, token = paid_order(world, member)
    listed = WaitingOrders.model_validate(attendant.get(f"/stations/{station}/orders").get_json())
    assert [o.id for o in listed.orders] == [order.id] and listed.cursor > 0
    assert attendant.confirm(token, 15_000).status_code == 200
    page = attendant.get(f"/stations/{station}/events", since=0, wait=0)
    events = EventsResponse.model_validate(page.get_json())
    assert [(e.kind, e.order.id) for e in events.events] == [
        ("order.paid", order.id),
        ("order.fueled", order.id),
    ]
    assert events.cursor == events.events[-1].id
    later = attendant.get(f"/stations/{station}/events", since=events.cursor, wait=0).get_json()
    assert later == {"cursor": events.cursor, "events": []}
    assert attendant.get(f"/stations/{station}/orders").get_json()["orders"] == []


def test_cancelled_order_leaves_the_list(world, member, attendant):
    order, _ = paid_order(world, member)
    cancellation.cancel_order(member, order.id)
    kinds = [
        e["kind"]
        for e in attendant.get(
            f"/stations/{world.station_a.id}/events", since=0, wait=0
        ).get_json()["events"]
    ]
    assert kinds == ["order.paid", "order.cancelled"]


def test_a_partial_refund_updates_what_is_left_to_fuel(world, member, attendant):
    order, _ = paid_order(world, member)  # 200 元
    refunds.refund_order(world.cashier_a, order.id, 5000, "少加")
    events = attendant.get(f"/stations/{world.station_a.id}/events", since=0, wait=0).get_json()
    assert [e["kind"] for e in events["events"]] == ["order.paid", "order.refunded"]
    assert events["events"][-1]["order"]["available_fen"] == 15000
    refunds.refund_order(world.cashier_a, order.id, 15000, "不加了")  # the rest: cancelled
    events = attendant.get(
        f"/stations/{world.station_a.id}/events", since=events["cursor"], wait=0
    ).get_json()
    assert [e["kind"] for e in events["events"]] == ["order.cancelled"]


def test_other_station_is_refused(world, member, attendant):
    assert_error(attendant.get(f"/stations/{world.station_b.id}/orders"), 403, "forbidden")
    assert_error(
        attendant.get(f"/stations/{world.station_b.id}/events", since=0, wait=0), 403, "forbidden"
    )


def test_long_poll_wakes_on_a_payment(app, world, member, attendant):
    placed = place(member, world.station_a, amount_fen=10000)
    member_id, order_id = member.id, placed.id  # read here: the test's session is not for threads

    def pay_while_the_handheld_waits(looks):
        looks.wait_beyond(0)  # the poll has looked once and found nothing: it is waiting
        with app.app_context():
            payments.pay_with_wallet(db.session.get(Member, member_id), order_id)
            db.session.remove()

    with statements(db.engine, EVENTS_QUERY) as looks:
        payer = Worker(partial(pay_while_the_handheld_waits, looks))
        started = time.monotonic()
        payer.start()
        answer = attendant.get(f"/stations/{world.station_a.id}/events", since=0, wait=10)
        waited = time.monotonic() - started
        payer.finish()
    events = answer.get_json()["events"]
    assert [(e["kind"], e["order"]["id"]) for e in events] == [("order.paid", placed.id)]
    assert looks.count >= 2  # it looked again after the payment and woke on it ...
    assert waited < 9  # ... not at the limit


def test_live_orders_carry_the_hash_a_scan_is_matched_with_offline(world, member, attendant):
    order, token = paid_order(world, member)
    expected = hashlib.sha256(token.strip().upper().encode()).hexdigest()
    station = world.station_a.id
    listed = attendant.get(f"/stations/{station}/orders").get_json()["orders"]
    assert [(o["id"], o["token_sha256"]) for o in listed] == [(order.id, expected)]
    events = attendant.get(f"/stations/{station}/events", since=0, wait=0).get_json()["events"]
    assert events[0]["order"]["token_sha256"] == expected
    # The lookup by the token itself does not hand it out.
    assert "token_sha256" not in attendant.get("/orders/lookup", token=token).get_json()


def test_chain_admin_gets_no_live_list(world, member, handheld):
    paid_order(world, member)
    assert_error(handheld.login("admin"), 403, "role_not_allowed")
    assert_error(handheld.get(f"/stations/{world.station_a.id}/orders"), 401, "unauthorized")


def test_events_of_a_station_become_visible_in_id_order(app, world, member, attendant):
    """A payment whose event took a later id cannot commit before one holding an earlier id,
    or a handheld reading "after the last id I saw" would skip the earlier one for good."""
    from app.services.orders import station_events

    ids = tuple(place(member, world.station_a).id for _ in range(2))
    recorded, release, fast_committed = threading.Event(), threading.Event(), threading.Event()

    def record(order_id, committed=None):
        with app.app_context():
            station_events.record(db.session.get(Order, order_id), "order.paid")
            if committed is None:  # the slow one: its event id is taken, not yet committed
                recorded.set()
                assert release.wait(WAIT_S), "the test never let the first payment commit"
            db.session.commit()
            if committed is not None:
                committed.set()
            db.session.remove()

    slow = Worker(partial(record, ids[0]))
    slow.start()
    assert recorded.wait(WAIT_S), "the first payment's event was never recorded"
    fast = Worker(partial(record, ids[1], fast_committed))
    fast.start()
    try:
        wait_until(lambda: blocked_on_a_lock(db.engine))
        # The later event waits for the earlier one's commit: nothing is visible yet.
        seen = attendant.get(f"/stations/{world.station_a.id}/events", since=0, wait=0)
        assert seen.get_json()["events"] == [] and not fast_committed.is_set()
    finally:
        release.set()  # a failure above must not leave the first payment waiting
    slow.finish()
    fast.finish()
    seen = attendant.get(f"/stations/{world.station_a.id}/events", since=0, wait=0).get_json()
    assert [e["order"]["id"] for e in seen["events"]] == list(ids)

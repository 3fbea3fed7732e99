"""A confirmation sent again with its confirmation_id (offline queue, lost answer) gets the
first result and changes nothing; the same id for another reading is refused."""

import uuid

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, OutboxJob
from app.services.orders import pickup
from tests.api.conftest import assert_error
from tests.attendant.conftest import paid_order, reload
from tests.money.helpers import assert_ledger_ok, run_jobs
from tests.threads import run_together, start_line


def send(handheld, token, ml, confirmation_id):
    return handheld.post(
        "/orders/confirm",
        {"token": token, "dispensed_ml": ml, "confirmation_id": confirmation_id},
    )


def test_resend_replays_the_first_result(world, member, attendant):
    order, token = paid_order(world, member)
    cid = str(uuid.uuid4())
    first = send(attendant, token, 20_000, cid)
    assert first.status_code == 200, first.get_json()
    assert "Idempotent-Replayed" not in first.headers
    run_jobs()  # settled meanwhile: the replay still tells what the pump reading came to
    again = send(attendant, token, 20_000, cid)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    for key in ("dispensed_ml", "dispensed_fen", "refund_fen"):
        assert again.get_json()[key] == first.get_json()[key]
    assert reload(order).status == "settled"
    assert (
        db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "order.fueled"))
        == 1
    )
    assert_ledger_ok()
    # Without the id, or with a new one, the used code is refused as before.
    assert_error(attendant.confirm(token, 20_000), 409, "token_used")
    assert_error(send(attendant, token, 20_000, str(uuid.uuid4())), 409, "token_used")
    assert_error(send(attendant, token, 21_000, cid), 409, "confirmation_id_reused")


def test_same_confirmation_twice_at_once_is_applied_once(app, world, member):
    order, token = paid_order(world, member)
    cid = str(uuid.uuid4())
    staff_id = world.attendant_a.id  # read here: the test's session is not for threads
    results, barrier = [], start_line(2)

    def confirm():
        with app.app_context():
            from app.models import Staff

            staff = db.session.get(Staff, staff_id)
            barrier.wait()
            results.append(pickup.confirm(staff, token, 15_000, cid)[2])
            db.session.remove()

    run_together(confirm, confirm, barrier=barrier)
    assert sorted(results) == [False, True]
    assert reload(order).dispensed_ml == 15_000
    assert (
        db.session.scalar(select(func.count(OutboxJob.id)).where(OutboxJob.kind == "settle_order"))
        == 1
    )

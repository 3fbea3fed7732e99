"""The short pickup code typed when the camera fails: found only among the paid orders of the
attendant's own station, unique there, stored keyed, and locked out after repeated misses."""

import hashlib
import re
import secrets
from datetime import timedelta
from functools import partial

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.attendant.schemas import CodeLookupResponse
from app.extensions import db
from app.models import AuditLog, Member, Order, PickupCodeGuard, PickupToken
from app.models.base import utcnow
from app.services import orders, payments
from app.services.orders import pickup
from app.services.payments import cancellation
from tests.api.conftest import assert_error
from tests.attendant.conftest import Handheld, paid_order, reload
from tests.money.helpers import assert_ledger_ok, run_jobs
from tests.threads import run_together, start_line


def code_of(order: Order) -> str:
    """What the driver's app prints under the QR."""
    return pickup.live_token(reload(order)).code


def by_code(handheld, station, code):
    return handheld.post("/orders/by-code", {"station_id": station.id, "code": code})


def wrong_code(order: Order) -> str:
    """An 8-digit code that is not this order's."""
    return f"{(int(code_of(order)) + 1) % 10**8:08d}"


def test_a_paid_order_has_an_8_digit_code_that_opens_it_and_confirms_like_a_scan(
    world, member, attendant
):
    order, token = paid_order(world, member, nozzle=1, mode="amount", amount_fen=20000)
    code = code_of(order)
    assert re.fullmatch(r"\d{8}", code)
    assert len(token) == 32  # the QR's token keeps its 160 bits
    answer = by_code(attendant, world.station_a, f" {code[:4]} {code[4:]} ")
    assert answer.status_code == 200, answer.get_json()
    found = CodeLookupResponse.model_validate(answer.get_json())
    assert (found.order.id, found.order.status, found.token) == (order.id, "paid", token)
    # From here on exactly as after a scan: the same confirmation, idempotent by its id.
    body = {"token": found.token, "dispensed_ml": 20000, "confirmation_id": "code-confirm-1"}
    first = attendant.post("/orders/confirm", body)
    assert first.status_code == 200, first.get_json()
    again = attendant.post("/orders/confirm", body)
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert reload(order).status == "fueled"
    # Burnt with the token: the code is free again and no longer finds the order.
    freed = select(PickupToken.code_hash).where(PickupToken.order_id == order.id)
    assert db.session.scalar(freed) is None
    assert pickup.live_token(reload(order)) is None
    assert_error(by_code(attendant, world.station_a, code), 404, "pickup_code_not_found")
    run_jobs()
    assert_ledger_ok()


def test_the_code_is_stored_keyed_and_means_nothing_at_another_station(
    world, member, attendant, attendant_b, app
):
    order, _ = paid_order(world, member)
    code = code_of(order)
    stored = db.session.scalar(select(PickupToken).where(PickupToken.order_id == order.id))
    plain = {hashlib.sha256(v.encode()).hexdigest() for v in (code, f"{world.station_a.id}:{code}")}
    assert stored.code_hash not in plain and code not in stored.code_hash
    # Asked at station B (where attendant A does not work): refused before any lookup.
    assert_error(by_code(attendant, world.station_b, code), 403, "other_station")
    # Station B's own attendant: the code is not one of B's orders.
    db.session.commit()
    other = Handheld(app.test_client())
    assert other.login("attendant_b").status_code == 200
    assert_error(by_code(other, world.station_b, code), 404, "pickup_code_not_found")
    assert_error(by_code(other, world.station_a, code), 403, "other_station")
    assert reload(order).status == "paid"


def test_a_cancelled_order_and_a_malformed_code_are_not_found(world, member, attendant):
    order, _ = paid_order(world, member)
    code = code_of(order)
    cancellation.cancel_order(db.session.get(Member, member.id), order.id)
    assert_error(by_code(attendant, world.station_a, code), 404, "pickup_code_not_found")
    for bad in ("1234567", "123456789", "abcdefgh", "1234 567x"):
        message = assert_error(by_code(attendant, world.station_a, bad), 400, "invalid_request")
        assert "8 位数字" in message
    # Only the wrong code counted: malformed input is a typo, not a guess.
    assert db.session.get(PickupCodeGuard, world.attendant_a.id).misses == 1
    assert_ledger_ok()


def test_five_misses_lock_typing_for_ten_minutes_and_are_audited(world, member, attendant):
    order, token = paid_order(world, member)
    code, wrong = code_of(order), wrong_code(order)
    for left in (4, 3, 2, 1):
        message = assert_error(
            by_code(attendant, world.station_a, wrong), 404, "pickup_code_not_found"
        )
        assert f"再错 {left} 次" in message
    message = assert_error(by_code(attendant, world.station_a, wrong), 429, "pickup_code_locked")
    assert "10 分钟后再试" in message and "扫描司机的二维码不受影响" in message
    # Locked: even the right code is refused, but the QR still works.
    message = assert_error(by_code(attendant, world.station_a, code), 429, "pickup_code_locked")
    assert re.search(r"请 (9|10) 分钟后再试", message)
    assert attendant.get("/orders/lookup", token=token).status_code == 200
    db.session.expire_all()
    audited = db.session.scalars(select(AuditLog).where(AuditLog.action == "pickup_code.lockout"))
    assert [(a.actor_staff_id, a.station_id) for a in audited] == [
        (world.attendant_a.id, world.station_a.id)
    ]
    with time_machine.travel(utcnow() + timedelta(minutes=10, seconds=1), tick=False):
        assert by_code(attendant, world.station_a, code).status_code == 200
        # The count starts again after a lock-out.
        assert_error(by_code(attendant, world.station_a, wrong), 404, "pickup_code_not_found")
        assert db.session.get(PickupCodeGuard, world.attendant_a.id).misses == 1


def test_a_hit_or_a_pause_starts_the_count_again(world, member, attendant):
    order, _ = paid_order(world, member)
    code, wrong = code_of(order), wrong_code(order)
    for _ in range(4):
        assert by_code(attendant, world.station_a, wrong).status_code == 404
    assert by_code(attendant, world.station_a, code).status_code == 200
    for _ in range(4):
        assert by_code(attendant, world.station_a, wrong).status_code == 404
    with time_machine.travel(utcnow() + timedelta(minutes=11), tick=False):
        message = assert_error(
            by_code(attendant, world.station_a, wrong), 404, "pickup_code_not_found"
        )
        assert "再错 4 次" in message


def test_misses_from_two_handhelds_at_once_are_all_counted(world, member, app):
    """Two devices of one attendant (two sessions), misses sent in parallel: the database
    counts every one, so no process or device resets another's count."""
    order, _ = paid_order(world, member)
    wrong = wrong_code(order)
    db.session.commit()
    devices = [Handheld(app.test_client()) for _ in range(2)]
    for device in devices:
        assert device.login("attendant_a").status_code == 200
    start = start_line(6)
    statuses = []

    body = {"station_id": world.station_a.id, "code": wrong}

    def guess(device):
        start.wait()
        statuses.append(device.post("/orders/by-code", body).status_code)

    run_together(*(partial(guess, devices[i % 2]) for i in range(6)), barrier=start)
    # Four misses told how many are left; the fifth locks, and so does any sent with it.
    assert sorted(statuses) == [404] * 4 + [429] * 2
    db.session.expire_all()
    guard = db.session.get(PickupCodeGuard, world.attendant_a.id)
    assert guard.locked_until is not None and guard.locked_until > utcnow()
    assert_error(by_code(devices[0], world.station_a, code_of(order)), 429, "pickup_code_locked")


def test_codes_are_unique_among_a_stations_live_orders(world, member):
    order, _ = paid_order(world, member)
    taken = db.session.scalar(select(PickupToken).where(PickupToken.order_id == order.id))
    other, _ = paid_order(world, member)
    with pytest.raises(IntegrityError):  # the database refuses a second live holder
        db.session.execute(
            PickupToken.__table__.update()
            .where(PickupToken.order_id == other.id)
            .values(code_hash=taken.code_hash)
        )
    db.session.rollback()


def place(world, member) -> Order:
    order = orders.place_order(
        member,
        world.station_a.id,
        fuel_code="92",
        nozzle_number=None,
        mode="amount",
        amount_fen=10000,
    )
    db.session.commit()
    return order


@pytest.mark.parametrize("holder_live", [True, False])
def test_a_drawn_code_that_is_taken_is_drawn_again(world, member, monkeypatch, holder_live):
    """The nonce that would give the new order a code already held: a live holder keeps it and
    the new order draws again; a holder that can no longer be used gives it up."""
    holder, _ = paid_order(world, member)
    if not holder_live:
        cancellation.cancel_order(db.session.get(Member, member.id), holder.id)
    order = place(world, member)
    first, second = "a" * 32, "b" * 32
    clash = pickup.hash_code(world.station_a.id, pickup._derive_code(order.id, first))
    db.session.execute(
        PickupToken.__table__.update()
        .where(PickupToken.order_id == holder.id)
        .values(code_hash=clash)
    )
    db.session.commit()
    nonces, token_hex = iter([first, second]), secrets.token_hex
    monkeypatch.setattr(secrets, "token_hex", lambda n: next(nonces) if n == 16 else token_hex(n))
    payments.pay_with_wallet(db.session.get(Member, member.id), order.id)
    db.session.expire_all()
    token = db.session.scalar(select(PickupToken).where(PickupToken.order_id == order.id))
    assert token.nonce == second
    assert token.code_hash == pickup.hash_code(world.station_a.id, code_of(order))
    kept = db.session.scalar(select(PickupToken.code_hash).where(PickupToken.order_id == holder.id))
    assert kept == (clash if holder_live else None)
    assert_ledger_ok()

"""Scanning a pickup QR, previewing and confirming the litres, and what settlement pays back."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.attendant.schemas import ConfirmResponse, PickupOrder, PreviewResponse
from app.extensions import db
from app.models import AuditLog, OutboxJob, PickupToken, Refund
from app.models.base import utcnow
from app.services import ledger
from tests.api.conftest import assert_error
from tests.attendant.conftest import paid_order, reload
from tests.money.helpers import assert_ledger_ok, run_jobs


def unchanged(order, token) -> None:
    """Still paid, nothing dispensed, the token unburnt, nothing queued for settlement."""
    order = reload(order)
    assert (order.status, order.dispensed_ml, order.dispensed_fen) == ("paid", None, None)
    assert (
        db.session.scalar(select(PickupToken.used_at).where(PickupToken.order_id == order.id))
        is None
    )
    assert db.session.scalar(select(func.count()).where(OutboxJob.kind == "settle_order")) == 0


def test_lookup_shows_the_paid_order(world, member, attendant):
    order, token = paid_order(
        world, member, nozzle=1, mode="amount", amount_fen=20000, plate="云AD12345"
    )
    answer = attendant.get("/orders/lookup", token=token)
    assert answer.status_code == 200, answer.get_json()
    found = PickupOrder.model_validate(answer.get_json())
    assert found.plate == "云AD12345"
    assert (found.id, found.order_no, found.status) == (order.id, order.order_no, "paid")
    assert found.station.model_dump() == {"id": world.station_a.id, "name": "昆明北京路加油站"}
    assert found.fuel.model_dump() == {"code": "92", "name": "92#汽油"}
    assert (found.nozzle, found.mode, found.preset_amount_fen) == (1, "amount", 20000)
    assert found.fill_up_cap_fen is None and found.preset_volume_ml is None
    assert (found.unit_price_fen, found.list_price_fen) == (748, 768)
    assert (found.paid_fen, found.refunded_fen, found.available_fen) == (20000, 0, 20000)
    # 26.73 L cost 199.94 元; 26.74 L would cost 200.02 元.
    assert found.max_volume_ml == 26730
    assert found.paid_at.endswith("+08:00") and found.member_nickname == "测试车主"
    # Scanners may add spaces or lower-case the code.
    assert attendant.get("/orders/lookup", token=f" {token.lower()} ").status_code == 200


def test_fill_up_order_shows_its_cap(world, member, attendant):
    order, token = paid_order(world, member, mode="fill_up")
    found = attendant.get("/orders/lookup", token=token).get_json()
    assert found["mode"] == "fill_up" and found["fill_up_cap_fen"] == order.amount_fen > 0
    assert found["preset_amount_fen"] is None and found["nozzle"] is None


def test_confirm_then_settlement_refunds_the_difference(world, member, attendant):
    order, token = paid_order(world, member)
    assert ledger.wallet_balance(member.id) == 80_000
    preview = attendant.get("/orders/preview", token=token, dispensed_ml=20000)
    assert preview.status_code == 200, preview.get_json()
    assert PreviewResponse.model_validate(preview.get_json()).refund_fen == 5040
    unchanged(order, token)  # a preview changes nothing

    answer = attendant.confirm(token, 20000)  # 20.00 L at 7.48 元 = 149.60 元
    assert answer.status_code == 200, answer.get_json()
    body = ConfirmResponse.model_validate(answer.get_json())
    assert (body.dispensed_ml, body.dispensed_fen, body.refund_fen) == (20000, 14960, 5040)
    assert (body.order.status, body.order.dispensed_fen) == ("fueled", 14960)
    assert body.order.fueled_at is not None
    order = reload(order)
    assert (order.status, order.fueled_by_id) == ("fueled", world.attendant_a.id)
    assert db.session.scalar(select(PickupToken.used_by_id)) == world.attendant_a.id
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "order.fueled")).one()
    assert (audit.actor_staff_id, audit.after["dispensed_ml"]) == (world.attendant_a.id, 20000)

    run_jobs()
    order = reload(order)
    assert (order.status, order.refunded_fen) == ("settled", 5040)
    refund = db.session.scalars(select(Refund)).one()
    assert (refund.kind, refund.method, refund.amount_fen, refund.status) == (
        "settlement",
        "wallet",
        5040,
        "SUCCESS",
    )
    assert ledger.wallet_balance(member.id) == 100_000 - 14960
    assert_ledger_ok()


def test_a_token_confirms_once(world, member, attendant):
    order, token = paid_order(world, member)
    assert attendant.confirm(token, 10000).status_code == 200
    message = assert_error(attendant.confirm(token, 10000), 409, "token_used")
    assert "已使用" in message
    assert_error(attendant.get("/orders/lookup", token=token), 409, "token_used")
    assert reload(order).dispensed_ml == 10000
    run_jobs()
    assert reload(order).refunded_fen == 20000 - 7480
    assert_ledger_ok()


def test_missing_or_wrong_csrf_token_changes_nothing(world, member, attendant):
    order, token = paid_order(world, member)
    assert_error(attendant.confirm(token, 20000, csrf=False), 400, "csrf_failed")
    attendant.csrf_token = "forged"
    assert_error(attendant.confirm(token, 20000), 400, "csrf_failed")
    unchanged(order, token)


def test_other_stations_attendant_is_refused(world, member, handheld, attendant_b):
    db.session.commit()
    order, token = paid_order(world, member)
    assert handheld.login("attendant_b").status_code == 200
    message = assert_error(handheld.get("/orders/lookup", token=token), 403, "other_station")
    assert "不属于本站" in message
    assert_error(handheld.confirm(token, 20000), 403, "other_station")
    assert_error(
        handheld.get("/orders/preview", token=token, dispensed_ml=100), 403, "other_station"
    )
    unchanged(order, token)


@pytest.mark.parametrize("username", ["cashier_a", "manager_a"])
def test_other_station_roles_may_confirm(world, member, handheld, username):
    order, token = paid_order(world, member)
    staff_id = handheld.login(username).get_json()["id"]
    assert handheld.confirm(token, 10000).status_code == 200
    assert reload(order).fueled_by_id == staff_id


def test_station_b_manager_cannot_confirm_station_a(world, member, handheld):
    order, token = paid_order(world, member)
    handheld.login("manager_b")
    assert_error(handheld.confirm(token, 10000), 403, "other_station")
    unchanged(order, token)


def test_more_than_paid_is_refused_and_nothing_changes(world, member, attendant):
    order, token = paid_order(world, member)
    max_ml = attendant.get("/orders/lookup", token=token).get_json()["max_volume_ml"]
    # A well-formed reading the order cannot take: 409, not a 400 (see jsonapi.errors).
    message = assert_error(attendant.confirm(token, max_ml + 10), 409, "rejected")
    assert message == "加油金额 200.02 元超过已付 200.00 元，请核对油机读数"
    assert_error(
        attendant.get("/orders/preview", token=token, dispensed_ml=max_ml + 10), 409, "rejected"
    )
    unchanged(order, token)
    # The largest volume offered is accepted.
    answer = attendant.confirm(token, max_ml)
    assert answer.status_code == 200 and answer.get_json()["refund_fen"] == 6
    assert_ledger_ok()


@pytest.mark.parametrize(
    ("dispensed_ml", "words"),
    [
        (15, "两位小数"),
        (0, "请输入加油升数"),
        (-100, "请输入加油升数"),
        ("20000", "整数"),
        (20000.5, "整数"),
        (True, "整数"),
        (None, "整数"),
    ],
)
def test_bad_volumes_are_400(world, member, attendant, dispensed_ml, words):
    order, token = paid_order(world, member)
    message = assert_error(attendant.confirm(token, dispensed_ml), 400, "invalid_request")
    assert words in message
    unchanged(order, token)


def test_unknown_and_expired_tokens(world, member, attendant):
    order, token = paid_order(world, member)
    assert_error(attendant.get("/orders/lookup", token="A" * 32), 404, "not_found")
    assert_error(attendant.get("/orders/lookup"), 400, "invalid_request")
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        assert_error(attendant.get("/me"), 401, "unauthorized")  # the session lasts 12 h
        assert attendant.login("attendant_a").status_code == 200
        assert_error(attendant.get("/orders/lookup", token=token), 410, "token_expired")
        assert_error(attendant.confirm(token, 10000), 410, "token_expired")
    unchanged(order, token)


def test_cancelled_order_cannot_be_fuelled(world, member, attendant):
    from app.services.payments import cancellation

    order, token = paid_order(world, member)
    cancellation.cancel_order(member, order.id)
    assert_error(attendant.confirm(token, 10000), 409, "conflict")
    assert reload(order).status == "cancelled"
    assert_ledger_ok()

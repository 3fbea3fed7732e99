"""申请退款: a driver asks for (part of) a settled order back in the mini-program; a manager
approves it (the money back the way it was paid, to the wallet or through the fake WeChat Pay)
or rejects it with a reason the driver reads. Who may ask, for how much, until when, one
request waiting per order, the errors, and the document."""

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from app.api.order_refund_schemas import OrderRefundRequestBody, OrderRefundRequestOut
from app.api.order_schemas import OrderOut
from app.extensions import db
from app.jsonapi.render import local_iso
from app.models import AuditLog, CounterRefundRequest, Member, Order, Refund
from app.services import ledger
from app.services.counter.walkin_sale import Payment
from app.services.orders import pickup
from app.services.payments import counter_refunds, driver_refunds
from tests.api.conftest import Api, assert_error, order_body
from tests.console.counter_refund_helpers import pending_request, set_threshold
from tests.counter.helpers import code_for, sell
from tests.factories import PASSWORD
from tests.money.helpers import assert_ledger_ok, run_jobs
from tests.money.refund_helpers import wait_for

# 200 元 paid for 92# at 7.48 元/L (the member price), 20.00 L dispensed: 149.60 元 charged.
PAID_FEN, DISPENSED_ML, CHARGED_FEN = 20_000, 20_000, 14_960


def settled(world, api: Api, pay_with: str = "wallet") -> dict:
    """An order paid from the wallet, fuelled with 20 L and settled (50.40 元 back)."""
    placed = api.post("/orders", order_body(world, pay_with=pay_with)).get_json()["order"]
    pickup.confirm_fueling(world.attendant_a, placed["pickup"]["token"], DISPENSED_ML)
    run_jobs()
    return api.get(f"/orders/{placed['id']}").get_json()


def ask(api: Api, order_id: int, amount_fen: int, reason: str = "short_fuel", note="", key=None):
    body = {"amount_fen": amount_fen, "reason_code": reason, "note": note}
    return api.post(f"/orders/{order_id}/refund-requests", body, key=key)


def member_of(openid: str = "o-order-driver") -> Member:
    return db.session.scalar(select(Member).where(Member.openid == openid))


def test_the_driver_asks_and_the_manager_approves_into_the_wallet(world, api):
    order = settled(world, api)
    assert (order["status"], order["refunded_fen"]) == ("settled", PAID_FEN - CHARGED_FEN)
    assert (order["can_request_refund"], order["refundable_fen"]) == (True, CHARGED_FEN)
    assert order["refund_request_hint"] is None and order["refund_requests"] == []
    settled_at = db.session.get(Order, order["id"]).settled_at
    assert order["refund_request_until"] == local_iso(settled_at + timedelta(days=7))
    before = ledger.wallet_balance(member_of().id)

    key = str(uuid.uuid4())
    asked = ask(api, order["id"], 3000, note="油机显示 20 升，实际只加了约 16 升", key=key)
    assert asked.status_code == 201, asked.get_json()
    shown = OrderOut.model_validate(asked.get_json())
    request = shown.refund_requests[-1]
    assert (request.amount_fen, request.status, request.status_name) == (3000, "pending", "待处理")
    assert (request.reason_code, request.reason_name) == ("short_fuel", "未加到油或加油量不符")
    assert request.note == "油机显示 20 升，实际只加了约 16 升" and request.refund_status is None
    assert (shown.can_request_refund, shown.refundable_fen) == (False, 0)
    assert shown.refund_request_hint == "该订单已有待处理的退款申请，请等待油站处理"
    replay = ask(api, order["id"], 3000, note="油机显示 20 升，实际只加了约 16 升", key=key)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == asked.get_json()
    assert ledger.wallet_balance(member_of().id) == before  # nothing moves until approved

    made = db.session.scalars(select(CounterRefundRequest)).one()
    assert (made.channel, made.member_id, made.requested_by_id) == ("driver", member_of().id, None)
    counter_refunds.approve(world.manager_a, made.id)
    answer = api.get(f"/orders/{order['id']}").get_json()
    request = answer["refund_requests"][-1]
    assert (request["status"], request["status_name"], request["refund_status"]) == (
        "sent",
        "已退款",
        "SUCCESS",
    )
    refund = answer["refunds"][-1]
    assert (refund["amount_fen"], refund["method"], refund["kind"]) == (3000, "wallet", "manual")
    assert (
        refund["reason"] == "车主申请退款：未加到油或加油量不符：油机显示 20 升，实际只加了约 16 升"
    )
    assert answer["refunded_fen"] == PAID_FEN - CHARGED_FEN + 3000
    assert (answer["can_request_refund"], answer["refundable_fen"]) == (True, CHARGED_FEN - 3000)
    assert ledger.wallet_balance(member_of().id) == before + 3000
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert "driver_refund.approve" in actions and "refund.create" in actions
    assert_ledger_ok()


def test_a_rejected_request_shows_why_and_another_may_be_asked(world, api):
    order = settled(world, api)
    ask(api, order["id"], 5000, "fuel_quality", "加油后发动机抖动")
    made = db.session.scalars(select(CounterRefundRequest)).one()
    counter_refunds.reject(world.manager_a, made.id, "同批次油品检测合格，请到店协商")
    answer = api.get(f"/orders/{order['id']}").get_json()
    assert [
        (r["status"], r["status_name"], r["reject_reason"]) for r in answer["refund_requests"]
    ] == [("rejected", "已驳回", "同批次油品检测合格，请到店协商")]
    assert answer["refund_requests"][0]["decided_at"] is not None
    assert (answer["can_request_refund"], answer["refundable_fen"]) == (True, CHARGED_FEN)
    assert answer["refunded_fen"] == PAID_FEN - CHARGED_FEN
    again = ask(api, order["id"], 2000, "other", "加错了油品")
    assert again.status_code == 201
    assert [r["status"] for r in again.get_json()["refund_requests"]] == ["rejected", "pending"]
    assert_ledger_ok()


def test_only_the_drivers_own_order_is_found(world, api, driver, client):
    order = settled(world, api)
    other = Api(client, driver.token("o-somebody-else"))
    assert_error(ask(other, order["id"], 1000), 404, "not_found")
    assert_error(other.get(f"/orders/{order['id']}"), 404, "not_found")
    assert_error(ask(other, 999_999, 1000), 404, "not_found")
    assert db.session.scalars(select(CounterRefundRequest)).all() == []


def test_one_request_waits_per_order_and_the_amount_is_what_is_left(world, api):
    order = settled(world, api)
    message = assert_error(ask(api, order["id"], CHARGED_FEN + 1), 409, "rejected")
    assert message == "退款金额不能超过 149.60 元（该订单最多可申请的金额）"
    # A counter refund waiting for a manager holds its amount: the driver may ask for the rest.
    set_threshold(world.station_a, 0)
    pending_request(world.cashier_a, db.session.get(Order, order["id"]), 10_000)
    shown = api.get(f"/orders/{order['id']}").get_json()
    assert (shown["can_request_refund"], shown["refundable_fen"]) == (True, CHARGED_FEN - 10_000)
    assert shown["refund_requests"] == []  # the counter's request is not the driver's
    message = assert_error(ask(api, order["id"], 5000), 409, "rejected")
    assert "最多可申请" in message and "49.60" in message
    assert ask(api, order["id"], 4960).status_code == 201
    message = assert_error(ask(api, order["id"], 100), 409, "refund_request_open")
    assert message == "该订单已有待处理的退款申请，请等待油站处理"
    assert len(db.session.scalars(select(CounterRefundRequest)).all()) == 2
    assert_ledger_ok()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"amount_fen": 0, "reason_code": "short_fuel"}, "退款金额应为大于 0 的整数分"),
        ({"amount_fen": "30", "reason_code": "short_fuel"}, "退款金额"),
        ({"amount_fen": 3000}, "请选择退款原因"),
        ({"amount_fen": 3000, "reason_code": "overcharged"}, "请选择退款原因"),
        ({"amount_fen": 3000, "reason_code": "other"}, "选择“其他”时请在说明中写明原因"),
        ({"amount_fen": 3000, "reason_code": "other", "note": "  "}, "写明原因"),
        ({"amount_fen": 3000, "reason_code": "duplicate", "note": "长" * 201}, "说明最多 200 个字"),
    ],
)
def test_a_bad_body_is_a_400_naming_the_field(world, api, body, says):
    order = settled(world, api)
    answer = api.post(f"/orders/{order['id']}/refund-requests", body)
    assert says in assert_error(answer, 400, "invalid_request")


def test_without_an_idempotency_key_nothing_is_asked(world, api):
    order = settled(world, api)
    answer = ask(api, order["id"], 1000, key=False)
    assert_error(answer, 400, "idempotency_key_required")
    assert db.session.scalars(select(CounterRefundRequest)).all() == []


def test_orders_that_may_not_be_asked_for(world, api):
    paid = api.post("/orders", order_body(world, pay_with="wallet")).get_json()["order"]
    assert (paid["can_request_refund"], paid["refundable_fen"]) == (False, 0)
    assert paid["refund_request_hint"] is None and paid["refund_request_until"] is None
    message = assert_error(ask(api, paid["id"], 1000), 409, "rejected")
    assert message == "订单还没加油：请直接取消订单，已付金额将全额退回"
    fueled = pickup.confirm_fueling(world.attendant_a, paid["pickup"]["token"], DISPENSED_ML)
    shown = api.get(f"/orders/{fueled.id}").get_json()
    assert shown["status"] == "fueled" and not shown["can_request_refund"]
    assert shown["refund_request_hint"] == "订单正在结算，结算完成后可申请退款"
    assert_error(ask(api, fueled.id, 1000), 409, "rejected")
    unpaid = api.post("/orders", order_body(world)).get_json()
    assert not unpaid["can_request_refund"] and unpaid["refund_request_hint"] is None
    assert "不能申请退款" in assert_error(ask(api, unpaid["id"], 1000), 409, "rejected")
    # All of it given back at the counter: nothing left to ask for.
    order = settled(world, api)
    counter_refunds.request_refund(
        world.cashier_a, order["id"], CHARGED_FEN, "overcharged", "", PASSWORD
    )
    shown = api.get(f"/orders/{order['id']}").get_json()
    assert (shown["can_request_refund"], shown["refund_request_hint"]) == (
        False,
        "该订单已没有可退的金额",
    )
    assert "没有可退的金额" in assert_error(ask(api, order["id"], 1), 409, "rejected")
    # A walk-in sale paid in cash at the counter (the member code shown): refunded there.
    sale = sell(
        world, Payment("cash", received_fen=20_000, code=code_for(member_of())), amount=15_000
    )
    shown = api.get(f"/orders/{sale.order_id}").get_json()
    hint = "在油站柜台付款的订单，请到油站收银台办理退款"
    assert (shown["status"], shown["can_request_refund"], shown["refund_request_hint"]) == (
        "settled",
        False,
        hint,
    )
    assert assert_error(ask(api, sale.order_id, 1000), 409, "rejected") == hint
    assert_ledger_ok()


@pytest.mark.travel
def test_the_request_window_closes_seven_days_after_settlement(world, api, driver, client, travel):
    order = settled(world, api)
    until = db.session.get(Order, order["id"]).settled_at + timedelta(days=7)
    travel.move_to(until)
    api = Api(client, driver.token("o-order-driver"))  # the token lasts 7 days too
    assert api.get(f"/orders/{order['id']}").get_json()["can_request_refund"] is True
    travel.shift(timedelta(seconds=1))
    shown = api.get(f"/orders/{order['id']}").get_json()
    assert (shown["can_request_refund"], shown["refundable_fen"]) == (False, 0)
    hint = "已超过申请期限：加油完成后 7 天内可申请退款，请联系油站"
    assert shown["refund_request_hint"] == hint
    assert assert_error(ask(api, order["id"], 1000), 409, "rejected") == hint
    assert driver_refunds.REQUEST_DAYS == 7


def test_a_wechat_order_is_refunded_through_wechat_on_approval(world, api, sandbox):
    placed = api.post("/orders", order_body(world, pay_with="wechat")).get_json()
    httpx.post(sandbox + "/pay", json=placed["wechat_pay"], timeout=10).raise_for_status()
    order_id = placed["order"]["id"]
    assert wait_for(lambda: db.session.get(Order, order_id).status == "paid")
    token = api.get(f"/orders/{order_id}").get_json()["pickup"]["token"]
    pickup.confirm_fueling(world.attendant_a, token, DISPENSED_ML)
    run_jobs()  # settles; the difference goes back to WeChat
    assert wait_for(lambda: db.session.scalars(select(Refund)).one().status == "SUCCESS")
    asked = ask(api, order_id, 2000, "duplicate", "同一笔加油付了两次")
    assert asked.status_code == 201, asked.get_json()
    made = db.session.scalars(select(CounterRefundRequest)).one()
    counter_refunds.approve(world.manager_a, made.id)
    run_jobs()  # submit_refund to the fake WeChat Pay
    assert wait_for(
        lambda: (
            db.session.get(Refund, made.refund_id) is not None
            and db.session.get(Refund, made.refund_id).status == "SUCCESS"
        )
    )
    shown = api.get(f"/orders/{order_id}").get_json()
    assert [(r["method"], r["kind"], r["amount_fen"], r["status"]) for r in shown["refunds"]] == [
        ("wechat", "settlement", PAID_FEN - CHARGED_FEN, "SUCCESS"),
        ("wechat", "manual", 2000, "SUCCESS"),
    ]
    assert shown["refund_requests"][0]["refund_status"] == "SUCCESS"
    assert shown["refunded_fen"] == PAID_FEN - CHARGED_FEN + 2000
    assert_ledger_ok()


def test_the_history_carries_the_same_fields(world, api):
    order = settled(world, api)
    ask(api, order["id"], 1000)
    page = api.get("/orders").get_json()
    item = next(o for o in page["items"] if o["id"] == order["id"])
    assert item["refund_requests"][0]["amount_fen"] == 1000
    assert item["refund_request_hint"] == "该订单已有待处理的退款申请，请等待油站处理"


def test_the_document_describes_the_operation(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/orders/{order_id}/refund-requests"]["post"]
    assert op["tags"] == ["orders"] and "7 天内" in op["description"]
    assert {"201", "400", "401", "404", "409"} <= set(op["responses"])
    codes = op["responses"]["409"]["content"]["application/json"]["schema"]
    assert {"rejected", "refund_request_open"} <= set(
        codes["properties"]["error"]["properties"]["code"]["enum"]
    )
    assert "examples" in op["requestBody"]["content"]["application/json"] or (
        "example" in op["requestBody"]["content"]["application/json"]
    )
    order = doc["components"]["schemas"]["OrderOut"]["properties"]
    for field in ("can_request_refund", "refundable_fen", "refund_requests"):
        assert order[field].get("description"), field
    assert "Idempotency-Key" in str(op["parameters"])


@pytest.mark.parametrize("model", [OrderRefundRequestOut, OrderRefundRequestBody, OrderOut])
def test_every_example_fits_its_schema(model):
    examples = model.model_json_schema().get("examples")
    assert examples
    for example in examples:
        model.model_validate(example)

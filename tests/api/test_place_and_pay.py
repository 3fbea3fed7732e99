"""POST /orders with pay_with: a driver places and pays in one request (wallet or WeChat), and a
retry with the same Idempotency-Key replays the first answer, never placing a second order."""

import re
import socket
import threading
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from app.api.order_schemas import OrderOut, PlacedAndPaid, PlaceOrderAnswer
from app.extensions import db
from app.models import (
    LedgerEntry,
    LedgerTransaction,
    Member,
    Order,
    OutboxJob,
    PickupToken,
    StationEvent,
    WeChatPayment,
)
from tests.api.conftest import Api, assert_error, order_body, wallet_json
from tests.money.helpers import assert_ledger_ok, credit_wallet, row_counts
from tests.money.test_wechat_flow import user_pays, wait_for
from tests.threads import Worker

LEFT_BEHIND = (Order, OutboxJob, LedgerTransaction, LedgerEntry, PickupToken, StationEvent)


def replayed(api: Api, body: dict, key: str, first) -> None:
    """The same key and body answer the first answer again, as a replay."""
    again = api.post("/orders", body, key=key)
    assert (again.status_code, again.get_json()) == (first.status_code, first.get_json())
    assert again.headers["Idempotent-Replayed"] == "true"


def test_without_pay_with_the_answer_is_the_order_as_before(world, api):
    placed = api.post("/orders", order_body(world))
    assert placed.status_code == 201, placed.get_json()
    assert set(placed.get_json()) == set(OrderOut.model_fields)
    assert isinstance(PlaceOrderAnswer.model_validate(placed.get_json()).root, OrderOut)
    assert placed.get_json()["payment_method"] is None


def test_wallet_places_and_pays_in_one_transaction(world, api, transaction_ends):
    key, body = str(uuid.uuid4()), order_body(world, pay_with="wallet")
    transaction_ends.clear()
    first = api.post("/orders", body, key=key)
    assert transaction_ends == ["commit"]  # token check, order, payment and answer: one commit
    assert first.status_code == 201, first.get_json()
    answer = PlacedAndPaid.model_validate(first.get_json())
    assert isinstance(PlaceOrderAnswer.model_validate(first.get_json()).root, PlacedAndPaid)
    order = answer.order
    assert (order.status, order.payment_method, order.paid_fen) == ("paid", "wallet", 20000)
    assert answer.wechat_pay is None and answer.payment_error is None
    assert len(order.pickup.token) == 32 and re.fullmatch(r"\d{8}", order.pickup.code)
    assert api.get(f"/orders/{order.id}").get_json() == first.get_json()["order"]
    assert api.get(f"/orders/{order.id}/qr.png").data.startswith(b"\x89PNG")
    assert api.get("/wallet").get_json() == wallet_json(30_000)

    replayed(api, body, key, first)
    assert_error(api.post("/orders", order_body(world), key=key), 409, "idempotency_key_reused")
    assert row_counts(*LEFT_BEHIND)["Order"] == 1
    assert api.get("/wallet").get_json() == wallet_json(30_000)
    assert_error(api.post(f"/orders/{order.id}/pay", {"method": "wallet"}), 409, "conflict")
    assert_ledger_ok()


def test_a_wallet_that_cannot_pay_leaves_no_order_behind(world, driver, client):
    api = Api(client, driver.token("o-short-driver"))
    credit_wallet(db.session.scalar(select(Member).where(Member.openid == "o-short-driver")), 1000)
    before = row_counts(*LEFT_BEHIND)
    key, body = str(uuid.uuid4()), order_body(world, pay_with="wallet")
    first = api.post("/orders", body, key=key)
    assert "余额" in assert_error(first, 409, "insufficient_balance")
    assert (
        row_counts(*LEFT_BEHIND) == before
    )  # no order, expiry job, posting, pickup token or station event
    replayed(api, body, key, first)
    assert row_counts(*LEFT_BEHIND) == before
    assert api.get("/wallet").get_json() == wallet_json(1000)
    assert api.get("/orders").get_json()["total"] == 0
    paid = api.post("/orders", order_body(world, amount_fen=1000, pay_with="wallet"))
    assert paid.get_json()["order"]["status"] == "paid"  # what the wallet holds, it pays
    assert api.get("/wallet").get_json() == wallet_json(0)
    assert_ledger_ok()


def test_wechat_answers_params_that_wechat_takes(world, api, sandbox, transaction_ends):
    key, body = str(uuid.uuid4()), order_body(world, pay_with="wechat")
    transaction_ends.clear()
    first = api.post("/orders", body, key=key)
    # Two steps: the order and the chosen payment, then the prepay with the answer.
    assert transaction_ends == ["commit", "commit"]
    assert first.status_code == 201, first.get_json()
    answer = PlacedAndPaid.model_validate(first.get_json())
    assert (answer.order.status, answer.order.payment_method) == ("created", "wechat")
    assert answer.order.pickup is None and answer.payment_error is None
    params = answer.wechat_pay
    assert params.package.startswith("prepay_id=") and params.signType == "RSA"
    replayed(api, body, key, first)
    assert db.session.scalar(select(func.count(WeChatPayment.id))) == 1

    user_pays(sandbox, params.model_dump())  # the sandbox checks paySign as WeChat's client does
    order_url = f"/orders/{answer.order.id}"
    assert wait_for(lambda: api.get(order_url).get_json()["status"] == "paid")
    shown = api.get(order_url).get_json()
    assert (shown["payment_method"], shown["paid_fen"]) == ("wechat", 20000)
    assert re.fullmatch(r"\d{8}", shown["pickup"]["code"])
    assert row_counts(*LEFT_BEHIND)["Order"] == 1
    assert api.get("/wallet").get_json() == wallet_json(50_000)
    assert_ledger_ok()


def test_wechat_down_answers_the_unpaid_order_and_why(world, api, sandbox):
    key, body = str(uuid.uuid4()), order_body(world, pay_with="wechat")
    httpx.post(sandbox + "/faults", json={"create": "SYSTEM_ERROR", "times": 1})
    first = api.post("/orders", body, key=key)
    assert first.status_code == 201, first.get_json()
    answer = PlacedAndPaid.model_validate(first.get_json())
    assert answer.wechat_pay is None
    assert answer.payment_error.code == "payment_unavailable"
    assert "微信支付" in answer.payment_error.message
    assert (answer.order.status, answer.order.payment_method) == ("created", "wechat")

    replayed(api, body, key, first)  # WeChat works again by now: still the first answer
    assert row_counts(*LEFT_BEHIND)["Order"] == 1
    pay = api.post(f"/orders/{answer.order.id}/pay", {"method": "wechat"})
    assert pay.status_code == 200, pay.get_json()
    user_pays(sandbox, pay.get_json()["wechat_pay"])
    assert wait_for(lambda: api.get(f"/orders/{answer.order.id}").get_json()["status"] == "paid")
    assert row_counts(*LEFT_BEHIND)["Order"] == 1
    assert_ledger_ok()


def test_after_wechat_was_down_the_wallet_pays_the_order(world, api, sandbox):
    httpx.post(sandbox + "/faults", json={"create": "SYSTEM_ERROR", "times": 1})
    placed = api.post("/orders", order_body(world, pay_with="wechat")).get_json()
    assert placed["payment_error"]["code"] == "payment_unavailable"
    paid = api.post(f"/orders/{placed['order']['id']}/pay", {"method": "wallet"})
    assert paid.status_code == 200, paid.get_json()
    assert (paid.get_json()["order"]["status"], paid.get_json()["order"]["payment_method"]) == (
        "paid",
        "wallet",
    )
    assert db.session.scalars(select(WeChatPayment.state)).one() == "CLOSED"
    assert api.get("/wallet").get_json() == wallet_json(30_000)
    assert_ledger_ok()


@pytest.mark.parametrize("pay_with", ["card", "", 1])
def test_an_unknown_way_of_paying_is_refused_by_name(world, api, pay_with):
    message = assert_error(
        api.post("/orders", order_body(world, pay_with=pay_with)), 400, "invalid_request"
    )
    assert "支付方式" in message
    assert row_counts(*LEFT_BEHIND)["Order"] == 0


@pytest.fixture
def wechat_hangs(app):
    """WeChat Pay that takes calls and answers none until released (a request stuck there is
    one whose process may die at any moment)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held, release = [], threading.Event()

    def serve():
        while not release.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            held.append(connection)

    threading.Thread(target=serve, daemon=True).start()
    base, app.config["WECHATPAY_API_BASE"] = (
        app.config["WECHATPAY_API_BASE"],
        (f"http://127.0.0.1:{listener.getsockname()[1]}"),
    )
    app.extensions.pop("wechat_pay_client", None)

    def let_go():
        release.set()
        for connection in held:
            connection.close()
        listener.close()

    yield let_go
    let_go()
    app.config["WECHATPAY_API_BASE"] = base
    app.extensions.pop("wechat_pay_client", None)


def test_a_retry_while_wechat_answers_gets_the_order_never_a_second(app, world, api, wechat_hangs):
    """The order commits before WeChat is asked, with the answer a retry gets should this
    request die while WeChat answers: the order, unpaid, to be paid with /pay."""
    body, key = order_body(world, pay_with="wechat"), str(uuid.uuid4())
    answers = []

    def first_request():
        with app.app_context():
            answers.append(
                api.client.post(
                    "/api/v1/orders", json=body, headers=api.headers | {"Idempotency-Key": key}
                )
            )

    stuck = Worker(first_request)
    stuck.start()
    assert wait_for(lambda: db.session.scalar(select(func.count(Order.id))) == 1)
    retry = api.post("/orders", body, key=key)
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    interim = PlacedAndPaid.model_validate(retry.get_json())
    assert (interim.order.status, interim.wechat_pay) == ("created", None)
    assert interim.payment_error.code == "payment_unavailable"
    wechat_hangs()  # WeChat answers at last (by hanging up): the request ends on its own
    stuck.finish()
    assert answers[0].status_code == 201
    assert PlacedAndPaid.model_validate(answers[0].get_json()).order.id == interim.order.id
    replayed(api, body, key, answers[0])  # its own answer replaced the interim one
    assert db.session.scalar(select(func.count(Order.id))) == 1
    assert_ledger_ok()

"""Driver order API: idempotent writes, wallet payment, the QR, history and ownership."""

import re
import uuid

import pytest
from sqlalchemy import func, select

from app.api.order_schemas import OrderOut, OrderPage, PayResponse
from app.extensions import db
from app.models import Order
from tests.api.conftest import Api, assert_error, order_body, wallet_json
from tests.money.helpers import assert_ledger_ok


def test_place_is_idempotent_per_key(world, api):
    key = str(uuid.uuid4())
    first = api.post("/orders", order_body(world), key=key)
    assert first.status_code == 201, first.get_json()
    order = OrderOut.model_validate(first.get_json())
    assert (order.status, order.amount_fen, order.unit_price_fen) == ("created", 20000, 748)
    again = api.post("/orders", order_body(world), key=key)
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(select(func.count(Order.id))) == 1
    assert_error(
        api.post("/orders", order_body(world, amount_fen=100), key=key),
        409,
        "idempotency_key_reused",
    )
    assert_error(api.post("/orders", order_body(world), key=False), 400, "idempotency_key_required")
    assert db.session.scalar(select(func.count(Order.id))) == 1


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"amount_fen": 50}, 400, "invalid_request"),
        ({"mode": "volume", "amount_fen": None}, 400, "invalid_request"),
        ({"nozzle": 2}, 409, "rejected"),
        ({"station_id": 99999}, 404, "not_found"),
        ({"fuel": None}, 400, "invalid_request"),
        ({"plate": "云A1234"}, 400, "invalid_request"),
        ({"plate": "A12345"}, 400, "invalid_request"),
    ],
)
def test_bad_orders_get_clear_errors(world, api, changes, status, code):
    message = assert_error(api.post("/orders", order_body(world, **changes)), status, code)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)  # told in Chinese
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_the_plate_is_kept_in_its_usual_form(world, api):
    placed = api.post("/orders", order_body(world, plate=" 云a·12345 "))
    assert placed.status_code == 201, placed.get_json()
    assert placed.get_json()["plate"] == "云A12345"
    without = api.post("/orders", order_body(world)).get_json()
    assert without["plate"] is None
    assert api.get(f"/orders/{without['id']}").get_json()["plate"] is None


def test_wallet_pay_gives_a_qr_and_history(world, api, client):
    order = api.post("/orders", order_body(world)).get_json()
    paid = api.post(f"/orders/{order['id']}/pay", {"method": "wallet"})
    assert paid.status_code == 200, paid.get_json()
    answer = PayResponse.model_validate(paid.get_json())
    assert answer.order.status == "paid" and answer.wechat_pay is None
    assert len(answer.order.pickup.token) == 32
    # The short code printed under the QR, for when the attendant's camera fails.
    assert re.fullmatch(r"\d{8}", answer.order.pickup.code)
    assert (
        api.get(f"/orders/{order['id']}").get_json()["pickup"] == paid.get_json()["order"]["pickup"]
    )
    qr = api.get(f"/orders/{order['id']}/qr.png")
    assert qr.status_code == 200 and qr.data.startswith(b"\x89PNG")
    assert api.get("/wallet").get_json() == wallet_json(30_000)
    assert_error(api.post(f"/orders/{order['id']}/pay", {"method": "wallet"}), 409, "conflict")
    assert api.get("/wallet").get_json() == wallet_json(30_000)
    page = OrderPage.model_validate(api.get("/orders").get_json())
    assert [o.id for o in page.items] == [order["id"]] and page.total == 1
    assert_ledger_ok()


def test_other_members_orders_are_not_found(world, api, driver, client):
    order = api.post("/orders", order_body(world)).get_json()
    other = Api(client, driver.token("o-somebody-else"))
    assert_error(other.get(f"/orders/{order['id']}"), 404, "not_found")
    assert_error(other.get(f"/orders/{order['id']}/qr.png"), 404, "not_found")
    assert_error(other.post(f"/orders/{order['id']}/cancel"), 404, "not_found")
    assert_error(other.post(f"/orders/{order['id']}/pay", {"method": "wallet"}), 404, "not_found")
    assert other.get("/orders").get_json()["total"] == 0
    assert api.get(f"/orders/{order['id']}").get_json()["status"] == "created"


def test_cancel_paid_order_refunds_to_wallet(world, api):
    order = api.post("/orders", order_body(world)).get_json()
    api.post(f"/orders/{order['id']}/pay", {"method": "wallet"})
    cancelled = api.post(f"/orders/{order['id']}/cancel").get_json()
    assert cancelled["status"] == "cancelled" and cancelled["pickup"] is None
    assert [(r["kind"], r["amount_fen"], r["status"]) for r in cancelled["refunds"]] == [
        ("cancel", 20000, "SUCCESS")
    ]
    assert api.get("/wallet").get_json() == wallet_json(50_000)
    assert_error(api.get(f"/orders/{order['id']}/qr.png"), 404, "no_pickup_code")


def test_wechat_pay_answers_request_payment_params(world, api):
    order = api.post("/orders", order_body(world)).get_json()
    answer = api.post(f"/orders/{order['id']}/pay", {"method": "wechat"})
    assert answer.status_code == 200, answer.get_json()
    params = PayResponse.model_validate(answer.get_json()).wechat_pay
    assert params.package.startswith("prepay_id=") and params.signType == "RSA"
    assert params.paySign and params.timeStamp.isdigit()


def test_a_503_is_not_replayed_for_its_key(world, api, live_server):
    import httpx

    faults = live_server.url + "/sandbox/wechatpay/faults"
    order = api.post("/orders", order_body(world)).get_json()
    httpx.post(faults, json={"create": "SYSTEM_ERROR", "times": 1})
    try:
        first = api.post(f"/orders/{order['id']}/pay", {"method": "wechat"}, key="pay-once")
    finally:
        httpx.delete(faults)
    assert_error(first, 503, "payment_unavailable")
    again = api.post(f"/orders/{order['id']}/pay", {"method": "wechat"}, key="pay-once")
    assert again.status_code == 200, again.get_json()
    assert "Idempotent-Replayed" not in again.headers


def test_history_names_a_station_that_has_closed_down(world, api):
    from app.models import Station
    from app.services.catalogue import stations

    order = api.post("/orders", order_body(world, nozzle=1)).get_json()
    db.session.execute(
        Station.__table__.update().where(Station.id == world.station_a.id).values(is_active=False)
    )
    stations.mark_catalogue_changed(world.chain.id)
    db.session.commit()
    shown = api.get(f"/orders/{order['id']}").get_json()
    assert shown["station"] == {"id": world.station_a.id, "name": "昆明北京路加油站"}
    assert (shown["fuel"]["name"], shown["nozzle"]) == ("92#汽油", 1)

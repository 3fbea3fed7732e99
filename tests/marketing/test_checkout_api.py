"""The driver's API for coupons at checkout: the coupons for a prospective order with what each
saves and the suggested one; an order placed with a coupon (or explicitly none) and its
breakdown; refusals that say what is wrong; and the order's coupon through to settlement."""

import uuid

from sqlalchemy import select

from app.api.checkout_schemas import CouponsForOrder
from app.api.order_schemas import OrderOut, PlacedAndPaid
from app.extensions import db
from app.models import Member, Order
from tests.api.conftest import assert_error, order_body
from tests.marketing.checkout_helpers import coupon_now, fuel, give, settle, wallet_member
from tests.money.helpers import assert_ledger_ok


def driver_of(world) -> Member:
    return db.session.scalar(select(Member).where(Member.openid == "o-order-driver"))


def prospective(world, **changes) -> dict:
    """GET /orders/coupons's query for 200 元 of 92# at station A."""
    query = {"station_id": world.station_a.id, "fuel": "92", "mode": "amount", "amount_fen": 20000}
    return query | changes


def test_the_coupons_for_an_order_best_first_with_the_suggested_one(world, api):
    me = driver_of(world)
    small = give(world, me, name="满100减10")
    big = give(world, me, name="满150减20", off_fen=2_000, min_spend_fen=15_000)
    percent = give(
        world, me, name="9折", kind="percent_off", off_fen=None, pay_percent=90, max_off_fen=1_500
    )
    far = give(world, me, name="满300减30", off_fen=3_000, min_spend_fen=30_000)
    diesel = give(world, me, name="柴油券", fuel_ids=[world.fuels["0"].id])
    give(world, wallet_member(world, "o-other"))  # another driver's: never listed
    answer = api.get("/orders/coupons", **prospective(world))
    assert answer.status_code == 200, answer.get_json()
    body = CouponsForOrder.model_validate(answer.get_json()).model_dump()
    assert body["pricing"] == {
        "volume_ml": 26_740,  # 200 元 / 7.48 元/L, as the pump stops
        "at_list_fen": 20_536,
        "member_saving_fen": 536,
        "value_fen": 20_000,
        "campaign_fen": 0,
        "campaigns": [],
        "coupon_fen": 0,
        "pay_fen": 20_000,
        "saving_fen": 536,
        "final": False,
    }
    listed = [(c["id"], c["saving_fen"], c["pay_fen"], c["suggested"]) for c in body["coupons"]]
    assert listed == [
        (big.id, 2_000, 18_000, True),
        (percent.id, 1_500, 18_500, False),  # 10 % of 200 元, capped at 15 元
        (small.id, 1_000, 19_000, False),
    ]
    assert body["suggested_coupon_id"] == big.id
    reasons = {c["id"]: c["reason"] for c in body["unusable"]}
    assert reasons == {far.id: "满300元可用，本单还差100元", diesel.id: "限0#柴油使用"}
    assert_ledger_ok()


def test_the_list_prices_what_placing_charges(world, api):
    me = driver_of(world)
    give(world, me, kind="per_litre", off_fen=None, per_litre_fen=30, max_off_fen=None)
    query = prospective(world, mode="volume", amount_fen=None, volume_ml=30_000)
    query = {k: v for k, v in query.items() if v is not None}
    (option,) = api.get("/orders/coupons", **query).get_json()["coupons"]
    assert (option["saving_fen"], option["pay_fen"]) == (900, 21_540)  # 0.30 x 30 L off 224.40
    body = order_body(world, mode="volume", amount_fen=None, volume_ml=30_000)
    body |= {"coupon_id": option["id"], "expected_amount_fen": option["pay_fen"]}
    placed = api.post("/orders", body)
    assert placed.status_code == 201, placed.get_json()
    order = OrderOut.model_validate(placed.get_json())
    assert order.amount_fen == 21_540 and order.bill.pay_fen == 21_540
    assert order.bill.coupon_fen == 900 and order.bill.value_fen == 22_440
    assert order.coupon.model_dump() == {
        "id": option["id"],
        "name": "满100减10",
        "rule": "满100元 每升直降0.30元",
        "status": "held",
        "status_name": "已锁定",
        "saving_fen": 900,
    }
    assert_ledger_ok()


def test_a_coupon_through_payment_and_settlement_as_the_driver_sees_it(world, api):
    me = driver_of(world)
    coupon = give(world, me)
    body = order_body(world, pay_with="wallet", coupon_id=coupon.id, expected_amount_fen=19_000)
    placed = api.post("/orders", body)
    assert placed.status_code == 201, placed.get_json()
    order = PlacedAndPaid.model_validate(placed.get_json()).order
    assert (order.status, order.paid_fen, order.coupon.status) == ("paid", 19_000, "used")
    settle(fuel(world, db.session.get(Order, order.id), 20_000))  # 149.60 - 10 = 139.60
    shown = OrderOut.model_validate(api.get(f"/orders/{order.id}").get_json())
    assert (shown.dispensed_fen, shown.refunded_fen) == (13_960, 5_040)
    assert shown.bill.model_dump() == {
        "volume_ml": 20_000,
        "at_list_fen": 15_360,
        "member_saving_fen": 400,
        "value_fen": 14_960,
        "campaign_fen": 0,
        "campaigns": [],
        "coupon_fen": 1_000,
        "pay_fen": 13_960,
        "saving_fen": 1_400,
        "final": True,
    }
    assert (shown.coupon.status, shown.coupon.saving_fen) == ("used", 1_000)
    assert shown.pricing.saving_fen == 1_400  # what settlement booked as promotion expense
    listed = api.get("/orders").get_json()["items"][0]
    assert listed["coupon"] == shown.coupon.model_dump()
    assert_ledger_ok()


def test_none_means_no_coupon_and_a_cancelled_order_shows_its_coupon_returned(world, api):
    me = driver_of(world)
    coupon = give(world, me)
    plain = api.post("/orders", order_body(world, coupon_id="none")).get_json()
    assert (plain["amount_fen"], plain["coupon"]) == (20_000, None)
    placed = api.post("/orders", order_body(world, coupon_id=coupon.id)).get_json()
    cancelled = api.post(f"/orders/{placed['id']}/cancel").get_json()
    assert cancelled["coupon"]["status"] == "returned"
    assert cancelled["coupon"]["status_name"] == "已退回"
    assert coupon_now(coupon).status == "available"
    assert_ledger_ok()


def test_refusals_say_what_is_wrong_and_place_nothing(world, api):
    me = driver_of(world)
    theirs = give(world, wallet_member(world, "o-other"))
    message = assert_error(
        api.post("/orders", order_body(world, coupon_id=theirs.id)), 409, "coupon_unusable"
    )
    assert message == "优惠券不存在"
    small = give(world, me, off_fen=3_000, min_spend_fen=30_000)
    message = assert_error(
        api.post("/orders", order_body(world, coupon_id=small.id)), 409, "coupon_unusable"
    )
    assert message == "该优惠券不能用于本单：满300元可用，本单还差100元"
    mine = give(world, me)
    stale = order_body(world, coupon_id=mine.id, expected_amount_fen=20_000)
    message = assert_error(api.post("/orders", stale), 409, "price_changed")
    assert "190.00" in message
    wrong = order_body(world, coupon_id="x")
    message = assert_error(api.post("/orders", wrong), 400, "invalid_request")
    assert "优惠券" in message
    assert db.session.query(Order).count() == 0
    assert coupon_now(mine).status == "available"
    assert_ledger_ok()


def test_a_replayed_request_holds_the_coupon_once(world, api):
    coupon = give(world, driver_of(world))
    key, body = str(uuid.uuid4()), order_body(world, coupon_id=coupon.id)
    first = api.post("/orders", body, key=key)
    again = api.post("/orders", body, key=key)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert db.session.query(Order).count() == 1
    assert coupon_now(coupon).order_id == first.get_json()["id"]
    assert_ledger_ok()


def test_the_document_describes_the_coupon_endpoints(world, client):
    document = client.get("/api/v1/openapi.json").get_json()
    listing = document["paths"]["/orders/coupons"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"station_id", "fuel", "nozzle", "mode", "amount_fen", "volume_ml"} <= names
    refusals = document["paths"]["/orders"]["post"]["responses"]["409"]["description"]
    assert "coupon_unusable" in refusals and "price_changed" in refusals

"""The driver's API with campaigns: the price of a prospective order and of an order carries
each campaign it got, by name, with its saving; the coupons are priced after the campaigns;
the amount the driver confirmed is checked against the campaigns too; the order's breakdown
follows the fuel dispensed."""

from app.api.checkout_schemas import CouponsForOrder
from app.api.order_schemas import OrderOut, PlacedAndPaid
from app.extensions import db
from app.models import Order
from app.services.marketing import campaigns
from tests.api.conftest import assert_error, order_body
from tests.marketing.campaign_helpers import active_campaign
from tests.marketing.checkout_helpers import fuel, give, settle
from tests.marketing.test_checkout_api import driver_of, prospective
from tests.money.helpers import assert_ledger_ok


def test_the_price_of_an_order_shows_its_campaigns(world, api):
    me = driver_of(world)
    day = active_campaign(world.admin, "members_day", name="周三会员日")
    spend = active_campaign(world.admin, "spend_off", name="92#满200减10")
    coupon = give(world, me)  # 满100减10
    answer = api.get("/orders/coupons", **prospective(world))
    assert answer.status_code == 200, answer.get_json()
    body = CouponsForOrder.model_validate(answer.get_json()).model_dump()
    # 200 元 at 7.48 - 0.30 = 7.18 元/L: 27.86 L (213.96 元 at list, 208.39 at 7.48); the
    # members' day saved 8.39, 满200减10 takes 10.00: 190.00 元; the coupon then 180.00 元.
    assert body["pricing"] == {
        "volume_ml": 27_860,
        "at_list_fen": 21_396,
        "member_saving_fen": 557,
        "value_fen": 20_000,
        "campaign_fen": 1_839,
        "campaigns": [
            {"id": day.id, "name": "周三会员日", "cut_per_litre_fen": 30, "saving_fen": 839},
            {
                "id": spend.id,
                "name": "92#满200减10",
                "cut_per_litre_fen": None,
                "saving_fen": 1_000,
            },
        ],
        "coupon_fen": 0,
        "pay_fen": 19_000,
        "saving_fen": 2_396,
        "final": False,
    }
    (option,) = body["coupons"]
    assert (option["id"], option["saving_fen"], option["pay_fen"]) == (coupon.id, 1_000, 18_000)
    placed = api.post(
        "/orders",
        order_body(world, pay_with="wallet", coupon_id=coupon.id, expected_amount_fen=18_000),
    )
    assert placed.status_code == 201, placed.get_json()
    order = PlacedAndPaid.model_validate(placed.get_json()).order
    assert (order.paid_fen, order.pricing.campaign_cut_fen, order.unit_price_fen) == (
        18_000,
        30,
        718,
    )
    assert [c.name for c in order.bill.campaigns] == ["周三会员日", "92#满200减10"]
    # Dispensed 20.00 L: 143.60 元, under 200: no 满减; the members' day saved 6.00; the
    # coupon 10.00: 133.60 元, and 46.40 back.
    settle(fuel(world, db.session.get(Order, order.id), 20_000))
    shown = OrderOut.model_validate(api.get(f"/orders/{order.id}").get_json())
    assert (shown.dispensed_fen, shown.refunded_fen) == (13_360, 4_640)
    assert shown.bill.final and shown.bill.campaign_fen == 600
    assert [(c.name, c.saving_fen) for c in shown.bill.campaigns] == [
        ("周三会员日", 600),
        ("92#满200减10", 0),
    ]
    listed = api.get("/orders").get_json()["items"][0]["bill"]
    assert listed == shown.bill.model_dump()
    assert_ledger_ok()


def test_an_amount_shown_before_a_campaign_ended_is_refused(world, api):
    spend = active_campaign(world.admin, "spend_off")
    shown = api.get("/orders/coupons", **prospective(world)).get_json()["pricing"]["pay_fen"]
    assert shown == 19_000
    campaigns.end_campaign(world.admin, spend.id)
    answer = api.post("/orders", order_body(world, expected_amount_fen=shown))
    message = assert_error(answer, 409, "price_changed")
    assert "200.00" in message  # the amount now
    assert db.session.query(Order).count() == 0
    assert_ledger_ok()

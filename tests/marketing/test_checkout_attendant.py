"""The attendant's handheld and an order with a coupon: the lookup carries the coupon's rule
(the offline estimate uses it) and the fill-up cap as the driver set it, the preview and the
confirmation price the coupon on the litres dispensed, the live list reads the rules at once."""

import pytest

from app.attendant.schemas import FuelingOut, PickupOrder
from app.services.orders import pickup
from tests.attendant.conftest import Handheld
from tests.marketing.checkout_helpers import give, paid, wallet_member
from tests.money.helpers import assert_ledger_ok, run_jobs


@pytest.fixture
def attendant(world, client) -> Handheld:
    """The handheld, logged in as station A's attendant."""
    handheld = Handheld(client)
    assert handheld.login("attendant_a").status_code == 200
    return handheld


def test_a_fill_up_with_a_coupon_as_the_attendant_sees_it(world, attendant):
    member = wallet_member(world)
    coupon = give(world, member)  # 满100减10: 490.00 元 paid on the 500.00 元 cap
    order = paid(world, member, coupon, mode="fill_up", amount_fen=None)
    token = pickup.token_for(order)
    found = PickupOrder.model_validate(attendant.get("/orders/lookup", token=token).get_json())
    assert (found.fill_up_cap_fen, found.paid_fen, found.available_fen) == (50_000, 49_000, 49_000)
    assert found.coupon.model_dump() == {
        "kind": "amount_off",
        "off_fen": 1_000,
        "pay_percent": None,
        "per_litre_fen": None,
        "max_off_fen": None,
        "min_spend_fen": 10_000,
    }
    assert found.max_volume_ml == 66_840  # 66.84 L: 499.96 元 less 10 元 fits in 490 元
    preview = attendant.get("/orders/preview", token=token, dispensed_ml=40_000).get_json()
    # 40.00 L x 7.48 = 299.20 元, less 10 元: 289.20 元; 200.80 元 back.
    assert FuelingOut.model_validate(
        {k: v for k, v in preview.items() if k != "order"}
    ).model_dump() == {
        "dispensed_ml": 40_000,
        "dispensed_fen": 28_920,
        "coupon_fen": 1_000,
        "campaign_fen": 0,
        "refund_fen": 20_080,
    }
    confirmed = attendant.confirm(token, 40_000)
    assert confirmed.status_code == 200, confirmed.get_json()
    assert (confirmed.get_json()["coupon_fen"], confirmed.get_json()["refund_fen"]) == (
        1_000,
        20_080,
    )
    run_jobs()
    assert_ledger_ok()


def test_the_live_list_carries_each_orders_coupon(world, attendant):
    member = wallet_member(world)
    with_coupon = paid(world, member, give(world, member))
    without = paid(world, member)
    answer = attendant.get(f"/stations/{world.station_a.id}/orders").get_json()
    coupons = {o["id"]: o["coupon"] for o in answer["orders"]}
    assert coupons[without.id] is None
    assert coupons[with_coupon.id]["kind"] == "amount_off"
    assert_ledger_ok()

"""GET /me/tier and the price breakdown on order answers, checked against their schemas."""

import pytest
from sqlalchemy import select

from app.api.order_schemas import OrderOut, PlacedAndPaid
from app.api.tier_schemas import MemberTierOut
from app.extensions import db
from app.models import Member
from app.services.orders import pickup
from app.services.payments import settlement
from app.services.platform.money import amount_for_volume
from tests.api.conftest import assert_error, order_body
from tests.money.helpers import assert_ledger_ok
from tests.money.tier_helpers import add_tier


def settle_through_api(world, api, dispensed_ml=20_000) -> dict:
    """Place and pay from the wallet over the API, fuel at the pump, settle; the order's answer."""
    placed = api.post("/orders", order_body(world, pay_with="wallet"))
    assert placed.status_code == 201, placed.get_json()
    order = PlacedAndPaid.model_validate(placed.get_json()).order
    staff_order = pickup.confirm_fueling(world.attendant_a, order.pickup.token, dispensed_ml)
    assert settlement.settle_order(staff_order.id)
    return api.get(f"/orders/{order.id}").get_json()


def test_without_tiers_the_answer_says_so(world, api):
    answer = api.get("/me/tier")
    assert answer.status_code == 200, answer.get_json()
    tier = MemberTierOut.model_validate(answer.get_json())
    assert (tier.metric, tier.unit, tier.window_days, tier.value) == ("spend", "fen", 365, 0)
    assert tier.tier is None and tier.next_tier is None and tier.tiers == []
    assert tier.missing == 0 and tier.history == []
    assert (tier.saving.total_fen, tier.saving.tier_fen) == (0, 0)


@pytest.mark.travel(hour=10)
def test_progress_saving_and_history_after_orders(world, api):
    silver = add_tier(world, "银卡", 14_960, {"92": 5})
    gold = add_tier(world, "金卡", 50_000, {"92": 10, "95": 10})
    first = settle_through_api(world, api)  # 20.00 L at 7.48: exactly the silver threshold
    assert first["pricing"]["tier_id"] is None
    tier = MemberTierOut.model_validate(api.get("/me/tier").get_json())
    assert (tier.value, tier.tier.id, tier.tier.name, tier.tier.rank) == (
        14_960,
        silver.id,
        "银卡",
        1,
    )
    assert tier.next_tier.id == gold.id and tier.missing == 50_000 - 14_960
    assert [(c.fuel.code, c.cut_fen) for c in tier.next_tier.cuts] == [("92", 10), ("95", 10)]
    assert [t.name for t in tier.tiers] == ["银卡", "金卡"]
    assert tier.tier_since is not None
    [change] = tier.history
    assert (change.from_tier, change.to_tier.name, change.reason) == (None, "银卡", "settlement")
    assert (change.metric_value, change.reason_name) == (14_960, "加油结算")
    assert tier.saving.total_fen == amount_for_volume(768, 20_000) - 14_960

    second = OrderOut.model_validate(settle_through_api(world, api))  # now at the silver price
    pricing = second.pricing
    assert (pricing.list_price_fen, pricing.member_price_fen, pricing.tier_cut_fen) == (768, 748, 5)
    assert (pricing.unit_price_fen, pricing.saving_per_litre_fen) == (743, 25)
    assert pricing.tier_id == silver.id and pricing.note == "银卡会员价再降0.05元/升"
    assert pricing.saving_fen == amount_for_volume(768, 20_000) - amount_for_volume(743, 20_000)
    tier = MemberTierOut.model_validate(api.get("/me/tier").get_json())
    assert tier.value == 14_960 + 14_860
    assert tier.saving.total_fen == 2 * amount_for_volume(768, 20_000) - 14_960 - 14_860
    assert tier.saving.tier_fen == 14_960 - 14_860
    assert_ledger_ok()


@pytest.mark.travel(hour=10)
def test_an_unfuelled_order_shows_its_price_but_no_saving_yet(world, api):
    add_tier(world, "银卡", 1)
    settle_through_api(world, api, dispensed_ml=1_000)
    answer = api.post("/orders", order_body(world, fuel="95"))
    order = OrderOut.model_validate(answer.get_json())
    assert order.pricing.saving_fen is None
    assert order.pricing.note == "银卡：该油品暂无等级优惠"
    assert (order.pricing.member_price_fen, order.unit_price_fen) == (801, 801)
    listed = api.get("/orders").get_json()["items"]
    assert listed[0]["pricing"] == answer.get_json()["pricing"]


def test_the_tier_needs_a_login(world, client):
    assert_error(client.get("/api/v1/me/tier"), 401, "unauthorized")


def test_the_tier_is_the_members_own(world, api, driver, client):
    add_tier(world, "银卡", 1)
    settle_through_api(world, api, dispensed_ml=1_000)
    other = driver.token("o-someone-else")
    answer = client.get("/api/v1/me/tier", headers={"Authorization": f"Bearer {other}"})
    tier = MemberTierOut.model_validate(answer.get_json())
    assert tier.tier is None and tier.value == 0 and tier.history == []
    member = db.session.scalar(select(Member).where(Member.openid == "o-order-driver"))
    assert member.tier_id is not None


def test_the_document_describes_the_tier_and_the_breakdown(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    operation = doc["paths"]["/me/tier"]["get"]
    assert operation["security"] == [{"bearer": []}] and "401" in operation["responses"]
    media = operation["responses"]["200"]["content"]["application/json"]
    assert media["schema"] == {"$ref": "#/components/schemas/MemberTierOut"}
    assert len(media["examples"]) == 2
    schemas = doc["components"]["schemas"]
    assert {"tier", "next_tier", "missing", "saving", "history"} <= set(
        schemas["MemberTierOut"]["required"]
    )
    assert "pricing" in schemas["OrderOut"]["required"]
    assert {"member_price_fen", "tier_cut_fen", "note"} <= set(schemas["PricingOut"]["properties"])

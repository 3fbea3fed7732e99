"""The driver's points API: balance with lots and the rule, the ledger paged, the catalogue as
the driver may redeem it, redeeming (replayed by its Idempotency-Key), every refusal a 4xx in
Chinese naming the field or the item with nothing changed, and the driver's own redemptions
with the code to show, nobody else's. Every answer is valid against the published schema."""

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from app.extensions import db
from app.models import Member, PointsEntry, PointsItem, PointsRedemption
from app.services.marketing.points import adjusting, codes, redeeming
from tests.api.conftest import Api, assert_error
from tests.factories import make_member
from tests.marketing.helpers import active_template
from tests.marketing.points_helpers import assert_books_ok, make_item, make_rule
from tests.money.helpers import credit_wallet, row_counts
from tests.money.tier_helpers import settled_order

pytestmark = pytest.mark.travel(hour=10)


@pytest.fixture
def api(world, driver, client) -> Api:
    return Api(client, driver.token("o-points-driver"))


def me() -> Member:
    return db.session.scalar(select(Member).where(Member.openid == "o-points-driver"))


def check(client, answer, schema_name: str, status: int = 200) -> dict:
    assert answer.status_code == status, answer.get_json()
    doc = client.get("/api/v1/openapi.json").get_json()
    schema = {**doc["components"]["schemas"][schema_name], "components": doc["components"]}
    body = answer.get_json()
    Draft202012Validator(schema).validate(body)
    return body


def test_my_points_show_the_balance_the_lots_and_the_rule(world, api, client):
    body = check(client, api.get("/me/points"), "PointsSummary")
    assert body == {"balance": 0, "lots": [], "expiring": None, "rule": None}
    make_rule(world, daily_cap=500)
    credit_wallet(me(), 50_000)
    settled_order(world, me())
    body = check(client, api.get("/me/points"), "PointsSummary")
    assert body["balance"] == 149 and len(body["lots"]) == 1
    assert body["expiring"] == {k: body["lots"][0][k] for k in ("points", "expires_at")}
    rule = body["rule"]
    assert (rule["basis"], rule["daily_cap"], rule["tier_percent"]) == ("yuan", 500, 100)
    diesel = next(f for f in rule["fuels"] if f["code"] == "0")
    assert (diesel["points"], diesel["per_units"], diesel["text"]) == (1, 2, "每 2 元积 1 分")
    assert rule["expiry_text"] == "每年获得的积分于次年年底（12 月 31 日 24:00）过期"


def test_the_ledger_is_paged_newest_first(world, api, client):
    member = me()
    for points in (10, 20, 30):
        adjusting.adjust(world.admin, member.id, points, f"赠送 {points}")
    body = check(client, api.get("/me/points/ledger", per_page=2), "LedgerPage")
    assert [(e["kind"], e["delta"], e["balance_after"]) for e in body["items"]] == [
        ("adjust", 30, 60),
        ("adjust", 20, 30),
    ]
    assert (body["total"], body["has_more"]) == (3, True)
    last = check(client, api.get("/me/points/ledger", page=2, per_page=2), "LedgerPage")
    assert [e["note"] for e in last["items"]] == ["赠送 10"] and not last["has_more"]
    assert_error(api.get("/me/points/ledger", per_page=51), 400, "invalid_request")


def test_the_catalogue_says_what_the_driver_may_redeem(world, api, client):
    adjusting.adjust(world.admin, me().id, 500, "开业赠送")
    template = active_template(world.admin)
    wash = make_item(world, points=300, stock_total=10, per_member_limit=2)
    coupon = make_item(world, "coupon", coupon_template_id=template.id, points=2000)
    body = check(client, api.get("/points/catalogue"), "Catalogue")
    assert body["balance"] == 500
    assert [(i["id"], i["may_redeem"], i["reason"]) for i in body["items"]] == [
        (wash.id, True, None),
        (coupon.id, False, "积分不足"),
    ]
    assert body["items"][1]["coupon"] == {
        "template_id": template.id,
        "name": "满100减10",
        "rule": "满100减10",
    }


def test_a_redemption_gives_a_code_and_a_repeat_replays_it(world, api, client):
    adjusting.adjust(world.admin, me().id, 500, "开业赠送")
    wash = make_item(world, points=300, stock_total=10)
    first = api.post("/points/redeem", {"item_id": wash.id}, key="redeem-1")
    body = check(client, first, "RedemptionOut", 201)
    assert (body["status"], body["points"], len(body["code"])) == ("unused", 300, 12)
    assert body["code_text"] == codes.shown(body["code"])
    again = api.post("/points/redeem", {"item_id": wash.id}, key="redeem-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == body
    assert db.session.scalar(select(PointsItem.stock_left)) == 9
    listed = check(client, api.get("/me/redemptions"), "RedemptionPage")
    assert [r["code"] for r in listed["items"]] == [body["code"]]
    codes.verify(world.cashier_a, world.station_a.id, body["code"])
    used = check(client, api.get("/me/redemptions"), "RedemptionPage")["items"][0]
    assert (used["status"], used["code"], used["used_station"]) == (
        "used",
        None,
        {"id": world.station_a.id, "name": "昆明北京路加油站"},
    )
    assert_books_ok()


def test_a_fuel_coupon_redeemed_lands_in_my_coupons(world, api, client):
    adjusting.adjust(world.admin, me().id, 2000, "开业赠送")
    template = active_template(world.admin)
    item = make_item(world, "coupon", coupon_template_id=template.id, points=2000)
    body = check(client, api.post("/points/redeem", {"item_id": item.id}), "RedemptionOut", 201)
    assert body["status"] == "issued" and body["code"] is None
    mine = api.get("/me/coupons").get_json()["items"]
    assert [(c["id"], c["source"]) for c in mine] == [(body["coupon_id"], "points")]
    assert_books_ok()


MODELS = (PointsEntry, PointsRedemption)  # the refusal itself is kept for its key


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "请填写兑换商品"),
        ({"item_id": "5"}, "兑换商品应为整数"),
        ({"item_id": 0}, "兑换商品不能小于 1"),
        ({"item_id": 2**31}, "兑换商品不能大于 2147483647"),
    ],
)
def test_a_bad_redemption_is_told_in_chinese_naming_the_field(world, api, body, message):
    before = row_counts(*MODELS)
    answer = api.post("/points/redeem", body)
    assert assert_error(answer, 400, "invalid_request") == message
    assert row_counts(*MODELS) == before


def test_refusals_are_409s_in_chinese_and_change_nothing(world, api):
    member = me()
    adjusting.adjust(world.admin, member.id, 150, "开业赠送")
    once = make_item(world, points=100, per_member_limit=1)
    redeeming.redeem(member, once.id)
    dear = make_item(world, "goods", points=51)
    gone = make_item(world, name="最后一箱", points=1, stock_total=1)
    other = make_member(world.chain, "o-other")
    adjusting.adjust(world.admin, other.id, 1, "赠送")
    redeeming.redeem(other, gone.id)
    elsewhere = make_member(world.chain, "o-x").id  # for a 404 of a real id of no item
    before = row_counts(PointsEntry, PointsRedemption)
    cases = [
        (once.id, 409, "points_item_limit_reached", "「精致洗车一次」每人限兑 1 次"),
        (dear.id, 409, "points_insufficient", "积分不足：兑换「矿泉水一箱」需要 51 积分"),
        (gone.id, 409, "points_item_sold_out", "「最后一箱」已兑完"),
        (elsewhere + 1000, 404, "not_found", "兑换商品不存在"),
    ]
    for item_id, status, code, words in cases:
        message = assert_error(api.post("/points/redeem", {"item_id": item_id}), status, code)
        assert message.startswith(words), message
    assert row_counts(PointsEntry, PointsRedemption) == before
    assert_books_ok()


def test_another_drivers_redemptions_are_not_mine(world, api, client):
    other = make_member(world.chain, "o-other")
    adjusting.adjust(world.admin, other.id, 100, "赠送")
    redeeming.redeem(other, make_item(world, points=100).id)
    body = check(client, api.get("/me/redemptions"), "RedemptionPage")
    assert body["items"] == [] and body["total"] == 0


def test_one_redemption_shows_its_code_until_the_counter_verifies_it(world, api, client):
    adjusting.adjust(world.admin, me().id, 300, "开业赠送")
    wash = make_item(world, points=300)
    made = check(client, api.post("/points/redeem", {"item_id": wash.id}), "RedemptionOut", 201)
    one = check(client, api.get(f"/me/redemptions/{made['id']}"), "RedemptionOut")
    assert one == made and one["status"] == "unused" and len(one["code"]) == 12
    codes.verify(world.cashier_a, world.station_a.id, one["code"])
    used = check(client, api.get(f"/me/redemptions/{made['id']}"), "RedemptionOut")
    assert (used["status"], used["status_name"], used["code"], used["code_text"]) == (
        "used",
        "已核销",
        None,
        None,
    )
    assert used["used_station"] == {"id": world.station_a.id, "name": "昆明北京路加油站"}
    assert used["used_at"] is not None
    assert_books_ok()


def test_another_drivers_redemption_is_not_found(world, api):
    other = make_member(world.chain, "o-other")
    adjusting.adjust(world.admin, other.id, 100, "赠送")
    theirs = redeeming.redeem(other, make_item(world, points=100).id)
    message = assert_error(api.get(f"/me/redemptions/{theirs.id}"), 404, "not_found")
    assert message == "兑换记录不存在"
    assert_error(api.get(f"/me/redemptions/{theirs.id + 1000}"), 404, "not_found")

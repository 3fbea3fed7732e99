"""Driver wallet API: balances and freezing, top-up packages, WeChat top-ups, their history and
refund requests, and what the OpenAPI document says of them."""

import uuid

import httpx
import pytest
from sqlalchemy import func, select, update

from app.api import wallet_schemas
from app.api.wallet_schemas import (
    PackageList,
    RefundRequestOut,
    StartTopupAnswer,
    TopupOut,
    TopupPage,
    WalletOut,
)
from app.extensions import db
from app.models import Member, Topup, Wallet
from app.models.base import utcnow
from app.services.members.topup_refunds import approve_refund_request
from tests.api.conftest import Api, assert_error, order_body, wallet_json
from tests.money.helpers import assert_ledger_ok
from tests.money.topup_helpers import credited_topup, make_package, user_pays, wait_for


@pytest.fixture
def member(api):
    return db.session.scalar(select(Member).where(Member.openid == "o-order-driver"))


def test_wallet_shows_both_balances_and_a_frozen_wallet_refuses_to_pay(world, api, member):
    assert api.get("/wallet").get_json() == wallet_json(50_000)
    credited_topup(member, world.station_a, principal_fen=50_000, bonus_fen=3_000)
    answer = WalletOut.model_validate(api.get("/wallet").get_json())
    assert (answer.principal_fen, answer.bonus_fen, answer.balance_fen) == (100_000, 3_000, 103_000)
    order = api.post("/orders", order_body(world)).get_json()
    db.session.execute(
        update(Wallet)
        .where(Wallet.member_id == member.id)
        .values(frozen_at=utcnow(), frozen_reason="疑似盗刷，待核实")
    )
    db.session.commit()
    assert api.get("/wallet").get_json() == wallet_json(100_000, 3_000, "疑似盗刷，待核实")
    message = assert_error(
        api.post(f"/orders/{order['id']}/pay", {"method": "wallet"}), 409, "wallet_frozen"
    )
    assert "冻结" in message
    assert_error(api.post("/orders", order_body(world, pay_with="wallet")), 409, "wallet_frozen")
    assert api.get(f"/orders/{order['id']}").get_json()["status"] == "created"
    assert_ledger_ok()


def test_packages_of_the_chain_and_of_the_station(world, api):
    chain_wide = make_package(world.chain)
    mine = make_package(world.chain, world.station_a, kind="free")
    make_package(world.chain, world.station_b, name="大理专享")
    make_package(world.chain, name="已停用", enabled=False)
    listed = PackageList.model_validate(api.get("/topup-packages").get_json())
    assert [p.id for p in listed.items] == [chain_wide.id]
    at_a = api.get("/topup-packages", station_id=world.station_a.id).get_json()
    assert [p["id"] for p in at_a["items"]] == [chain_wide.id, mine.id]
    assert at_a["items"][0] | {"ends_at": None} == {
        "id": chain_wide.id,
        "name": "充500送30",
        "kind": "fixed",
        "pay_fen": 50_000,
        "bonus_fen": 3_000,
        "min_fen": None,
        "max_fen": None,
        "station": None,
        "ends_at": None,
    }
    assert at_a["items"][1]["station"] == {"id": world.station_a.id, "name": world.station_a.name}
    assert_error(api.get("/topup-packages", station_id="abc"), 400, "invalid_request")


def test_topup_history_and_refund_request_through_the_api(
    world, api, member, driver, client, sandbox
):
    package = make_package(world.chain, world.station_a)
    key = str(uuid.uuid4())
    body = {"package_id": package.id, "station_id": world.station_a.id}
    first = api.post("/topups", body, key=key)
    assert first.status_code == 201, first.get_json()
    started = StartTopupAnswer.model_validate(first.get_json())
    assert (started.topup.status, started.topup.principal_fen) == ("pending", 50_000)
    again = api.post("/topups", body, key=key)
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(select(func.count(Topup.id))) == 1

    user_pays(sandbox, first.get_json()["wechat_pay"])
    topup_id = started.topup.id
    assert wait_for(lambda: db.session.get(Topup, topup_id).status == "credited")
    shown = TopupOut.model_validate(api.get(f"/topups/{topup_id}").get_json())
    assert (shown.status, shown.bonus_fen, shown.refundable_principal_fen) == (
        "credited",
        3_000,
        50_000,
    )
    assert api.get("/wallet").get_json() == wallet_json(100_000, 3_000)
    page = TopupPage.model_validate(api.get("/topups").get_json())
    assert ([t.id for t in page.items], page.total, page.has_more) == ([topup_id], 1, False)

    asked = api.post(f"/topups/{topup_id}/refund-requests", {"reason": "离开昆明"})
    assert asked.status_code == 201, asked.get_json()
    request = RefundRequestOut.model_validate(asked.get_json())
    assert_error(
        api.post(f"/topups/{topup_id}/refund-requests", {"reason": "再来"}),
        409,
        "refund_request_open",
    )
    withdrawn = api.post(f"/topups/{topup_id}/refund-requests/{request.id}/cancel").get_json()
    assert withdrawn["status"] == "cancelled"
    again = api.post(f"/topups/{topup_id}/refund-requests", {"reason": "还是退吧"}).get_json()
    approve_refund_request(world.manager_a, again["id"])
    shown = api.get(f"/topups/{topup_id}").get_json()
    assert [r["status"] for r in shown["refund_requests"]] == ["cancelled", "approved"]
    decided = shown["refund_requests"][1]
    assert (decided["principal_fen"], decided["bonus_revoked_fen"]) == (50_000, 3_000)
    assert decided["refund"]["amount_fen"] == 50_000
    assert (shown["refunded_principal_fen"], shown["refundable_principal_fen"]) == (50_000, 0)
    assert api.get("/wallet").get_json() == wallet_json(50_000)

    other = Api(client, driver.token("o-somebody-else"))
    assert_error(other.get(f"/topups/{topup_id}"), 404, "not_found")
    asked = other.post(f"/topups/{topup_id}/refund-requests", {"reason": "x"})
    assert_error(asked, 404, "not_found")
    assert other.get("/topups").get_json()["total"] == 0
    assert_ledger_ok()


def test_topup_refusals(world, api, sandbox):
    package = make_package(world.chain)
    ended = make_package(world.chain, enabled=False)
    assert_error(api.post("/topups", {}), 400, "invalid_request")
    assert_error(api.post("/topups", {"amount_fen": 50}), 400, "invalid_request")
    assert_error(api.post("/topups", {"package_id": "1"}), 400, "invalid_request")
    assert_error(api.post("/topups", {"package_id": 999_999}), 404, "not_found")
    message = assert_error(api.post("/topups", {"package_id": ended.id}), 409, "rejected")
    assert "套餐" in message
    assert_error(api.post("/topups", {"amount_fen": 20_000}), 409, "rejected")  # no free package
    assert_error(
        api.post("/topups", {"package_id": package.id}, key=False), 400, "idempotency_key_required"
    )
    httpx.post(sandbox + "/faults", json={"create": "SYSTEM_ERROR", "times": 1})
    key = str(uuid.uuid4())
    assert_error(
        api.post("/topups", {"package_id": package.id}, key=key), 503, "payment_unavailable"
    )
    retried = api.post("/topups", {"package_id": package.id}, key=key)  # not replayed: runs again
    assert retried.status_code == 201, retried.get_json()
    assert_ledger_ok()


NEW_OPERATIONS = {
    ("/wallet", "get"): ("200", set()),
    ("/topup-packages", "get"): ("200", {"400"}),
    ("/topups", "post"): ("201", {"400", "401", "404", "409", "503"}),
    ("/topups", "get"): ("200", {"400", "401"}),
    ("/topups/{topup_id}", "get"): ("200", {"401", "404"}),
    ("/topups/{topup_id}/refund-requests", "post"): ("201", {"400", "401", "404", "409"}),
    ("/topups/{topup_id}/refund-requests/{request_id}/cancel", "post"): ("200", {"404", "409"}),
}


def test_the_document_describes_the_wallet_operations(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for (path, method), (success, errors) in NEW_OPERATIONS.items():
        operation = doc["paths"][path][method]
        assert operation["tags"] == ["wallet"] and operation["description"]
        content = operation["responses"][success]["content"]["application/json"]
        assert "example" in content or "examples" in content, (path, method)
        assert errors | {success} <= set(operation["responses"]), (path, method)
    topups = doc["paths"]["/topups"]["post"]
    codes = topups["responses"]["409"]["content"]["application/json"]["schema"]
    assert "rejected" in codes["properties"]["error"]["properties"]["code"]["enum"]
    assert "payment_unavailable" in str(topups["responses"]["503"])
    assert "example" in topups["requestBody"]["content"]["application/json"] or (
        "examples" in topups["requestBody"]["content"]["application/json"]
    )
    asked = doc["paths"]["/topups/{topup_id}/refund-requests"]["post"]["responses"]["409"]
    assert "refund_request_open" in str(asked)
    for path in ("/orders/{order_id}/pay", "/orders"):
        assert "wallet_frozen" in str(doc["paths"][path]["post"]["responses"]["409"])


@pytest.mark.parametrize(
    "model",
    [
        WalletOut,
        PackageList,
        StartTopupAnswer,
        TopupOut,
        TopupPage,
        RefundRequestOut,
        wallet_schemas.StartTopupRequest,
        wallet_schemas.RefundRequestBody,
    ],
)
def test_every_example_fits_its_schema(model):
    examples = model.model_json_schema().get("examples")
    assert examples
    for example in examples:
        model.model_validate(example)

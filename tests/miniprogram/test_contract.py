"""Contract test of the driver's mini-program: its own client (miniprogram/utils/api.js) runs a
driver's journey in Node against the live service (PostgreSQL, the sandbox standing in for
WeChat login and WeChat Pay, real HTTP), and every answer it got is checked against the OpenAPI
documents the service publishes."""

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from app.extensions import db
from app.models import CounterRefundRequest, Coupon, Member, Order, PointsRedemption, Refund, Topup
from app.services import ledger
from app.services.payments import counter_refunds
from tests.factories import PASSWORD
from tests.marketing.helpers import active_template
from tests.marketing.points_helpers import assert_points_ok, entries, make_item, make_rule
from tests.money.card_helpers import new_batch, sold_card
from tests.money.helpers import run_jobs
from tests.money.topup_helpers import make_package

MINIPROGRAM = Path(__file__).resolve().parents[2] / "miniprogram"
JOURNEY = MINIPROGRAM / "tests" / "contract" / "journey.js"
OPENID = "o-contract-driver"
TIMEOUT_S = 120
DOCUMENTS = {"driver": "/api/v1/openapi.json", "attendant": "/attendant/api/openapi.json"}

# What the journey must have gone through, as "METHOD /template STATUS".
DRIVER_CALLS = {
    "GET /banners 200",
    "GET /notices 200",
    "POST /auth/wechat 200",
    "GET /coupons/claimable 200",
    "POST /coupons/claim 201",
    "POST /coupons/claim 409",
    "GET /me/coupons 200",
    "GET /stations 200",
    "GET /stations/{station_id} 200",
    "POST /vehicles 201",
    "GET /vehicles 200",
    "GET /wallet 200",
    "GET /topup-packages 200",
    "POST /topups 201",
    "GET /topups/{topup_id} 200",
    "GET /topups 200",
    "POST /recharge-cards/redeem 200",
    "POST /orders 201",
    "POST /orders 400",
    "POST /orders/{order_id}/refund-requests 201",
    "POST /orders/{order_id}/refund-requests 409",
    "GET /orders/{order_id} 200",
    "GET /orders/{order_id}/qr.png 200",
    "GET /orders 200",
    "GET /me 401",
    "GET /me 200",
    "GET /me/points 200",
    "GET /me/points/ledger 200",
    "GET /points/catalogue 200",
    "POST /points/redeem 201",
    "POST /points/redeem 409",
    "GET /me/redemptions 200",
    "GET /me/redemptions/{redemption_id} 200",
}
ATTENDANT_CALLS = {
    "POST /login 200",
    "GET /orders/lookup 200",
    "GET /orders/preview 200",
    "POST /orders/confirm 200",
}


def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.fail("node is not installed: `make test` installs it (the mini-program's tests)")
    return found


def run_journey(
    url: str, out: Path, card: tuple[str, str], coupon: int, items: tuple[int, int], log: Path
) -> dict:
    """Run the journey; meanwhile play the job worker (settlement runs as a job) until it ends."""
    command = [
        node(),
        str(JOURNEY),
        url,
        str(out),
        f"--card={card[0]}:{card[1]}",
        f"--attendant=attendant_a:{PASSWORD}",
        f"--coupon={coupon}",
        f"--points={items[0]}:{items[1]}",
        f"--openid={OPENID}",
    ]
    deadline = time.monotonic() + TIMEOUT_S
    with log.open("w") as output:
        journey = subprocess.Popen(command, cwd=MINIPROGRAM, stdout=output, stderr=output)
        try:
            while True:
                run_jobs()
                try:
                    journey.wait(timeout=0.05)
                    break
                except subprocess.TimeoutExpired:
                    if time.monotonic() > deadline:
                        raise
        finally:
            journey.kill()
            journey.wait()
    result = json.loads(out.read_text()) if out.exists() else {}
    assert journey.returncode == 0, log.read_text() + str(result.get("error", ""))
    assert result["ok"], result
    return result


def template_of(doc: dict, path: str) -> str | None:
    """The document's path for a concrete one; a literal path wins over a templated one."""
    matches = [
        template
        for template in doc["paths"]
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path)
    ]
    return min(matches, key=lambda t: t.count("{")) if matches else None


def check_answer(doc: dict, exchange: dict) -> str:
    """The exchange's answer is what the document says for its operation and status; returns
    "METHOD /template STATUS"."""
    method, status = exchange["method"], str(exchange["status"])
    where = f"{exchange['api']} {method} {exchange['path']}{exchange['query']} {status}"
    template = template_of(doc, exchange["path"])
    assert template is not None, f"{where}: no such path in the document"
    operation = doc["paths"][template].get(method.lower())
    assert operation is not None, f"{where}: the document has no {method} {template}"
    answer = operation["responses"].get(status)
    assert answer is not None, f"{where}: status not documented ({sorted(operation['responses'])})"
    content = answer.get("content", {})
    media = content.get(exchange["content_type"]) or next(
        (
            m
            for t, m in content.items()
            if t.endswith("/*") and exchange["content_type"].startswith(t[:-1])
        ),
        None,
    )
    assert media is not None, f"{where}: {exchange['content_type']} not in {sorted(content)}"
    if exchange["content_type"] == "application/json":
        validator = Draft202012Validator({**media["schema"], "components": doc["components"]})
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(exchange["body"])
        ]
        assert not errors, f"{where}: answer not as documented:\n" + "\n".join(errors[:10])
    else:
        assert exchange["bytes"] > 0, f"{where}: empty {exchange['content_type']}"
    return f"{method} {template} {status}"


@pytest.fixture
def prepared(world, sandbox):
    """A top-up package (500 元 + 30 元) and a recharge card of 100 元 sold at station A."""
    make_package(world.chain)
    made = new_batch(world.manager_a, world.station_a, count=1, face_fen=10_000)
    return sold_card(world.cashier_a, world.station_a, made)


@pytest.fixture
def coupon_template(world):
    """The chain's 满100减10, one per member, in the claim centre."""
    return active_template(world.admin)


@pytest.fixture
def points_items(world):
    """Points earned at 1 per yuan of 92#, a car wash for 100 of them and goods for far more."""
    make_rule(world)
    wash = make_item(world, points=100, stock_total=5)
    dear = make_item(world, "goods", points=1_000_000)
    return wash, dear


def test_the_clients_journey_gets_the_answers_the_document_promises(
    world, live_server, client, prepared, coupon_template, points_items, tmp_path
):
    wash, dear = points_items
    result = run_journey(
        live_server.url,
        tmp_path / "exchanges.json",
        prepared,
        coupon_template.id,
        (wash.id, dear.id),
        tmp_path / "journey.log",
    )
    documents = {api: client.get(url).get_json() for api, url in DOCUMENTS.items()}

    seen = {"driver": set(), "attendant": set()}
    for exchange in result["exchanges"]:
        seen[exchange["api"]].add(check_answer(documents[exchange["api"]], exchange))
    assert seen["driver"] >= DRIVER_CALLS, DRIVER_CALLS - seen["driver"]
    assert seen["attendant"] >= ATTENDANT_CALLS, ATTENDANT_CALLS - seen["attendant"]
    assert len(result["exchanges"]) >= len(DRIVER_CALLS) + len(ATTENDANT_CALLS)

    # What the journey saw is what the service stored.
    steps = result["steps"]
    db.session.expire_all()
    member = db.session.scalar(select(Member).where(Member.openid == OPENID))
    assert member.id == steps["member_id"]
    coupons = db.session.scalars(select(Coupon).where(Coupon.member_id == member.id)).all()
    assert [(c.id, c.template_id, c.status, c.source) for c in coupons] == [
        (steps["coupon_id"], coupon_template.id, "available", "claim")
    ]
    by_wallet = db.session.get(Order, steps["wallet_order_id"])
    by_wechat = db.session.get(Order, steps["wechat_order_id"])
    assert (by_wallet.station_id, by_wallet.status, by_wallet.dispensed_ml) == (
        world.station_a.id,
        "settled",
        20000,
    )
    assert (by_wechat.status, by_wechat.payment_method, by_wechat.paid_fen) == (
        "paid",
        "wechat",
        10000,
    )
    refunds = db.session.scalars(select(Refund).where(Refund.order_id == by_wallet.id)).all()
    assert [(r.method, r.kind, r.status, r.amount_fen) for r in refunds] == [
        ("wallet", "settlement", "SUCCESS", 20000 - by_wallet.dispensed_fen)
    ]
    assert steps["refund_fen"] == 20000 - by_wallet.dispensed_fen > 0
    assert db.session.get(Topup, steps["topup_id"]).status == "credited"
    balance = 50_000 + 3_000 + 10_000 - by_wallet.dispensed_fen
    assert ledger.wallet_balance(member.id) == steps["balance_fen"] == balance

    # The points: 1 per whole yuan the driver kept of the settled order, 100 spent on the wash.
    earned = by_wallet.dispensed_fen // 100
    assert steps["points_earned"] == earned and steps["points_left"] == earned - 100
    assert entries(member) == [("earn", earned, earned), ("redeem", -100, earned - 100)]
    redemptions = db.session.scalars(
        select(PointsRedemption).where(PointsRedemption.member_id == member.id)
    ).all()
    assert [(r.id, r.item_id, r.status, r.points) for r in redemptions] == [
        (steps["redemption_id"], wash.id, "unused", 100)
    ]
    assert_points_ok()
    # The driver's 申请退款 waits for the station; the manager approves it into the wallet.
    asked = db.session.get(CounterRefundRequest, steps["refund_request_id"])
    assert (asked.order_id, asked.channel, asked.status, asked.amount_fen) == (
        by_wallet.id,
        "driver",
        "pending",
        1000,
    )
    counter_refunds.approve(world.manager_a, asked.id)
    assert ledger.wallet_balance(member.id) == balance + 1000
    assert_points_ok()  # the refund took its share of the order's points back


def test_an_answer_off_the_document_is_caught(app, client):
    doc = client.get(DOCUMENTS["driver"]).get_json()
    wallet = {"principal_fen": 100, "bonus_fen": 0, "balance_fen": 100, "frozen": False}
    good = {
        "api": "driver",
        "method": "GET",
        "path": "/wallet",
        "query": "",
        "status": 200,
        "content_type": "application/json",
        "body": wallet | {"frozen_reason": None},
        "bytes": 90,
    }
    assert check_answer(doc, good) == "GET /wallet 200"
    png = good | {"path": "/orders/7/qr.png", "content_type": "image/png", "body": None}
    assert check_answer(doc, png) == "GET /orders/{order_id}/qr.png 200"
    wrong = {
        "an undocumented field": good | {"body": good["body"] | {"extra": 1}},
        "a missing field": good | {"body": wallet},
        "an undocumented status": good | {"status": 418},
        "another media type": good | {"content_type": "text/html"},
        "an unknown path": good | {"path": "/wallets"},
        "another method": good | {"method": "DELETE"},
    }
    for what, exchange in wrong.items():
        with pytest.raises(AssertionError):
            check_answer(doc, exchange)
            pytest.fail(f"{what} passed")

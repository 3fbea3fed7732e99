"""POST /api/v1/recharge-cards/redeem: the answer, replays, misses counted with their refusal,
lock-outs, typos, and the document."""

import pytest
from sqlalchemy import func, select

from app.api.card_schemas import RedeemedCard
from app.extensions import db
from app.models import Member, MissGuard, Topup
from app.services import ledger
from app.services.members import card_secrets
from tests.api.conftest import Api, assert_error
from tests.money.card_helpers import new_batch, sold_card
from tests.money.helpers import assert_ledger_ok

URL = "/recharge-cards/redeem"


@pytest.fixture
def card_api(world, driver, client):
    """A logged-in driver with an empty wallet."""
    return Api(client, driver.token("o-card-driver"))


@pytest.fixture
def sold(world):
    made = new_batch(world.manager_a, world.station_a, count=2, face_fen=50_000)
    return sold_card(world.cashier_a, world.station_a, made)


def member_id() -> int:
    return db.session.scalar(select(Member.id).where(Member.openid == "o-card-driver"))


def misses() -> int:
    db.session.expire_all()
    return db.session.scalar(select(MissGuard.misses)) or 0


def wrong(secret: str) -> str:
    return secret[:-1] + str((int(secret[-1]) + 1) % 10)


def test_redeeming_answers_the_credit_and_the_new_balances(card_api, sold):
    number, secret = sold
    body = {"number": card_secrets.grouped(number), "secret": card_secrets.grouped(secret)}
    answer = card_api.post(URL, body, key="redeem-1")
    assert answer.status_code == 200, answer.get_json()
    redeemed = RedeemedCard.model_validate(answer.get_json())
    assert (redeemed.number, redeemed.credited_fen) == (number, 50_000)
    assert redeemed.wallet.model_dump() == {
        "principal_fen": 50_000,
        "bonus_fen": 0,
        "balance_fen": 50_000,
    }
    assert redeemed.redeemed_at.endswith("+08:00")
    again = card_api.post(URL, body, key="redeem-1")
    assert again.get_json() == answer.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other_key = card_api.post(URL, body)
    assert "不能重复兑换" in assert_error(other_key, 409, "card_redeemed")
    assert db.session.scalar(select(func.count(Topup.id))) == 1
    assert ledger.wallet_balance(member_id()) == 50_000
    assert_ledger_ok()


def test_a_wrong_secret_is_counted_with_its_answer_and_replayed_without_counting(card_api, sold):
    number, secret = sold
    body = {"number": number, "secret": wrong(secret)}
    answer = card_api.post(URL, body, key="guess-1")
    message = assert_error(answer, 404, "card_invalid")
    assert "再错 4 次" in message and misses() == 1
    replay = card_api.post(URL, body, key="guess-1")
    assert replay.get_json() == answer.get_json() and misses() == 1
    unknown = "9" * 11 + card_secrets.luhn_digit("9" * 11)
    other = card_api.post(URL, {"number": unknown, "secret": secret})
    assert assert_error(other, 404, "card_invalid") == message.replace("4 次", "3 次")
    assert misses() == 2


def test_five_misses_lock_the_driver_out_with_a_429(card_api, sold):
    number, secret = sold
    for _ in range(4):
        assert_error(
            card_api.post(URL, {"number": number, "secret": wrong(secret)}), 404, "card_invalid"
        )
    locked = card_api.post(URL, {"number": number, "secret": wrong(secret)})
    assert "分钟后再试" in assert_error(locked, 429, "card_locked")
    right = card_api.post(URL, {"number": number, "secret": secret})
    assert_error(right, 429, "card_locked")
    assert misses() == 5 and ledger.wallet_balance(member_id()) == 0


def test_typos_count_nothing(card_api, sold):
    number, secret = sold
    for body in (
        {"number": number[:-1], "secret": secret},
        {"number": f"{number}0", "secret": secret},
        {"number": f"{number[:4]}  {number[4:]}", "secret": secret},
        {"number": number, "secret": secret[:-2]},
        {"number": number, "secret": "abcd" * 4},
        {"number": number},
    ):
        assert_error(card_api.post(URL, body), 400, "invalid_request")
    bad_check = number[:-1] + str((int(number[-1]) + 1) % 10)
    answer = card_api.post(URL, {"number": bad_check, "secret": secret})
    assert "卡号有误" in assert_error(answer, 409, "rejected")  # the document cannot say it
    assert misses() == 0


def test_an_unsold_card_with_its_secret_is_told_to_ask_the_station(card_api, world):
    made = new_batch(world.manager_a, world.station_a)
    number, secret = made.cards[0]
    answer = card_api.post(URL, {"number": number, "secret": secret})
    assert "尚未激活" in assert_error(answer, 409, "card_not_active")


def test_login_and_idempotency_key_are_required(client, card_api, sold):
    number, secret = sold
    answer = client.post("/api/v1" + URL, json={"number": number, "secret": secret})
    assert_error(answer, 401, "unauthorized")
    assert_error(
        card_api.post(URL, {"number": number, "secret": secret}, key=False),
        400,
        "idempotency_key_required",
    )
    assert db.session.scalar(select(func.count(Topup.id))) == 0


def test_the_document_describes_redemption_and_every_refusal(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"][URL]["post"]
    assert "Idempotency-Key" in [p["name"] for p in op["parameters"]]
    codes = {
        status: set(
            answer["content"]["application/json"]["schema"]["properties"]["error"]["properties"][
                "code"
            ]["enum"]
        )
        for status, answer in op["responses"].items()
        if int(status) >= 400
    }
    assert codes["404"] == {"card_invalid"}
    assert codes["409"] >= {"card_not_active", "card_redeemed", "card_void"}
    assert codes["410"] == {"card_expired"} and codes["429"] == {"card_locked"}
    assert op["requestBody"]["content"]["application/json"]["examples"]

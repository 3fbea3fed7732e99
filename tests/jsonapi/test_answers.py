"""Clear answers on both JSON faces: Chinese messages naming the field, 401 without a session,
4xx (never 500) for ids and cursors past the database's integers and for NUL characters, and
the Allow header on a 405."""

import re
import uuid

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Member, Order
from tests.api.conftest import assert_error
from tests.money.helpers import credit_wallet

TOO_BIG = 2**31  # one past PostgreSQL's integer
RAW_NAME = re.compile(r"[a-z]+_[a-z]+|请求 无效")  # amount_fen, volume_ml ... or the old fallback


@pytest.fixture
def api(world, driver, client):
    token = driver.token("o-answers")
    member = db.session.scalar(select(Member).where(Member.openid == "o-answers"))
    credit_wallet(member, 50_000)
    headers = {"Authorization": f"Bearer {token}"}

    def call(method, path, body=None, **extra):
        extra_headers = {"Idempotency-Key": str(uuid.uuid4())} if method == "POST" else {}
        return client.open(
            "/api/v1" + path,
            method=method,
            json=body,
            headers={**headers, **extra_headers, **extra.pop("headers", {})},
            **extra,
        )

    return call


def order(world, **changes):
    body = {"station_id": world.station_a.id, "fuel": "92", "mode": "amount", "amount_fen": 20000}
    return {k: v for k, v in (body | changes).items() if v is not ...}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mode": ...}, "请选择加满、金额或升数"),
        ({"mode": "by_weight"}, "请选择加满、金额或升数"),
        ({"amount_fen": ...}, "按金额加油，请填写加油金额"),
        ({"amount_fen": 50}, "加油金额应为 1 元到 10000 元之间的整数分（如 20000 即 200 元）"),
        ({"amount_fen": "200"}, "加油金额应为 1 元到 10000 元之间的整数分（如 20000 即 200 元）"),
        ({"mode": "volume"}, "按升数加油，请填写升数"),
        (
            {"mode": "volume", "volume_ml": 30005},
            "升数应在 1 到 1000 升之间，精确到 0.01 升（以毫升计，10 毫升一档）",
        ),
        ({"fuel": None}, "请选择油品或油枪"),
        ({"fuel": ""}, "请填写油品"),
        ({"nozzle": 0}, "油枪号不能小于 1"),
        ({"station_id": ...}, "请填写油站"),
        ({"station_id": TOO_BIG}, "油站不能大于 2147483647"),
        ({"station_id": "one"}, "油站应为整数"),
        ({"plate": "云A1234"}, "车牌号格式不对，例如 云A12345 或 云AD12345"),
        ({"plate": "云A\x0012345"}, "车牌号格式不对，例如 云A12345 或 云AD12345"),
    ],
)
def test_a_bad_order_is_told_in_chinese_naming_the_field(world, api, changes, message):
    answer = api("POST", "/orders", order(world, **changes))
    assert assert_error(answer, 400, "invalid_request") == message
    assert not RAW_NAME.search(message)
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_a_plate_may_be_typed_loosely(world, api):
    answer = api("POST", "/orders", order(world, plate=" 云a·d1234 5"))
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["plate"] == "云AD12345"


def test_a_whole_number_written_with_a_point_is_an_integer(world, api):
    answer = api("POST", "/orders", order(world, amount_fen=20000.0))
    assert answer.status_code == 201 and answer.get_json()["amount_fen"] == 20000


def test_pay_names_the_choice(world, api):
    placed = api("POST", "/orders", order(world)).get_json()
    for body in ({}, {"method": "cash"}):
        message = assert_error(
            api("POST", f"/orders/{placed['id']}/pay", body), 400, "invalid_request"
        )
        assert message == "请选择微信支付或钱包支付"
    message = assert_error(api("POST", f"/orders/{placed['id']}/pay", [1]), 400, "invalid_request")
    assert message == "请求体应为 JSON 对象"


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("5f0c6a1e-8d52-4c1b-9a8e-2f1d3c4b5a69", True),
        ("a" * 100, True),
        ("!~", True),
        ("a" * 101, False),
        ("with space", False),
        ("订单", False),
        ("", False),
    ],
)
def test_the_idempotency_key_takes_1_to_100_visible_ascii_characters(world, api, key, ok):
    answer = api("POST", "/orders", order(world), headers={"Idempotency-Key": key})
    if ok:
        assert answer.status_code == 201
    else:
        message = assert_error(answer, 400, "idempotency_key_required")
        assert "Idempotency-Key" in message


@pytest.mark.parametrize("suffix", ["", "/qr.png", "/cancel", "/pay"])
@pytest.mark.parametrize("order_id", [TOO_BIG, 10**30, 0])
def test_order_ids_past_the_database_are_404(world, api, suffix, order_id):
    method = "POST" if suffix in ("/cancel", "/pay") else "GET"
    answer = api(method, f"/orders/{order_id}{suffix}", {"method": "wallet"})
    assert_error(answer, 404, "not_found")


def test_station_and_photo_ids_past_the_database_are_404(world, client):
    assert_error(client.get(f"/api/v1/stations/{TOO_BIG}"), 404, "not_found")
    assert_error(client.get(f"/api/v1/photos/{TOO_BIG}"), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/me", {"GET", "HEAD", "OPTIONS"}),
        ("PUT", "/api/v1/orders", {"GET", "POST", "HEAD", "OPTIONS"}),
        ("GET", "/api/v1/orders/1/pay", {"POST", "OPTIONS"}),
        ("DELETE", "/attendant/api/me", {"GET", "HEAD", "OPTIONS"}),
        ("GET", "/attendant/api/orders/confirm", {"POST", "OPTIONS"}),
    ],
)
def test_405_says_which_methods_are_allowed(app, client, method, path, allowed):
    answer = client.open(path, method=method)
    assert_error(answer, 405, "method_not_allowed")
    assert set(answer.headers["Allow"].replace(" ", "").split(",")) == allowed


def attendant_operations(client) -> list[tuple[str, str]]:
    doc = client.get("/attendant/api/openapi.json").get_json()
    return [
        (method.upper(), path.replace("{station_id}", "1"))
        for path, item in doc["paths"].items()
        for method in item
        if path != "/login"
    ]


def test_every_attendant_call_without_a_session_is_401(world, client):
    operations = attendant_operations(client)
    assert len(operations) == 11
    for method, path in operations:
        answer = client.open("/attendant/api" + path, method=method, json={})
        assert_error(answer, 401, "unauthorized")


def test_a_write_with_a_session_but_no_csrf_token_is_400(world, handheld):
    assert handheld.login("attendant_a").status_code == 200
    answer = handheld.post("/lock", csrf=False)
    assert_error(answer, 400, "csrf_failed")
    assert handheld.post("/lock").status_code == 200


@pytest.mark.parametrize("since", [TOO_BIG, 10**30])
def test_an_events_cursor_past_the_database_is_400(world, attendant, since):
    answer = attendant.get(f"/stations/{world.station_a.id}/events", since=since, wait=0)
    assert assert_error(answer, 400, "invalid_request") == "事件序号不能大于 2147483647"


def test_a_station_past_the_database_is_404_on_the_handheld(world, attendant):
    assert_error(attendant.get(f"/stations/{TOO_BIG}/orders"), 404, "not_found")
    assert_error(attendant.get(f"/stations/{TOO_BIG}/events"), 404, "not_found")


@pytest.mark.parametrize("username", ["attendant_a\x00", "\x00", "atten\x00dant_a", "a\x1fb"])
def test_a_nul_or_control_character_in_a_username_is_400(world, handheld, username):
    answer = handheld.login(username)
    assert assert_error(answer, 400, "invalid_request") == "用户名格式不对"


FORMAT, SIMPLE = "PIN 须为 4 到 6 位数字", "PIN 太简单（如 1111、1234），请换一个"


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("123", FORMAT),
        ("1234567", FORMAT),
        ("12a4", FORMAT),
        ("٢٥٨٠", FORMAT),  # digits, but not the 0-9 a keypad sends
        ("0000", SIMPLE),
        ("654321", SIMPLE),
    ],
)
def test_a_new_pin_is_4_to_6_digits_and_not_too_simple(world, attendant, pin, message):
    assert assert_error(attendant.post("/pin", {"pin": pin}), 400, "invalid_request") == message
    assert attendant.post("/pin", {"pin": "2580"}).status_code == 204


@pytest.mark.parametrize("dispensed_ml", [20005, 5])
def test_a_reading_is_in_steps_of_10_ml(world, attendant, dispensed_ml):
    answer = attendant.confirm("K7Q2M9XW4TJ8RCBN5HVD3PYG6F", dispensed_ml)
    assert assert_error(answer, 400, "invalid_request") in (
        "升数精确到两位小数（10 毫升一档）",
        "请输入加油升数",
    )

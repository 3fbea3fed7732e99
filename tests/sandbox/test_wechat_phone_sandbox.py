"""The fake stable_token and getuserphonenumber answer as WeChat does: HTTP 200 with errcode,
tokens that expire or die on a forced refresh, single-use phone codes that live 5 minutes."""

import time
from datetime import timedelta

import pytest

from app.sandbox.store import MemoryStore

PHONE_PATH = "/sandbox/wechat/wxa/business/getuserphonenumber"


@pytest.fixture(autouse=True)
def fresh_store(app, monkeypatch):
    """A store of this test's own: no token issued by another test is current."""
    monkeypatch.setitem(app.extensions, "sandbox_store", MemoryStore())


def phone_code(client, phone="13812345678", **extra) -> str:
    answer = client.post("/sandbox/wechat/phone-code", json={"phone": phone, **extra})
    assert answer.status_code == 200
    assert answer.get_json()["expires_in"] == 300
    return answer.get_json()["code"]


def stable_token(client, app, **overrides) -> dict:
    body = {
        "grant_type": "client_credential",
        "appid": app.config["WECHAT_APPID"],
        "secret": app.config["WECHAT_SECRET"],
        "force_refresh": False,
        **overrides,
    }
    answer = client.post("/sandbox/wechat/cgi-bin/stable_token", json=body)
    assert answer.status_code == 200  # WeChat reports errors in the body, not the status
    return answer.get_json()


def token(client, app, **overrides) -> str:
    return stable_token(client, app, **overrides)["access_token"]


def exchange(client, access_token, code) -> dict:
    query = {"access_token": access_token} if access_token is not None else {}
    answer = client.post(PHONE_PATH, query_string=query, json={"code": code})
    assert answer.status_code == 200
    return answer.get_json()


def test_code_gives_the_phone_once(app, client):
    code = phone_code(client)
    answer = exchange(client, token(client, app), code)
    assert (answer["errcode"], answer["errmsg"]) == (0, "ok")
    info = answer["phone_info"]
    assert info["phoneNumber"] == info["purePhoneNumber"] == "13812345678"
    assert info["countryCode"] == "86"
    assert info["watermark"]["appid"] == app.config["WECHAT_APPID"]
    assert abs(info["watermark"]["timestamp"] - time.time()) < 60
    assert exchange(client, token(client, app), code)["errcode"] == 40029
    assert exchange(client, token(client, app), "made-up")["errcode"] == 40029


def test_foreign_number_carries_its_country_code(app, client):
    code = phone_code(client, "2025550123", countryCode="1")
    info = exchange(client, token(client, app), code)["phone_info"]
    assert (info["phoneNumber"], info["purePhoneNumber"]) == ("+12025550123", "2025550123")
    assert info["countryCode"] == "1"


def test_stable_token_checks_appid_secret_and_grant(app, client):
    assert stable_token(client, app, appid="wx0000000000000000")["errcode"] == 40013
    assert stable_token(client, app, secret="guess")["errcode"] == 40125
    assert stable_token(client, app, grant_type="authorization_code")["errcode"] == 40002
    assert stable_token(client, app, appid="")["errcode"] == 41002
    assert stable_token(client, app, secret=None)["errcode"] == 41004
    not_json = client.post("/sandbox/wechat/cgi-bin/stable_token", data="appid=wx")
    assert not_json.get_json()["errcode"] == 47001
    fine = stable_token(client, app)
    assert fine["expires_in"] == 7200 and len(fine["access_token"]) > 100


@pytest.mark.travel
def test_normal_mode_keeps_the_token_until_five_minutes_before_expiry(app, client, travel):
    first = stable_token(client, app)
    travel.shift(timedelta(seconds=100))
    assert stable_token(client, app) == {"access_token": first["access_token"], "expires_in": 7100}
    travel.shift(timedelta(seconds=6801))  # 299 s left: WeChat renews 5 minutes early
    second = stable_token(client, app)
    assert second["access_token"] != first["access_token"] and second["expires_in"] == 7200
    assert exchange(client, first["access_token"], phone_code(client))["errcode"] == 0
    travel.shift(timedelta(seconds=300))  # the first one has expired, the second lives
    assert exchange(client, first["access_token"], phone_code(client))["errcode"] == 42001
    assert exchange(client, second["access_token"], phone_code(client))["errcode"] == 0


def test_forced_refresh_kills_the_previous_token(app, client):
    old = token(client, app)
    new = token(client, app, force_refresh=True)
    assert new != old and token(client, app) == new
    code = phone_code(client)
    assert exchange(client, old, code)["errcode"] == 40001
    assert exchange(client, new, code)["errcode"] == 0  # the refused call left the code


def test_unknown_and_missing_tokens(app, client):
    code = phone_code(client)
    assert exchange(client, "made-up", code)["errcode"] == 40001
    assert exchange(client, None, code)["errcode"] == 41001
    assert exchange(client, "", code)["errcode"] == 41001


@pytest.mark.travel
def test_tokens_expire_after_7200_seconds(app, client, travel):
    access_token = token(client, app)
    travel.shift(timedelta(seconds=7199))
    assert exchange(client, access_token, phone_code(client))["errcode"] == 0
    travel.shift(timedelta(seconds=2))
    assert exchange(client, access_token, phone_code(client))["errcode"] == 42001
    renewed = stable_token(client, app)
    assert renewed["access_token"] != access_token and renewed["expires_in"] == 7200


@pytest.mark.travel
def test_phone_codes_expire_after_five_minutes(app, client, travel):
    code, later = phone_code(client), phone_code(client)
    travel.shift(timedelta(seconds=299))
    access_token = token(client, app)
    assert exchange(client, access_token, later)["errcode"] == 0
    travel.shift(timedelta(seconds=2))
    assert exchange(client, access_token, code)["errcode"] == 40029


def test_code_of_another_appid_is_refused_and_kept(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SANDBOX_WECHAT_APPID", "wx1111111111111111")
    code = phone_code(client)
    monkeypatch.delitem(app.config, "SANDBOX_WECHAT_APPID")
    assert exchange(client, token(client, app), code)["errcode"] == 40013
    monkeypatch.setitem(app.config, "SANDBOX_WECHAT_APPID", "wx1111111111111111")
    other = token(client, app, appid="wx1111111111111111")
    assert exchange(client, other, code)["phone_info"]["watermark"]["appid"] == "wx1111111111111111"


def test_busy_and_busy_once(app, client):
    access_token = token(client, app)
    busy = phone_code(client, "19900000001")
    assert exchange(client, access_token, busy)["errcode"] == -1
    assert exchange(client, access_token, busy)["errcode"] == -1
    once = phone_code(client, "19900000002")
    assert exchange(client, access_token, once)["errcode"] == -1
    assert exchange(client, access_token, once)["phone_info"]["purePhoneNumber"] == "19900000002"
    assert exchange(client, access_token, once)["errcode"] == 40029


def test_missing_code_or_body(app, client):
    access_token = token(client, app)
    assert exchange(client, access_token, "")["errcode"] == 41008
    assert exchange(client, access_token, None)["errcode"] == 41008
    raw = client.post(PHONE_PATH, query_string={"access_token": access_token}, data="code=x")
    assert raw.get_json()["errcode"] == 47001


def test_rate_limits_per_appid_and_api(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SANDBOX_WECHAT_CALLS_PER_MINUTE", 2)
    answers = [stable_token(client, app) for _ in range(3)]
    assert "access_token" in answers[1] and answers[2]["errcode"] == 45011
    access_token = answers[0]["access_token"]
    codes = [phone_code(client) for _ in range(3)]
    assert [exchange(client, access_token, c)["errcode"] for c in codes] == [0, 0, 45011]


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "phone"),
        ({"phone": "1381234567"}, "phone"),
        ({"phone": "23812345678"}, "phone"),
        ({"phone": 13812345678}, "phone"),
        ({"phone": "138 1234 5678"}, "phone"),
        ({"phone": "123", "countryCode": "1"}, "phone"),
        ({"phone": "13812345678", "countryCode": 86}, "countryCode"),
        ({"phone": "13812345678", "countryCode": "+86"}, "countryCode"),
        ({"phone": "13812345678", "countryCode": "08"}, "countryCode"),
    ],
)
def test_phone_code_validates_the_number(client, body, field):
    answer = client.post("/sandbox/wechat/phone-code", json=body)
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "invalid_request" and field in error["message"]

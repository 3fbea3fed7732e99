"""The access-token and getPhoneNumber client against the sandbox over real HTTP, and against a
scripted stand-in for the answers the sandbox never gives."""

import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
import pytest

from app.adapters.wechat_phone import (
    AccessTokenClient,
    InvalidPhoneCode,
    MemoryTokenCache,
    PhoneNumber,
    WechatApiUnavailable,
    WechatPhoneClient,
    WechatRateLimited,
)
from app.sandbox.store import MemoryStore
from tests.adapters.test_wechat_login import ScriptedWechat
from tests.threads import run_together, start_line

TOKEN_PATH = "/sandbox/wechat/cgi-bin/stable_token"
PHONE_PATH = "/sandbox/wechat/wxa/business/getuserphonenumber"


@pytest.fixture
def sandbox_url(app, live_server, monkeypatch):
    """The fake WeChat, with a store of this test's own (no current token of another test)."""
    monkeypatch.setitem(app.extensions, "sandbox_store", MemoryStore())
    return live_server.url


@pytest.fixture
def paths(monkeypatch):
    """The path of every POST this test makes through httpx, in order."""
    seen, post = [], httpx.post

    def counting_post(url, *args, **kwargs):
        seen.append(urlsplit(str(url)).path)
        return post(url, *args, **kwargs)

    monkeypatch.setattr(httpx, "post", counting_post)
    return seen


@pytest.fixture
def cache():
    return MemoryTokenCache()


@pytest.fixture
def phones(app, sandbox_url, cache):
    return WechatPhoneClient.from_config(app.config, cache)


def phone_code(sandbox_url, phone="13812345678") -> str:
    answer = httpx.post(sandbox_url + "/sandbox/wechat/phone-code", json={"phone": phone})
    answer.raise_for_status()
    return answer.json()["code"]


def now() -> datetime:
    return datetime.now(UTC)


def test_phone_number_and_one_token_for_many_calls(app, sandbox_url, phones, cache, paths):
    first = phones.get_phone_number(phone_code(sandbox_url))
    assert first == PhoneNumber("13812345678", "86")
    assert repr(first) == "PhoneNumber(+86, 11 digits)"
    assert phones.get_phone_number(phone_code(sandbox_url, "13900001111")).phone == "13900001111"
    assert paths.count(TOKEN_PATH) == 1 and paths.count(PHONE_PATH) == 2
    token, expires_at = cache.get("wechat_access_token:" + app.config["WECHAT_APPID"])
    assert len(token) > 100
    assert timedelta(seconds=7190) < expires_at - now() <= timedelta(seconds=7200)
    # Another client on the same cache (another request) uses the same token.
    WechatPhoneClient.from_config(app.config, cache).get_phone_number(phone_code(sandbox_url))
    assert paths.count(TOKEN_PATH) == 1


@pytest.mark.travel
def test_token_is_renewed_when_fewer_than_five_minutes_remain(sandbox_url, phones, travel, paths):
    first = phones.tokens.token()
    travel.shift(timedelta(seconds=7200 - 301))
    assert phones.tokens.token() == first
    phones.get_phone_number(phone_code(sandbox_url))
    assert paths.count(TOKEN_PATH) == 1
    travel.shift(timedelta(seconds=2))  # 299 s left
    phones.get_phone_number(phone_code(sandbox_url))
    assert paths.count(TOKEN_PATH) == 2
    assert phones.tokens.token() != first


def test_killed_token_is_replaced_and_the_call_retried_once(app, sandbox_url, phones, paths):
    old = phones.tokens.token()
    forced = {
        "grant_type": "client_credential",
        "appid": app.config["WECHAT_APPID"],
        "secret": app.config["WECHAT_SECRET"],
        "force_refresh": True,  # kills the token the client has cached
    }
    new = httpx.post(sandbox_url + TOKEN_PATH, json=forced).json()["access_token"]
    paths.clear()
    assert phones.get_phone_number(phone_code(sandbox_url)).phone == "13812345678"
    assert paths[1:] == [PHONE_PATH, TOKEN_PATH, PHONE_PATH]  # refused, fetched, retried
    assert phones.tokens.token() == new != old


@pytest.mark.travel
def test_expired_token_in_the_cache_is_replaced(app, sandbox_url, phones, cache, travel, paths):
    name = phones.tokens.cache_name
    cache.put(name, phones.tokens.token(), now() + timedelta(days=1))  # the cache is wrong
    travel.shift(timedelta(seconds=7201))
    assert phones.get_phone_number(phone_code(sandbox_url)).country_code == "86"
    assert paths.count(TOKEN_PATH) == 2 and paths.count(PHONE_PATH) == 2


def test_code_is_single_use(sandbox_url, phones):
    code = phone_code(sandbox_url)
    phones.get_phone_number(code)
    with pytest.raises(InvalidPhoneCode) as caught:
        phones.get_phone_number(code)
    assert caught.value.errcode == 40029
    with pytest.raises(InvalidPhoneCode):
        phones.get_phone_number("made-up")


def test_busy_is_retried_once(sandbox_url, phones, paths):
    assert phones.get_phone_number(phone_code(sandbox_url, "19900000002")).phone == "19900000002"
    assert paths.count(PHONE_PATH) == 2
    with pytest.raises(WechatApiUnavailable) as caught:
        phones.get_phone_number(phone_code(sandbox_url, "19900000001"))
    assert caught.value.errcode == -1 and paths.count(PHONE_PATH) == 4


def test_rate_limit(app, sandbox_url, phones, monkeypatch):
    monkeypatch.setitem(app.config, "SANDBOX_WECHAT_CALLS_PER_MINUTE", 1)
    phones.get_phone_number(phone_code(sandbox_url))
    with pytest.raises(WechatRateLimited) as caught:
        phones.get_phone_number(phone_code(sandbox_url))
    assert caught.value.errcode == 45011


def test_wrong_secret_is_unavailable_and_logged(app, sandbox_url, cache, caplog):
    tokens = AccessTokenClient(
        app.config["WECHAT_API_BASE"], app.config["WECHAT_APPID"], "wrong-secret", cache
    )
    with pytest.raises(WechatApiUnavailable) as caught:
        WechatPhoneClient(tokens).get_phone_number(phone_code(sandbox_url))
    assert caught.value.errcode == 40125
    assert "40125" in caplog.text and "wrong-secret" not in caplog.text
    assert any(r.levelno == logging.ERROR for r in caplog.records)


def test_unreachable_is_unavailable(app, cache):
    tokens = AccessTokenClient("http://127.0.0.1:9", "wx1", "s3cret-value", cache, timeout_s=1)
    with pytest.raises(WechatApiUnavailable) as caught:
        WechatPhoneClient(tokens).get_phone_number("c")
    assert "s3cret" not in str(caught.value) and caught.value.errcode is None
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_concurrent_callers_fetch_one_token(sandbox_url, phones, paths):
    start = start_line(6)

    def call():
        start.wait()
        phones.tokens.token()

    run_together(*[call] * 6, barrier=start)
    assert paths.count(TOKEN_PATH) == 1


def test_nothing_secret_reaches_the_logs(app, sandbox_url, phones, caplog):
    caplog.set_level(logging.DEBUG)
    code = phone_code(sandbox_url, "13812345678")
    phones.get_phone_number(code)
    phones.tokens.cache.put(phones.tokens.cache_name, "stale", now() + timedelta(days=1))
    phones.get_phone_number(phone_code(sandbox_url, "13812345678"))  # 40001, fetch, retry
    token = phones.tokens.token()
    assert "access token refused" in caplog.text
    for secret in (token, app.config["WECHAT_SECRET"], "13812345678", code):
        assert secret not in caplog.text


# A scripted WeChat for what the sandbox never answers.

APPID = "wxappid000000001"
OK_PHONE = {
    "errcode": 0,
    "errmsg": "ok",
    "phone_info": {
        "phoneNumber": "13812345678",
        "purePhoneNumber": "13812345678",
        "countryCode": 86,  # WeChat's own example sends a number
        "watermark": {"timestamp": 1, "appid": APPID},
    },
}
TOKEN = {"access_token": "tok-1", "expires_in": 7200}


@pytest.fixture(scope="module")
def scripted():
    server = ScriptedWechat()
    yield server
    server._server.shutdown()


@pytest.fixture
def scripted_phones(scripted, cache):
    scripted.script.clear()
    scripted.queries.clear()
    scripted.paths.clear()
    return WechatPhoneClient(AccessTokenClient(scripted.url, APPID, "s", cache, timeout_s=2))


def test_country_code_as_a_number_is_read(scripted, scripted_phones):
    scripted.script += [(200, TOKEN), (200, OK_PHONE)]
    assert scripted_phones.get_phone_number("c") == PhoneNumber("13812345678", "86")
    assert scripted.paths == ["/cgi-bin/stable_token", "/wxa/business/getuserphonenumber"]
    assert scripted.queries[1] == {"access_token": "tok-1"}


def test_token_refused_twice_is_unavailable(scripted, scripted_phones):
    refused = {"errcode": 40001, "errmsg": "invalid credential"}
    second = {"access_token": "tok-2", "expires_in": 7200}
    scripted.script += [(200, TOKEN), (200, refused), (200, second), (200, refused)]
    with pytest.raises(WechatApiUnavailable) as caught:
        scripted_phones.get_phone_number("c")
    assert caught.value.errcode == 40001
    assert [q.get("access_token") for q in scripted.queries] == [None, "tok-1", None, "tok-2"]


def test_cached_token_is_used_while_renewal_fails(scripted, scripted_phones, cache):
    tokens = scripted_phones.tokens
    cache.put(tokens.cache_name, "tok-old", now() + timedelta(minutes=2))
    scripted.script += [(502, "bad gateway"), (200, OK_PHONE)]
    assert scripted_phones.get_phone_number("c").phone == "13812345678"
    assert scripted.queries[1] == {"access_token": "tok-old"}
    cache.put(tokens.cache_name, "tok-dead", now() - timedelta(seconds=1))
    scripted.script += [(502, "bad gateway")]
    with pytest.raises(WechatApiUnavailable):
        tokens.token()


def with_info(**changes) -> dict:
    return {**OK_PHONE, "phone_info": {**OK_PHONE["phone_info"], **changes}}


@pytest.mark.parametrize(
    "answer",
    [
        (200, "<html>gateway</html>"),
        (200, "[1, 2]"),
        (502, OK_PHONE),
        (200, {"errcode": "forty"}),
        (200, {"errcode": 0, "errmsg": "ok"}),
        (200, with_info(purePhoneNumber="138-1234")),
        (200, with_info(countryCode="+86")),
        (200, with_info(watermark={"timestamp": 1, "appid": "wxsomeoneelse"})),
        (200, {"errcode": 40013, "errmsg": "invalid appid"}),
    ],
)
def test_garbage_answers_are_unavailable(scripted, scripted_phones, answer):
    scripted.script += [(200, TOKEN), answer]
    with pytest.raises(WechatApiUnavailable):
        scripted_phones.get_phone_number("c")


@pytest.mark.parametrize(
    "answer",
    [
        {"access_token": "", "expires_in": 7200},
        {"access_token": "t", "expires_in": "7200"},
        {"access_token": "t"},
        {"errcode": 40164, "errmsg": "invalid ip, not in whitelist"},
    ],
)
def test_bad_token_answers_are_unavailable(scripted, scripted_phones, answer):
    scripted.script.append((200, answer))
    with pytest.raises(WechatApiUnavailable):
        scripted_phones.tokens.token()


def test_token_busy_is_retried_once(scripted, scripted_phones):
    scripted.script += [(200, {"errcode": -1, "errmsg": "system error"}), (200, TOKEN)]
    assert scripted_phones.tokens.token() == "tok-1"


def test_from_config(cache):
    config = {
        "WECHAT_API_BASE": "https://api.example/",
        "WECHAT_APPID": "wx1",
        "WECHAT_SECRET": "sec",
        "WECHAT_TIMEOUT_S": 7,
    }
    tokens = WechatPhoneClient.from_config(config, cache).tokens
    assert (tokens.base_url, tokens.appid, tokens.timeout_s) == ("https://api.example", "wx1", 7)
    assert tokens.cache is cache and tokens.cache_name == "wechat_access_token:wx1"

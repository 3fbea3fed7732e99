"""The code2Session client against a scripted stand-in server over real HTTP."""

import json
import threading
import time
from urllib.parse import parse_qs

import pytest
from werkzeug.serving import make_server

from app.adapters.wechat_login import (
    WechatLoginClient,
    WechatLoginError,
    WechatSession,
    WechatUnavailable,
)


class ScriptedWechat:
    """Answers each request with the next scripted (status, body) and records the queries."""

    def __init__(self):
        self.script: list[tuple[int, str | dict]] = []
        self.queries: list[dict] = []
        self.paths: list[str] = []
        self.delay_s = 0.0
        self._server = make_server("127.0.0.1", 0, self, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def __call__(self, environ, start_response):
        self.paths.append(environ["PATH_INFO"])
        self.queries.append({k: v[0] for k, v in parse_qs(environ["QUERY_STRING"]).items()})
        if self.delay_s:
            time.sleep(self.delay_s)
        status, body = self.script.pop(0) if self.script else (200, {"errcode": -1})
        text = json.dumps(body) if isinstance(body, dict) else body
        start_response(f"{status} X", [("Content-Type", "application/json")])
        return [text.encode()]


@pytest.fixture(scope="module")
def wechat():
    server = ScriptedWechat()
    yield server
    server._server.shutdown()


@pytest.fixture
def login_client(wechat):
    wechat.script.clear()
    wechat.queries.clear()
    wechat.paths.clear()
    wechat.delay_s = 0.0
    return WechatLoginClient(wechat.url + "/", "wxappid000000001", "s3cret-value", timeout_s=2)


def test_sends_the_documented_query_and_reads_the_session(wechat, login_client):
    wechat.script.append((200, {"openid": "o-1", "session_key": "k" * 24, "unionid": "u-1"}))
    session = login_client.code2session("the-code")
    assert session == WechatSession("o-1", "k" * 24, "u-1")
    assert wechat.paths == ["/sns/jscode2session"]
    assert wechat.queries == [
        {
            "appid": "wxappid000000001",
            "secret": "s3cret-value",
            "js_code": "the-code",
            "grant_type": "authorization_code",
        }
    ]
    assert "k" * 24 not in repr(session)


def test_busy_is_retried_once(wechat, login_client):
    wechat.script += [(200, {"errcode": -1, "errmsg": "system error"})]
    wechat.script += [(200, {"openid": "o-2", "session_key": "k2"})]
    assert login_client.code2session("c").openid == "o-2"
    assert len(wechat.queries) == 2


def test_busy_twice_is_unavailable(wechat, login_client):
    wechat.script += [(200, {"errcode": -1, "errmsg": "busy"})] * 2
    with pytest.raises(WechatUnavailable):
        login_client.code2session("c")
    assert len(wechat.queries) == 2


@pytest.mark.parametrize("errcode", [40029, 40226, 45011, 40163, 40125])
def test_errcodes_are_raised_without_retry(wechat, login_client, errcode):
    wechat.script.append((200, {"errcode": errcode, "errmsg": "nope"}))
    with pytest.raises(WechatLoginError) as caught:
        login_client.code2session("c")
    assert caught.value.errcode == errcode
    assert len(wechat.queries) == 1


@pytest.mark.parametrize(
    "answer",
    [
        (200, "<html>gateway</html>"),
        (200, "[1, 2]"),
        (200, {"errcode": "forty"}),
        (200, {"session_key": "k"}),
        (200, {"openid": "o"}),
        (502, {"errcode": 0}),
    ],
)
def test_garbage_answers_are_unavailable(wechat, login_client, answer):
    wechat.script.append(answer)
    with pytest.raises(WechatUnavailable):
        login_client.code2session("c")


def test_timeout_and_refused_connection_are_unavailable(wechat, login_client):
    wechat.delay_s = 0.5
    slow = WechatLoginClient(wechat.url, "wx", "s", timeout_s=0.1)
    with pytest.raises(WechatUnavailable):
        slow.code2session("c")
    closed = WechatLoginClient("http://127.0.0.1:9", "wx", "s", timeout_s=1)
    with pytest.raises(WechatUnavailable) as caught:
        closed.code2session("c")
    assert "s3cret" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_from_config_reads_the_settings():
    config = {
        "WECHAT_API_BASE": "https://api.example/",
        "WECHAT_APPID": "wx1",
        "WECHAT_SECRET": "sec",
        "WECHAT_TIMEOUT_S": 7,
    }
    made = WechatLoginClient.from_config(config)
    assert (made.base_url, made.appid, made.timeout_s) == ("https://api.example", "wx1", 7)

"""The fake code2Session answers as WeChat does: HTTP 200 with errcode, single-use codes."""

import uuid
from datetime import timedelta

import time_machine

from app.models.base import utcnow
from app.sandbox.store import MemoryStore


def code_for(client, openid="o-sandbox", **extra) -> str:
    answer = client.post("/sandbox/wechat/login-code", json={"openid": openid, **extra})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["expires_in"] == 300
    return body["js_code"]


def exchange(client, app, js_code, **overrides):
    params = {
        "appid": app.config["WECHAT_APPID"],
        "secret": app.config["WECHAT_SECRET"],
        "js_code": js_code,
        "grant_type": "authorization_code",
        **overrides,
    }
    answer = client.get("/sandbox/wechat/sns/jscode2session", query_string=params)
    assert answer.status_code == 200  # WeChat reports errors in the body, not the status
    return answer.get_json()


def test_code_gives_openid_and_a_fresh_session_key_once(app, client):
    code = code_for(client, "o-alice")
    first = exchange(client, app, code)
    assert first["openid"] == "o-alice"
    assert len(first["session_key"]) == 24 and "errcode" not in first
    assert exchange(client, app, code)["errcode"] == 40029
    again = exchange(client, app, code_for(client, "o-alice"))
    assert again["openid"] == "o-alice" and again["session_key"] != first["session_key"]


def test_unionid_is_passed_when_given(app, client):
    answer = exchange(client, app, code_for(client, "o-u", unionid="u-123"))
    assert answer["unionid"] == "u-123"
    assert "unionid" not in exchange(client, app, code_for(client, "o-v"))


def test_unknown_code_wrong_appid_secret_or_grant(app, client):
    assert exchange(client, app, "made-up")["errcode"] == 40029
    code = code_for(client)
    assert exchange(client, app, code, appid="wx0000000000000000")["errcode"] == 40013
    assert exchange(client, app, code, secret="guess")["errcode"] == 40125
    assert exchange(client, app, code, grant_type="client_credential")["errcode"] == 40002
    assert exchange(client, app, "")["errcode"] == 41008
    # None of the refused calls used the code up.
    assert exchange(client, app, code)["openid"] == "o-sandbox"


def test_codes_expire_after_five_minutes(app, client, monkeypatch):
    # Time travel moves the in-memory store's clock (Redis keeps its own).
    monkeypatch.setitem(app.extensions, "sandbox_store", MemoryStore())
    code = code_for(client)
    later = code_for(client)
    with time_machine.travel(utcnow() + timedelta(seconds=299), tick=False):
        assert exchange(client, app, later)["openid"] == "o-sandbox"
    with time_machine.travel(utcnow() + timedelta(seconds=301), tick=False):
        assert exchange(client, app, code)["errcode"] == 40029


def test_busy_blocked_and_busy_once(app, client):
    busy = code_for(client, "sandbox-busy")
    assert exchange(client, app, busy)["errcode"] == -1
    assert exchange(client, app, busy)["errcode"] == -1
    once = code_for(client, "sandbox-busy-once")
    assert exchange(client, app, once)["errcode"] == -1
    assert exchange(client, app, once)["openid"] == "sandbox-busy-once"
    assert exchange(client, app, once)["errcode"] == 40029
    assert exchange(client, app, code_for(client, "sandbox-blocked"))["errcode"] == 40226


def test_rate_limit_per_appid(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_APPID", "wx" + uuid.uuid4().hex[:16])
    monkeypatch.setitem(app.config, "SANDBOX_WECHAT_CALLS_PER_MINUTE", 3)
    codes = [code_for(client, f"o-{n}") for n in range(4)]
    assert [("openid" in exchange(client, app, c)) for c in codes[:3]] == [True] * 3
    assert exchange(client, app, codes[3])["errcode"] == 45011


def test_login_code_validates_openid(app, client):
    for body in ({}, {"openid": ""}, {"openid": 42}, {"openid": "a b"}, {"openid": "x" * 65}):
        answer = client.post("/sandbox/wechat/login-code", json=body)
        assert answer.status_code == 400
        assert answer.get_json()["error"]["code"] == "invalid_request"
        assert "openid" in answer.get_json()["error"]["message"]
    bad_union = client.post("/sandbox/wechat/login-code", json={"openid": "o", "unionid": 7})
    assert bad_union.status_code == 400


def test_sandbox_needs_no_csrf_token(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/sandbox/wechat/login-code", json={"openid": "o-x"}).status_code == 200


def test_sandbox_imports_nothing_it_fakes():
    import ast
    from pathlib import Path

    import app.sandbox

    for path in Path(app.sandbox.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module] if isinstance(node, ast.ImportFrom) else []
                names += [alias.name for alias in getattr(node, "names", [])]
                for name in filter(None, names):
                    assert not name.startswith(("app.adapters", "app.services", "app.models")), (
                        path.name,
                        name,
                    )

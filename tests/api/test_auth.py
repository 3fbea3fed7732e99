"""POST /api/v1/auth/wechat and GET /api/v1/me, through the sandbox over real HTTP."""

import hashlib
import logging
import uuid
from datetime import datetime, timedelta

import httpx
import time_machine
from sqlalchemy import func, insert, select, text

from app.api.member_schemas import MeOut
from app.api.schemas import LoginResponse
from app.extensions import db
from app.models import Member, MemberToken
from app.models.base import utcnow
from tests.api.conftest import assert_error
from tests.factories import ChainFactory
from tests.threads import Worker
from tests.timing import wait_until


def test_first_login_creates_the_member_and_the_next_finds_it(world, driver, app):
    first = driver.login(driver.js_code("o-alice"))
    assert first.status_code == 200
    body = LoginResponse.model_validate(first.get_json())
    assert body.is_new_member is True
    assert body.token_type == "Bearer"
    assert body.expires_in == app.config["API_TOKEN_TTL_S"]
    expires = datetime.fromisoformat(body.expires_at)
    assert expires.utcoffset() == timedelta(hours=8)
    assert abs(expires - (utcnow() + timedelta(seconds=body.expires_in))) < timedelta(seconds=30)

    second = LoginResponse.model_validate(driver.login(driver.js_code("o-alice")).get_json())
    assert second.is_new_member is False
    assert second.member.id == body.member.id
    assert second.token != body.token
    members = db.session.scalars(select(Member)).all()
    assert [(m.chain_id, m.openid) for m in members] == [(world.chain.id, "o-alice")]
    assert members[0].last_login_at is not None


def test_a_parallel_first_login_finds_the_member_the_other_created(world, driver, live_server):
    """Two first logins of one driver at once: the second waits for the first's new member row
    and logs into it, neither a second member nor an error."""
    code = driver.js_code("o-twin")
    answers = []

    def second_login():
        url = live_server.url + "/api/v1/auth/wechat"
        answers.append(httpx.post(url, json={"js_code": code}, timeout=30))

    def waits_for(pid: int) -> bool:
        with db.engine.connect() as conn:  # pg_stat_activity afresh each time
            blocked = text(
                "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"
            )
            return bool(conn.scalar(blocked, {"pid": pid}))

    with db.engine.connect() as first:
        first_pid = first.scalar(text("SELECT pg_backend_pid()"))
        row = {"chain_id": world.chain.id, "openid": "o-twin", "created_at": utcnow()}
        member_id = first.scalar(insert(Member).values(row).returning(Member.id))
        thread = Worker(second_login)
        thread.start()
        wait_until(lambda: waits_for(first_pid))
        first.commit()
    thread.finish()
    assert answers[0].status_code == 200, answers[0].text
    body = LoginResponse.model_validate(answers[0].json())
    assert (body.is_new_member, body.member.id) == (False, member_id)
    assert db.session.scalar(select(func.count(Member.id))) == 1


def test_tokens_are_long_random_and_stored_only_as_sha256(world, driver):
    token = driver.token("o-bob")
    assert len(token) >= 43  # 32 bytes, URL-safe base64
    hashes = db.session.scalars(select(MemberToken.token_hash)).all()
    assert hashes == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in hashes


def test_token_proves_who_the_member_is(world, driver):
    alice, bob = driver.token("o-alice"), driver.token("o-bob")
    answer = driver.me(alice)
    assert answer.status_code == 200
    profile = MeOut.model_validate(answer.get_json())
    alice_row = db.session.scalars(select(Member).where(Member.openid == "o-alice")).one()
    assert profile.id == alice_row.id
    assert driver.me(bob).get_json()["id"] != profile.id


def test_session_key_is_stored_but_never_answered(world, driver, client):
    code = driver.js_code("o-carol")
    login = driver.login(code)
    member = db.session.scalars(select(Member).where(Member.openid == "o-carol")).one()
    session_key = member.wechat_session_key
    assert session_key and len(session_key) >= 16
    token = login.get_json()["token"]
    for answer in (login, driver.me(token)):
        text = answer.get_data(as_text=True)
        assert session_key not in text
        assert "session_key" not in text
    # A new login replaces the session key: WeChat issues a new one each time.
    driver.login(driver.js_code("o-carol"))
    db.session.expire_all()
    assert db.session.get(Member, member.id).wechat_session_key != session_key


def test_secret_code_and_session_key_never_reach_our_logs(world, driver, app, caplog):
    caplog.set_level(logging.DEBUG)
    code = driver.js_code("o-dave")
    assert driver.login(code).status_code == 200
    assert driver.login(code).status_code == 401
    session_key = db.session.scalars(select(Member.wechat_session_key)).one()
    # werkzeug's access log here is the fake WeChat server's, not ours.
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug")]
    assert ours, "expected some log lines from the login"
    for line in ours:
        assert app.config["WECHAT_SECRET"] not in line
        assert code not in line
        assert session_key not in line


def test_missing_garbage_and_wrong_scheme_tokens_are_401(world, driver, client):
    token = driver.token()
    assert_error(client.get("/api/v1/me"), 401, "unauthorized")
    answer = driver.me("not-a-token")
    assert_error(answer, 401, "unauthorized")
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert_error(driver.me(token[:-2]), 401, "unauthorized")
    assert_error(driver.me("x" * 5000), 401, "unauthorized")
    basic = client.get("/api/v1/me", headers={"Authorization": f"Basic {token}"})
    assert_error(basic, 401, "unauthorized")


def test_token_expires_after_its_ttl(world, driver, app):
    token = driver.token()
    ttl = app.config["API_TOKEN_TTL_S"]
    with time_machine.travel(utcnow() + timedelta(seconds=ttl - 60), tick=False):
        assert driver.me(token).status_code == 200
    with time_machine.travel(utcnow() + timedelta(seconds=ttl + 1), tick=False):
        assert_error(driver.me(token), 401, "unauthorized")


def test_revoked_token_and_other_chains_token_are_refused(world, driver, app):
    token = driver.token()
    row = db.session.scalars(select(MemberToken)).one()
    row.revoked_at = utcnow()
    db.session.commit()
    assert_error(driver.me(token), 401, "unauthorized")

    other = driver.token("o-other")
    row = db.session.scalars(select(MemberToken).where(MemberToken.revoked_at.is_(None))).one()
    row.chain_id = ChainFactory().id
    db.session.commit()
    assert_error(driver.me(other), 401, "unauthorized")


def test_reused_and_unknown_codes_are_invalid_code(world, driver):
    code = driver.js_code()
    assert driver.login(code).status_code == 200
    message = assert_error(driver.login(code), 401, "invalid_code")
    assert "登录" in message
    assert_error(driver.login("never-issued-code"), 401, "invalid_code")
    assert db.session.scalar(select(func.count(MemberToken.id))) == 1


def test_busy_wechat_is_retried_once(world, driver):
    answer = driver.login(driver.js_code("sandbox-busy-once"))
    assert answer.status_code == 200
    assert answer.get_json()["is_new_member"] is True


def test_wechat_busy_twice_is_503(world, driver):
    assert_error(driver.login(driver.js_code("sandbox-busy")), 503, "wechat_unavailable")
    assert db.session.scalar(select(func.count(Member.id))) == 0


def test_blocked_user_is_403(world, driver):
    assert_error(driver.login(driver.js_code("sandbox-blocked")), 403, "user_blocked")
    assert db.session.scalar(select(func.count(Member.id))) == 0


def test_wechat_rate_limit_is_429(world, driver, app, monkeypatch):
    # A fresh appid gives this test its own per-minute counter in the sandbox.
    monkeypatch.setitem(app.config, "WECHAT_APPID", "wx" + uuid.uuid4().hex[:16])
    monkeypatch.setitem(app.config, "SANDBOX_WECHAT_CALLS_PER_MINUTE", 2)
    assert driver.login(driver.js_code("o-1")).status_code == 200
    assert driver.login(driver.js_code("o-2")).status_code == 200
    assert_error(driver.login(driver.js_code("o-3")), 429, "wechat_rate_limited")


def test_wrong_secret_or_unreachable_wechat_is_503(world, driver, app, monkeypatch):
    monkeypatch.setitem(app.config, "SANDBOX_WECHAT_SECRET", "the-secret-wechat-has-on-file")
    assert_error(driver.login(driver.js_code()), 503, "wechat_unavailable")
    monkeypatch.undo()
    monkeypatch.setitem(app.config, "WECHAT_API_BASE", "http://127.0.0.1:9/sandbox/wechat")
    assert_error(driver.login(driver.js_code()), 503, "wechat_unavailable")
    monkeypatch.undo()
    # A server that answers 404 HTML instead of code2Session.
    monkeypatch.setitem(app.config, "WECHAT_API_BASE", app.config["PUBLIC_BASE_URL"] + "/nope")
    assert_error(driver.login(driver.js_code()), 503, "wechat_unavailable")


def test_js_code_is_validated(world, driver, client):
    cases = [
        ({}, "js_code"),
        ({"js_code": ""}, "js_code"),
        ({"js_code": 12345}, "js_code"),
        ({"js_code": "x" * 129}, "js_code"),
        ({"js_code": "has space"}, "js_code"),
    ]
    for body, field in cases:
        answer = client.post("/api/v1/auth/wechat", json=body)
        message = assert_error(answer, 400, "invalid_request")
        assert field in message, (body, message)
    not_json = client.post("/api/v1/auth/wechat", data="js_code=abc")
    assert_error(not_json, 400, "invalid_request")


def test_login_is_rate_limited_per_ip(world, driver, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_LOGIN_RATE_LIMIT", "2 per minute")
    assert driver.login("unknown-1").status_code == 401
    assert driver.login("unknown-2").status_code == 401
    answer = driver.login(driver.js_code())
    assert answer.status_code == 429
    assert set(answer.get_json()["error"]) == {"code", "message"}
    other_ip = driver.client.post(
        "/api/v1/auth/wechat",
        json={"js_code": driver.js_code()},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert other_ip.status_code == 200


def test_api_needs_no_csrf_token(world, driver, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert driver.login(driver.js_code()).status_code == 200

"""Binding a phone number through the API, WeChat's sandbox answering over real HTTP: single-use
codes, one member per number in a chain (also when two claim it at once), WeChat's trouble
changing nothing, and the access token kept in the database for every process."""

import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import IdempotencyRecord, Member, ServiceToken
from app.models.base import utcnow
from app.sandbox.store import MemoryStore
from app.services.members import phone as phone_service
from tests.api.conftest import Api, assert_error
from tests.conftest import PG_ADMIN_URL
from tests.threads import run_together, start_line

REPO = Path(__file__).resolve().parents[2]
NUMBER, OTHER = "13812345678", "13900001111"
BUSY = "19900000001"  # the sandbox answers "system busy" for this number every time
TOKEN_NAME = "wechat_access_token:{appid}"


@pytest.fixture
def wechat(app, live_server, monkeypatch):
    """The fake WeChat with a store of this test's own (no token of an earlier test), and how
    many times stable_token was asked, by this process or any other."""
    monkeypatch.setitem(app.extensions, "sandbox_store", MemoryStore())
    app.extensions.pop("wechat_phone_client", None)
    calls = []
    endpoint = "sandbox.stable_token"
    original = app.view_functions[endpoint]

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setitem(app.view_functions, endpoint, counting)
    yield calls
    app.extensions.pop("wechat_phone_client", None)


@pytest.fixture
def members(world, driver, client, wechat):
    """members(openid): a logged-in driver who agreed to the privacy notice, as an Api."""

    def make(openid: str, agree: bool = True) -> Api:
        api = Api(client, driver.token(openid))
        if agree:
            answer = api.post("/me/consent", {"version": "1"})
            assert answer.status_code == 200, answer.get_json()
        return api

    return make


def code_for(client, number: str = NUMBER, **extra) -> str:
    """What the getPhoneNumber button gives the mini-program for this number."""
    answer = client.post("/sandbox/wechat/phone-code", json={"phone": number, **extra})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["code"]


def member(openid: str) -> Member:
    db.session.expire_all()
    return db.session.scalar(select(Member).where(Member.openid == openid))


def bound(openid: str) -> tuple[str, object]:
    found = member(openid)
    return found.phone, found.phone_bound_at


def test_bind_through_wechat_end_to_end(app, members, client, caplog):
    caplog.set_level(logging.DEBUG)
    api = members("o-phone-1")
    answer = api.post("/me/phone", {"code": code_for(client)})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["phone"] == "138****5678" and body["country_code"] == "86"
    assert body["bound_at"].endswith("+08:00")
    found = member("o-phone-1")
    assert found.phone == NUMBER and found.phone_bound_at is not None
    # The token is in the database, and never in the logs; the number only masked.
    row = db.session.get(ServiceToken, TOKEN_NAME.format(appid=app.config["WECHAT_APPID"]))
    assert len(row.value) > 100
    assert row.value not in caplog.text and NUMBER not in caplog.text
    assert f"member {found.id} bound phone 138****5678" in caplog.text


def test_the_same_number_again_changes_nothing(members, client):
    api = members("o-phone-1")
    first = api.post("/me/phone", {"code": code_for(client)}).get_json()
    again = api.post("/me/phone", {"code": code_for(client)})
    assert again.status_code == 200 and again.get_json() == first


def test_a_code_works_once(members, client):
    api = members("o-phone-1")
    code = code_for(client)
    first = api.post("/me/phone", {"code": code}, key="bind-1")
    assert first.status_code == 200
    message = assert_error(api.post("/me/phone", {"code": code}), 409, "invalid_phone_code")
    assert message == "手机号授权已失效，请重新授权"
    replay = api.post("/me/phone", {"code": code}, key="bind-1")  # a retry gets the first answer
    assert replay.get_json() == first.get_json() and replay.headers["Idempotent-Replayed"]
    assert_error(api.post("/me/phone", {"code": "made-up"}), 409, "invalid_phone_code")
    assert member("o-phone-1").phone == NUMBER


def test_a_new_number_replaces_the_old_one_which_is_free_again(members, client, caplog):
    caplog.set_level(logging.INFO)
    first, second = members("o-phone-1"), members("o-phone-2")
    assert first.post("/me/phone", {"code": code_for(client)}).status_code == 200
    answer = first.post("/me/phone", {"code": code_for(client, OTHER)})
    assert answer.status_code == 200 and answer.get_json()["phone"] == "139****1111"
    assert member("o-phone-1").phone == OTHER
    assert "changed phone 138****5678 -> 139****1111" in caplog.text
    assert second.post("/me/phone", {"code": code_for(client)}).status_code == 200
    assert member("o-phone-2").phone == NUMBER


def test_a_number_of_another_member_is_refused_and_nothing_changes(members, client):
    first, second = members("o-phone-1"), members("o-phone-2")
    assert first.post("/me/phone", {"code": code_for(client)}).status_code == 200
    assert second.post("/me/phone", {"code": code_for(client, OTHER)}).status_code == 200
    before = bound("o-phone-1"), bound("o-phone-2")
    code = code_for(client)
    message = assert_error(
        second.post("/me/phone", {"code": code}, key="take-it"), 409, "phone_taken"
    )
    assert "已绑定其他会员" in message
    assert (bound("o-phone-1"), bound("o-phone-2")) == before
    again = second.post("/me/phone", {"code": code}, key="take-it")
    assert again.status_code == 409 and again.headers["Idempotent-Replayed"] == "true"


def test_two_members_claiming_one_number_at_once_one_wins(members, client, monkeypatch):
    first, second = members("o-phone-1"), members("o-phone-2")
    codes = [code_for(client), code_for(client)]
    # Both requests hold their own member's row when they write: the index decides, not a read.
    both_locked = start_line(2)
    locked = phone_service._locked

    def locked_together(member_id):
        found = locked(member_id)
        both_locked.wait()
        return found

    monkeypatch.setattr(phone_service, "_locked", locked_together)
    answers = {}

    def bind(name, api, code):
        answers[name] = api.post("/me/phone", {"code": code})

    run_together(
        lambda: bind("first", first, codes[0]),
        lambda: bind("second", second, codes[1]),
        barrier=both_locked,
    )
    statuses = sorted(a.status_code for a in answers.values())
    assert statuses == [200, 409], {k: a.get_json() for k, a in answers.items()}
    loser = next(a for a in answers.values() if a.status_code == 409)
    assert loser.get_json()["error"]["code"] == "phone_taken"
    db.session.expire_all()
    holders = db.session.scalars(select(Member.openid).where(Member.phone == NUMBER)).all()
    assert len(holders) == 1


def test_wechat_busy_is_503_and_changes_nothing_a_retry_may_run_again(members, client):
    api = members("o-phone-1")
    assert api.post("/me/phone", {"code": code_for(client)}).status_code == 200
    before = bound("o-phone-1")
    code = code_for(client, BUSY)
    answer = api.post("/me/phone", {"code": code}, key="busy-1")
    assert_error(answer, 503, "wechat_unavailable")
    assert bound("o-phone-1") == before
    assert (
        db.session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == "busy-1"))
        is None
    )
    assert_error(api.post("/me/phone", {"code": code}, key="busy-1"), 503, "wechat_unavailable")


def test_wechat_unreachable_is_503(app, members, client, monkeypatch):
    api = members("o-phone-1")
    code = code_for(client)
    monkeypatch.setitem(app.config, "WECHAT_API_BASE", "http://127.0.0.1:9")
    app.extensions.pop("wechat_phone_client", None)
    assert_error(api.post("/me/phone", {"code": code}), 503, "wechat_unavailable")
    assert bound("o-phone-1") == ("", None)


def test_wechat_rate_limit_is_429_and_the_same_key_works_later(app, members, client, monkeypatch):
    api = members("o-phone-1")
    code = code_for(client)
    monkeypatch.setitem(app.config, "SANDBOX_WECHAT_CALLS_PER_MINUTE", 0)
    assert_error(api.post("/me/phone", {"code": code}, key="k"), 429, "wechat_rate_limited")
    assert bound("o-phone-1") == ("", None)
    monkeypatch.setitem(app.config, "SANDBOX_WECHAT_CALLS_PER_MINUTE", 100)
    answer = api.post("/me/phone", {"code": code}, key="k")  # not a replay of the 429
    assert answer.status_code == 200 and "Idempotent-Replayed" not in answer.headers


def test_only_mainland_numbers(members, client):
    api = members("o-phone-1")
    code = code_for(client, "51234567", countryCode="852")
    assert_error(api.post("/me/phone", {"code": code}), 409, "phone_not_supported")
    assert bound("o-phone-1") == ("", None)


def test_consent_comes_first_and_the_code_is_not_used_up(members, client):
    api = members("o-phone-1", agree=False)
    code = code_for(client)
    assert_error(api.post("/me/phone", {"code": code}), 409, "consent_required")
    assert api.post("/me/consent", {"version": "1"}).status_code == 200
    assert api.post("/me/phone", {"code": code}).status_code == 200


def test_unbind(members, client):
    first, second = members("o-phone-1"), members("o-phone-2")
    first.post("/me/phone", {"code": code_for(client)})
    answer = first.client.delete("/api/v1/me/phone", headers=first.headers)
    assert answer.status_code == 200
    assert answer.get_json() == {"phone": "", "country_code": None, "bound_at": None}
    assert bound("o-phone-1") == ("", None)
    assert first.client.delete("/api/v1/me/phone", headers=first.headers).status_code == 200
    assert second.post("/me/phone", {"code": code_for(client)}).status_code == 200


def test_one_driver_cannot_use_up_wechats_quota(members, client):
    api = members("o-phone-1")
    for _ in range(10):
        assert_error(api.post("/me/phone", {"code": "made-up"}), 409, "invalid_phone_code")
    assert_error(api.post("/me/phone", {"code": code_for(client)}), 429, "too_many_requests")
    assert members("o-phone-2").post("/me/phone", {"code": code_for(client)}).status_code == 200


def test_no_transaction_is_open_while_wechat_answers(app, members, client, database_url):
    api = members("o-phone-1")
    seen = []
    endpoint = "sandbox.getuserphonenumber"
    original = app.view_functions[endpoint]

    def watching(*args, **kwargs):
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            seen.append(
                admin.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = %s AND state LIKE 'idle in transaction%%'",
                    [database_url.rsplit("/", 1)[1]],
                ).fetchone()[0]
            )
        return original(*args, **kwargs)

    app.view_functions[endpoint] = watching
    try:
        assert api.post("/me/phone", {"code": code_for(client)}).status_code == 200
    finally:
        app.view_functions[endpoint] = original
    assert seen == [0]


def test_one_token_for_every_request_and_process(app, members, client, wechat, live_server):
    assert members("o-phone-1").post("/me/phone", {"code": code_for(client)}).status_code == 200
    assert len(wechat) == 1
    app.extensions.pop("wechat_phone_client", None)  # as in a freshly started process
    second = members("o-phone-2").post("/me/phone", {"code": code_for(client, OTHER)})
    assert second.status_code == 200 and len(wechat) == 1
    # Another process on the same database asks WeChat with the token it finds there.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT", "JOBS_"))}
    env.update(
        JIAYOU_ENV="development",
        SANDBOX="true",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        WECHAT_API_BASE=live_server.url + "/sandbox/wechat",
        JOBS_MODE="manual",
        LOG_LEVEL="WARNING",
    )
    script = (
        "import sys\n"
        "from app import create_app\n"
        "from app.services.platform import gateways\n"
        "with create_app().app_context():\n"
        "    print(gateways.wechat_phone().get_phone_number(sys.argv[1]).phone)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, code_for(client, "13700002222")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "13700002222"
    assert len(wechat) == 1


def test_stable_token_is_asked_again_when_wechat_refuses_the_stored_one(
    app, members, client, wechat
):
    api = members("o-phone-1")
    name = TOKEN_NAME.format(appid=app.config["WECHAT_APPID"])
    with db.engine.begin() as conn:  # a token WeChat does not know, though not expired
        conn.execute(
            ServiceToken.__table__.insert(),
            {"name": name, "value": "stale", "expires_at": utcnow() + timedelta(hours=1)},
        )
    assert api.post("/me/phone", {"code": code_for(client)}).status_code == 200
    assert len(wechat) == 1
    db.session.expire_all()
    assert db.session.get(ServiceToken, name).value != "stale"

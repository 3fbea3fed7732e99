"""The privacy notice, the driver's consent to it, what staff and logs may show of a phone
number, and how the document describes phone binding."""

import pytest
from sqlalchemy import select

from app.config import Config, ConfigError
from app.extensions import db
from app.models import Member
from app.services.members.privacy import mask_phone
from tests.api.conftest import Api, assert_error


@pytest.fixture
def api(world, driver, client):
    return Api(client, driver.token("o-privacy"))


def consent_of(openid: str = "o-privacy") -> tuple:
    db.session.expire_all()
    found = db.session.scalar(select(Member).where(Member.openid == openid))
    return found.consent_version, found.consent_at


def test_the_notice_names_the_chain_and_how_to_reach_it(world, client, app, monkeypatch):
    answer = client.get("/api/v1/privacy-notice")  # no login needed
    assert answer.status_code == 200
    notice = answer.get_json()
    assert notice["version"] == "1" and notice["title"] == "隐私说明"
    assert notice["operator"] == world.chain.name
    assert notice["contact"] == "任一油站的收银台"
    headings = [s["heading"] for s in notice["sections"]]
    assert headings[0] == "我们收集哪些信息，用来做什么" and headings[-1] == "联系我们"
    text = "".join(s["body"] for s in notice["sections"])
    for what in ("openid", "手机号", "车牌", "订单", "位置", "138****5678", "会计档案", "解绑"):
        assert what in text
    monkeypatch.setitem(app.config, "PRIVACY_CONTACT", "客服电话 0871-12345678")
    notice = client.get("/api/v1/privacy-notice").get_json()
    assert notice["contact"] == "客服电话 0871-12345678"
    assert "0871-12345678" in notice["sections"][-1]["body"]


def test_consent_is_recorded_once_per_version(api, app, monkeypatch):
    assert consent_of() == (None, None)
    answer = api.post("/me/consent", {"version": "1"})
    assert answer.status_code == 200, answer.get_json()
    version, at = consent_of()
    assert version == "1" and at is not None
    assert answer.get_json()["version"] == "1"
    assert answer.get_json()["consented_at"].endswith("+08:00")
    again = api.post("/me/consent", {"version": "1"})
    assert again.get_json() == answer.get_json() and consent_of() == (version, at)
    # A new notice: agreeing to the old one is refused, the new one is recorded anew.
    monkeypatch.setitem(app.config, "PRIVACY_NOTICE_VERSION", "2")
    assert api.client.get("/api/v1/privacy-notice").get_json()["version"] == "2"
    assert_error(api.post("/me/consent", {"version": "1"}), 409, "notice_outdated")
    assert consent_of() == (version, at)
    assert api.post("/me/consent", {"version": "2"}).status_code == 200
    assert consent_of()[0] == "2" and consent_of()[1] >= at


def test_consent_needs_a_login_a_key_and_a_version(api, client):
    assert_error(client.post("/api/v1/me/consent", json={"version": "1"}), 401, "unauthorized")
    assert_error(
        api.post("/me/consent", {"version": "1"}, key=False), 400, "idempotency_key_required"
    )
    assert_error(api.post("/me/consent", {}), 400, "invalid_request")
    assert_error(api.post("/me/consent", {"version": "x" * 21}), 400, "invalid_request")
    assert consent_of() == (None, None)


def test_binding_waits_for_consent_to_the_current_version(api, app, monkeypatch):
    assert_error(api.post("/me/phone", {"code": "c"}), 409, "consent_required")
    api.post("/me/consent", {"version": "1"})
    monkeypatch.setitem(app.config, "PRIVACY_NOTICE_VERSION", "2")
    assert_error(api.post("/me/phone", {"code": "c"}), 409, "consent_required")


def test_notice_version_is_checked_at_start(tmp_path, monkeypatch):
    monkeypatch.setenv("PRIVACY_NOTICE_VERSION", "x" * 21)
    with pytest.raises(ConfigError):
        Config(str(tmp_path))
    monkeypatch.setenv("PRIVACY_NOTICE_VERSION", " 2.1 ")
    assert Config(str(tmp_path)).PRIVACY_NOTICE_VERSION == "2.1"


@pytest.mark.parametrize(
    ("phone", "shown"),
    [("13812345678", "138****5678"), ("", ""), ("1234", "**34"), ("51234567", "****4567")],
)
def test_mask_phone(phone, shown):
    assert mask_phone(phone) == shown


def codes(operation: dict, status: int) -> set[str]:
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    return set(schema["properties"]["error"]["properties"]["code"]["enum"])


def test_the_document_describes_binding_and_consent(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    paths, schemas = doc["paths"], doc["components"]["schemas"]
    bind = paths["/me/phone"]["post"]
    assert bind["security"] == [{"bearer": []}]
    assert [p["name"] for p in bind["parameters"]] == ["Idempotency-Key"]
    assert codes(bind, 400) == {"invalid_request", "idempotency_key_required"}
    assert codes(bind, 409) >= {
        "invalid_phone_code",
        "phone_taken",
        "consent_required",
        "phone_not_supported",
    }
    assert codes(bind, 429) == {"too_many_requests", "wechat_rate_limited"}
    assert codes(bind, 503) == {"wechat_unavailable", "busy"}
    assert "401" in bind["responses"]
    request = schemas["BindPhoneRequest"]
    assert request["required"] == ["code"] and request["properties"]["code"]["maxLength"] == 128
    answer = bind["responses"]["200"]["content"]["application/json"]
    assert answer["examples"]["example1"]["value"]["phone"] == "138****5678"
    assert set(schemas["PhoneBinding"]["properties"]) == {"phone", "country_code", "bound_at"}

    unbind = paths["/me/phone"]["delete"]
    assert unbind["security"] == [{"bearer": []}] and "200" in unbind["responses"]
    notice = paths["/privacy-notice"]["get"]
    assert "security" not in notice and codes(notice, 503) == {"chain_not_configured"}
    agree = paths["/me/consent"]["post"]
    assert codes(agree, 409) >= {"notice_outdated", "idempotency_key_reused"}
    assert "/me" in paths and "get" in paths["/me"]  # the profile stays where it is

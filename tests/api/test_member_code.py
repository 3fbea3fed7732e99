"""GET /member-code (a new code per call, never cached, limited per member), GET /me, and what
the document says of them and of the vehicle calls."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.api.member_schemas import MemberCodeOut, MeOut
from app.extensions import db
from app.models import Member, Tier
from app.models.base import utcnow
from app.services.members import member_code
from tests.api.conftest import Api, assert_error
from tests.api.test_openapi import document


def code_answer(api) -> MemberCodeOut:
    answer = api.get("/member-code")
    assert answer.status_code == 200, answer.get_json()
    assert answer.headers["Cache-Control"] == "no-store"
    return MemberCodeOut.model_validate(answer.get_json())


def driver_member(openid: str = "o-order-driver") -> Member:
    db.session.expire_all()
    return db.session.scalar(select(Member).where(Member.openid == openid))


@pytest.mark.travel
def test_each_call_gives_a_fresh_code_for_a_minute_that_the_counter_can_use(world, api):
    first, second = code_answer(api), code_answer(api)
    assert re.fullmatch(r"88\d{16}", first.code) and first.code != second.code
    assert (first.ttl_s, first.refresh_after_s) == (60, 50)
    assert datetime.fromisoformat(first.expires_at) == utcnow() + timedelta(seconds=60)
    assert first.expires_at.endswith("+08:00")
    member = driver_member()
    # Both work, once each: the older one was still on screen when the newer came.
    for shown in (first.code, second.code):
        assert member_code.identify(world.cashier_a, shown, world.station_a.id).id == member.id
        with pytest.raises(member_code.CodeInvalid):
            member_code.identify(world.cashier_a, shown, world.station_a.id)


def test_codes_are_limited_per_member(world, api, driver, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MEMBER_CODE_RATE_LIMIT", "2 per minute")
    code_answer(api)
    code_answer(api)
    assert_error(api.get("/member-code"), 429, "too_many_requests")
    other = Api(client, driver.token("o-other-driver"))
    code_answer(other)  # another driver counts on their own


def test_the_code_and_the_vehicles_need_a_login(world, client):
    for path in ("/member-code", "/vehicles", "/me"):
        assert_error(client.get("/api/v1" + path), 401, "unauthorized")


def test_me_shows_the_masked_phone_tier_vehicles_and_consent(world, api):
    blank = MeOut.model_validate(api.get("/me").get_json())
    assert (blank.phone, blank.tier, blank.vehicle_count, blank.consent) == ("", None, 0, None)
    member = driver_member()
    gold = Tier(chain_id=world.chain.id, name="金卡", rank=2, threshold=100_000)
    db.session.add(gold)
    db.session.flush()
    member.phone, member.tier_id = "13812345678", gold.id
    member.consent_version, member.consent_at = "v2", utcnow()
    db.session.commit()
    api.post("/vehicles", {"plate": "云A12345"})
    api.post("/vehicles", {"plate": "云AD12345"})
    me = MeOut.model_validate(api.get("/me").get_json())
    assert me.phone == "138****5678" and "12345678" not in api.get("/me").get_data(as_text=True)
    assert (me.tier.id, me.tier.name, me.vehicle_count) == (gold.id, "金卡", 2)
    assert me.consent.version == "v2" and me.consent.at.endswith("+08:00")


def test_the_document_describes_the_new_calls(app, client):
    doc = document(client)
    paths = doc["paths"]
    code = paths["/member-code"]["get"]
    assert code["security"] == [{"bearer": []}] and {"200", "401", "429"} <= set(code["responses"])
    add = paths["/vehicles"]["post"]
    codes = add["responses"]["409"]["content"]["application/json"]["schema"]
    assert set(codes["properties"]["error"]["properties"]["code"]["enum"]) >= {
        "vehicle_limit",
        "plate_taken",
        "rejected",
        "idempotency_key_reused",
    }
    for method, path in (
        ("post", "/vehicles"),
        ("put", "/vehicles/{vehicle_id}"),
        ("delete", "/vehicles/{vehicle_id}"),
        ("post", "/vehicles/{vehicle_id}/default"),
    ):
        params = {p["name"] for p in paths[path][method]["parameters"]}
        assert "Idempotency-Key" in params, (method, path)
        assert "404" in paths[path][method]["responses"] or path == "/vehicles"
    plate = doc["components"]["schemas"]["VehicleIn"]["properties"]["plate"]["pattern"]
    for typed in ("云A12345", "云ad12345", "云A 12345D", "粤Z·1234港"):
        assert re.search(plate, typed), typed
    for typed in ("", "云A1234", "云AI2345", "云A123456"):
        assert not re.search(plate, typed), typed
    assert "patch" not in paths["/vehicles/{vehicle_id}"]  # wx.request cannot send PATCH

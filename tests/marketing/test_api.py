"""The driver's coupon API: the claim centre, claiming (replayed by its Idempotency-Key), every
refusal a 4xx in Chinese naming the coupon or the field with nothing changed, and the member's
own coupons by status, paged, nobody else's."""

from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, Coupon, CouponTemplate, IdempotencyRecord, Member
from app.models.base import utcnow
from app.services.marketing import issuing, templates
from tests.api.conftest import Api, assert_error
from tests.factories import make_member
from tests.marketing.helpers import active_template, coupons_of, fields
from tests.money.helpers import row_counts


@pytest.fixture
def api(world, driver, client) -> Api:
    return Api(client, driver.token("o-coupon-driver"))


def me() -> Member:
    return db.session.scalar(select(Member).where(Member.openid == "o-coupon-driver"))


def check(client, answer, schema_name: str) -> dict:
    """The answer is valid against its schema in the published document."""
    doc = client.get("/api/v1/openapi.json").get_json()
    schema = {**doc["components"]["schemas"][schema_name], "components": doc["components"]}
    body = answer.get_json()
    Draft202012Validator(schema).validate(body)
    return body


def test_the_claim_centre_lists_what_may_be_claimed_here(world, api, client):
    everywhere = active_template(world.admin, stock_total=None)
    at_b = active_template(world.manager_b, world.station_b, name="大理专享", per_member_limit=2)
    active_template(world.admin, name="只发不领", claimable=False)
    templates.create_template(world.admin, None, **fields(name="草稿"))
    later = utcnow() + timedelta(days=1)
    active_template(world.admin, name="明天开始", claim_starts_at=later)
    answer = api.get("/coupons/claimable")
    body = check(client, answer, "OfferList")
    assert [i["template_id"] for i in body["items"]] == [at_b.id, everywhere.id]
    first = body["items"][1]
    assert (first["rule"], first["scope"], first["stock_left"]) == (
        "满100减10",
        "全部油站、全部油品可用",
        None,
    )
    assert (first["claimed"], first["may_claim"], first["reason"]) == (0, True, None)
    assert body["items"][0]["stations"] == [{"id": world.station_b.id, "name": "大理古城加油站"}]
    here = api.get("/coupons/claimable", station_id=world.station_a.id).get_json()
    assert [i["template_id"] for i in here["items"]] == [everywhere.id]
    assert_error(api.get("/coupons/claimable", station_id=99999), 404, "not_found")


def test_a_claim_gives_one_coupon_and_a_repeat_replays_it(world, api, client):
    template = active_template(world.admin, per_member_limit=2, note="仅限本人")
    first = api.post("/coupons/claim", {"template_id": template.id}, key="claim-1")
    assert first.status_code == 201
    body = check(client, first, "CouponOut")
    assert (body["template_id"], body["status"], body["source"], body["rule"]) == (
        template.id,
        "available",
        "claim",
        "满100减10",
    )
    again = api.post("/coupons/claim", {"template_id": template.id}, key="claim-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == body
    assert len(coupons_of()) == 1
    offer = api.get("/coupons/claimable").get_json()["items"][0]
    assert (offer["claimed"], offer["stock_left"], offer["may_claim"]) == (1, 99, True)


def refused(api, body, status, code) -> str:
    """A refused claim: the error's message; nothing stored but the refusal itself."""
    before = row_counts(Coupon, CouponTemplate, AuditLog)
    stock = db.session.scalars(select(CouponTemplate.stock_left).order_by(CouponTemplate.id)).all()
    message = assert_error(api.post("/coupons/claim", body), status, code)
    assert row_counts(Coupon, CouponTemplate, AuditLog) == before
    assert (
        db.session.scalars(select(CouponTemplate.stock_left).order_by(CouponTemplate.id)).all()
        == stock
    )
    return message


def test_every_refused_claim_says_why_in_chinese_and_changes_nothing(world, api):
    gone = active_template(world.admin, name="周末满减", stock_total=1)
    issuing.issue_coupon(make_member(world.chain, "o-quick"), gone, "claim")
    db.session.commit()
    assert (
        refused(api, {"template_id": gone.id}, 409, "coupon_sold_out") == "优惠券「周末满减」已领完"
    )

    once = active_template(world.admin, name="新客券")
    assert api.post("/coupons/claim", {"template_id": once.id}).status_code == 201
    message = refused(api, {"template_id": once.id}, 409, "coupon_limit_reached")
    assert message == "优惠券「新客券」每人限领 1 张，您已达领取上限"

    soon = active_template(
        world.admin, name="明日券", claim_starts_at=utcnow() + timedelta(hours=2)
    )
    assert "明日券」还未开始领取" in refused(
        api, {"template_id": soon.id}, 409, "coupon_not_started"
    )

    over = active_template(
        world.admin,
        name="过期券",
        claim_ends_at=utcnow() - timedelta(seconds=1),
        claim_starts_at=utcnow() - timedelta(days=1),
    )
    stopped = active_template(world.admin, name="停发券")
    templates.stop_template(world.admin, stopped.id)
    for template in (over, stopped):
        message = refused(api, {"template_id": template.id}, 409, "coupon_ended")
        assert message == f"优惠券「{template.name}」已结束领取"

    given = active_template(world.admin, name="只发不领", claimable=False)
    message = refused(api, {"template_id": given.id}, 409, "coupon_not_claimable")
    assert message == "优惠券「只发不领」只能由油站发放，不能领取"

    draft = templates.create_template(world.admin, None, **fields())
    for missing in (draft.id, 2**31 - 1):
        assert refused(api, {"template_id": missing}, 404, "not_found") == "优惠券不存在"
    assert refused(api, {"template_id": "7"}, 400, "invalid_request") == "优惠券应为整数"
    assert refused(api, {}, 400, "invalid_request") == "请填写优惠券"
    assert refused(api, {"template_id": 0}, 400, "invalid_request") == "优惠券不能小于 1"


def test_a_refusal_is_replayed_for_its_key_and_the_claim_needs_a_key(world, api):
    gone = active_template(world.admin, stock_total=1)
    issuing.issue_coupon(make_member(world.chain, "o-quick"), gone, "claim")
    db.session.commit()
    body = {"template_id": gone.id}
    assert_error(api.post("/coupons/claim", body, key="k1"), 409, "coupon_sold_out")
    assert_error(api.post("/coupons/claim", body, key="k1"), 409, "coupon_sold_out")
    assert_error(
        api.post("/coupons/claim", {"template_id": gone.id + 1}, key="k1"),
        409,
        "idempotency_key_reused",
    )
    assert_error(api.post("/coupons/claim", body, key=False), 400, "idempotency_key_required")
    assert db.session.scalars(select(IdempotencyRecord)).all() != []


def test_another_chain_s_coupon_is_not_found(world, api):
    from tests.factories import ChainFactory, make_staff

    other = ChainFactory()
    admin = make_staff(other, "chain_admin", [], "other_admin")
    db.session.commit()
    theirs = active_template(admin)
    assert refused(api, {"template_id": theirs.id}, 404, "not_found") == "优惠券不存在"
    assert api.get("/coupons/claimable").get_json() == {"items": []}


@pytest.mark.travel(hour=9)
def test_my_coupons_by_status_paged_and_only_mine(world, api, client, travel):
    template = active_template(world.admin, valid_days=1, per_member_limit=5, stock_total=None)
    member, stranger = me(), make_member(world.chain, "o-stranger")
    kept = [issuing.issue_coupon(member, template, "claim") for _ in range(3)]
    theirs = issuing.issue_coupon(stranger, template, "claim")
    db.session.commit()
    from app.services.marketing import issued

    issued.void_coupon(world.admin, kept[2].id, "误发")
    page = api.get("/me/coupons", per_page=1)
    body = check(client, page, "CouponPage")
    assert (body["total"], body["has_more"], len(body["items"])) == (2, True, 1)
    assert {i["id"] for i in api.get("/me/coupons").get_json()["items"]} == {kept[0].id, kept[1].id}
    assert theirs.id not in {
        i["id"] for i in api.get("/me/coupons", status="expired").get_json()["items"]
    }
    assert [i["status"] for i in api.get("/me/coupons", status="expired").get_json()["items"]] == [
        "voided"
    ]
    travel.shift(timedelta(hours=15))  # past midnight: the day's coupons are over
    assert api.get("/me/coupons").get_json()["total"] == 0
    expired = api.get("/me/coupons", status="expired").get_json()
    assert sorted(i["status"] for i in expired["items"]) == ["expired", "expired", "voided"]
    assert api.get("/me/coupons", status="used").get_json()["items"] == []
    message = assert_error(api.get("/me/coupons", status="lost"), 400, "invalid_request")
    assert message.startswith("状态应为")


def test_coupons_need_a_login(world, client):
    for path in ("/api/v1/coupons/claimable", "/api/v1/me/coupons"):
        assert_error(client.get(path), 401, "unauthorized")
    answer = client.post("/api/v1/coupons/claim", json={"template_id": 1})
    assert_error(answer, 401, "unauthorized")

"""WeChat Pay refunds no payment older than a year: a top-up credited more than 360 days ago is
refused, with its own code in the driver API's document."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Topup, TopupRefundRequest
from app.models.base import utcnow
from app.services.members import top_ups
from app.services.members.top_ups import REFUND_WINDOW, TopupTooOld
from app.services.members.topup_refunds import (
    approve_refund_request,
    cancel_refund_request,
    request_refund,
)
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok
from tests.money.topup_helpers import credited_topup

NOW = utcnow()


def _topup(channel="wechat", credited_days_ago: float | None = 10) -> Topup:
    credited = None if credited_days_ago is None else NOW - timedelta(days=credited_days_ago)
    return Topup(channel=channel, principal_fen=100, status="credited", credited_at=credited)


def test_the_window_closes_360_days_after_the_credit():
    assert REFUND_WINDOW.days == 360
    assert top_ups.refund_window_open(_topup(credited_days_ago=359.9), NOW)
    assert not top_ups.refund_window_open(_topup(credited_days_ago=360), NOW)
    assert not top_ups.refund_window_open(_topup(credited_days_ago=None), NOW)


def test_an_old_wechat_top_up_is_refused_with_its_own_code():
    top_ups.check_refund_window(_topup(credited_days_ago=30), NOW)
    with pytest.raises(TopupTooOld, match="超过 360 天") as err:
        top_ups.check_refund_window(_topup(credited_days_ago=361), NOW)
    assert (err.value.status, err.value.code) == (409, "topup_too_old")
    top_ups.check_refund_window(_topup("cash", credited_days_ago=400), NOW)  # not WeChat's


def test_the_refund_request_documents_the_answer(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/topups/{topup_id}/refund-requests"]["post"]
    schema = op["responses"]["409"]["content"]["application/json"]["schema"]
    assert "topup_too_old" in schema["properties"]["error"]["properties"]["code"]["enum"]
    assert "topup_too_old" in op["description"]


@pytest.mark.travel
def test_a_top_up_older_than_360_days_is_refused_when_asked_and_when_approved(world, travel):
    member = make_member(world.chain)
    old = credited_topup(member, world.station_a)
    asked = request_refund(member, old.id, "很久以前的充值")
    travel.shift(timedelta(days=360))
    with pytest.raises(TopupTooOld, match="超过 360 天"):
        approve_refund_request(world.manager_a, asked.id)
    assert db.session.get(TopupRefundRequest, asked.id).status == "requested"
    cancel_refund_request(member, asked.id)
    with pytest.raises(TopupTooOld):
        request_refund(member, old.id, "再申请一次")
    fresh = credited_topup(member, world.station_a)
    assert request_refund(member, fresh.id, "新的充值").status == "requested"
    assert_ledger_ok()

"""The fake WeChat Pay ends a planned refund CLOSED or ABNORMAL, as WeChat Pay does: a CLOSED
refund paid nothing out, so its amount can be refunded again under a new number; an ABNORMAL
one left the merchant, so it still counts against the order (a second try is refused)."""

import time
import uuid

import httpx
import pytest

from app.adapters.wechat_pay import WeChatPayError
from app.services.platform import gateways

NOWHERE = "http://127.0.0.1:9/notify"  # nobody listens: the test asks instead


@pytest.fixture
def wechat(app_ctx, live_server):
    httpx.delete(live_server.url + "/sandbox/wechatpay/faults")
    yield gateways.wechat_pay(), live_server.url + "/sandbox/wechatpay"
    httpx.delete(live_server.url + "/sandbox/wechatpay/faults")


def paid_order(wechat, total: int) -> str:
    client, sandbox = wechat
    out_trade_no = "JY" + uuid.uuid4().hex[:20]
    prepay_id = client.create_jsapi(out_trade_no, "92号汽油", total, "o-outcome", NOWHERE)
    httpx.post(sandbox + "/pay", json={"prepay_id": prepay_id}, timeout=10).raise_for_status()
    return out_trade_no


def refund(wechat, out_trade_no: str, amount: int, total: int) -> str:
    out_refund_no = out_trade_no + "R" + uuid.uuid4().hex[:4]
    answer = wechat[0].refund(out_refund_no, amount, total, out_trade_no, notify_url=NOWHERE)
    assert answer["status"] == "PROCESSING"
    return out_refund_no


def final_status(wechat, out_refund_no: str, seconds: float = 10.0) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = wechat[0].query_refund(out_refund_no)["status"]
        if status != "PROCESSING":
            return status
        time.sleep(0.05)
    return "PROCESSING"


def plan(wechat, outcome: str) -> None:
    planned = httpx.post(wechat[1] + "/faults", json={"refund_outcome": outcome}, timeout=10)
    assert planned.status_code == 200, planned.text


def test_a_closed_refund_can_be_sent_again_under_a_new_number(wechat):
    order = paid_order(wechat, 10000)
    plan(wechat, "CLOSED")
    first = refund(wechat, order, 10000, 10000)
    assert final_status(wechat, first) == "CLOSED"
    again = refund(wechat, order, 10000, 10000)
    assert final_status(wechat, again) == "SUCCESS"


def test_an_abnormal_refund_still_counts_against_the_order(wechat):
    order = paid_order(wechat, 10000)
    plan(wechat, "ABNORMAL")
    first = refund(wechat, order, 10000, 10000)
    assert final_status(wechat, first) == "ABNORMAL"
    with pytest.raises(WeChatPayError) as refused:
        refund(wechat, order, 10000, 10000)
    assert refused.value.is_code("NOT_ENOUGH")


def test_only_known_outcomes_can_be_planned(wechat):
    refused = httpx.post(wechat[1] + "/faults", json={"refund_outcome": "SUCCESS"}, timeout=10)
    assert refused.status_code == 400 and "ABNORMAL/CLOSED" in refused.json()["error"]["message"]

"""The sandbox WeChat Pay refuses what the real one refuses, and signs what it answers.

Requests here are signed by the test itself (not by the adapter), so that the sandbox's checks
are tested on their own.
"""

import json
import re
import time
import uuid

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.sandbox.wechatpay_merchant import assert_signed_by_wechat, error_of


def test_every_answer_is_signed(app, merchant):
    created = merchant.call("POST", "/v3/pay/transactions/jsapi", merchant.order_body())
    assert created.status_code == 200 and created.json()["prepay_id"].startswith("wx")
    refused = merchant.call("POST", "/v3/pay/transactions/jsapi", merchant.order_body(appid=None))
    missing = merchant.call("GET", "/v3/refund/domestic/refunds/R-none")
    unsigned = httpx.get(merchant.base + "/sandbox/wechatpay/v3/refund/domestic/refunds/R-none")
    no = merchant.order_body()["out_trade_no"]
    merchant.call("POST", "/v3/pay/transactions/jsapi", merchant.order_body(out_trade_no=no))
    closed = merchant.call(
        "POST", f"/v3/pay/transactions/out-trade-no/{no}/close", {"mchid": merchant.mchid}
    )
    assert closed.status_code == 204 and closed.content == b""
    for response in (created, refused, missing, unsigned, closed):
        assert_signed_by_wechat(app, response)


@pytest.mark.parametrize(
    "change",
    [
        "another key",
        "another serial",
        "another mchid",
        "stale",
        "mount path",
        "other path",
        "body changed",
    ],
)
def test_badly_signed_requests_get_401_sign_error(app, merchant, change):
    body = merchant.order_body()
    path = "/v3/pay/transactions/jsapi"
    if change == "another key":
        merchant.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif change == "another serial":
        merchant.serial = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"
    elif change == "another mchid":
        merchant.mchid = "1230000109"
    answer = merchant.call(
        "POST",
        path,
        body,
        timestamp=int(time.time()) - 300 if change == "stale" else None,
        sign_path={
            "mount path": "/sandbox/wechatpay/v3/pay/transactions/jsapi",
            "other path": "/v3/refund/domestic/refunds",
        }.get(change),
    )
    if change == "body changed":
        # Sign one body, send another: re-send with the signature of the first.
        signed = merchant.call("POST", path, body).request.headers["Authorization"]
        answer = httpx.post(
            merchant.base + "/sandbox/wechatpay" + path,
            content=json.dumps({**body, "amount": {"total": 1, "currency": "CNY"}}).encode(),
            headers={"Authorization": signed, "Content-Type": "application/json"},
        )
    error_of(answer, 401, "SIGN_ERROR")
    assert_signed_by_wechat(app, answer)


def test_missing_or_foreign_authorization_is_refused(merchant):
    path = merchant.base + "/sandbox/wechatpay/v3/pay/transactions/jsapi"
    assert error_of(httpx.post(path, json={}), 401, "SIGN_ERROR")
    basic = httpx.post(path, json={}, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert "WECHATPAY2-SHA256-RSA2048" in error_of(basic, 401, "SIGN_ERROR")


@pytest.mark.parametrize(
    ("field", "named"),
    [
        ("appid", "appid"),
        ("mchid", "mchid"),
        ("description", "description"),
        ("out_trade_no", "out_trade_no"),
        ("notify_url", "notify_url"),
        ("amount", "amount"),
        ("amount.total", "amount.total"),
        ("payer", "payer"),
        ("payer.openid", "openid"),
    ],
)
def test_a_missing_field_is_named(merchant, field, named):
    body = merchant.order_body()
    parent, _, child = field.partition(".")
    if child:
        del body[parent][child]
    else:
        del body[parent]
    answer = merchant.call("POST", "/v3/pay/transactions/jsapi", body)
    assert named in error_of(answer, 400, "PARAM_ERROR")


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"description": "加" * 43}, "description"),  # 129 bytes in UTF-8
        ({"out_trade_no": "JY123"}, "out_trade_no"),
        ({"out_trade_no": "JY 1234567"}, "out_trade_no"),
        ({"out_trade_no": "J" * 33}, "out_trade_no"),
        ({"notify_url": "http://jiayou.example.com/notify"}, "notify_url"),
        ({"notify_url": "https://jiayou.example.com/notify?order=1"}, "notify_url"),
        ({"notify_url": "ftp://127.0.0.1/notify"}, "notify_url"),
        ({"amount": {"total": 0, "currency": "CNY"}}, "amount.total"),
        ({"amount": {"total": "100", "currency": "CNY"}}, "amount.total"),
        ({"amount": {"total": 1.5, "currency": "CNY"}}, "amount.total"),
        ({"amount": {"total": True, "currency": "CNY"}}, "amount.total"),
        ({"amount": {"total": 100, "currency": "USD"}}, "currency"),
        ({"payer": {"openid": ""}}, "openid"),
        ({"time_expire": "2030-01-01 10:00:00"}, "time_expire"),
        ({"time_expire": "2020-01-01T10:00:00+08:00"}, "time_expire"),
        ({"attach": "a" * 129}, "attach"),
    ],
)
def test_a_bad_field_is_named(merchant, changes, named):
    answer = merchant.call("POST", "/v3/pay/transactions/jsapi", merchant.order_body(**changes))
    assert named in error_of(answer, 400, "PARAM_ERROR")


@pytest.mark.parametrize(
    "changes",
    [
        {"description": "加" * 42 + "a"},  # exactly 127 bytes
        {"out_trade_no": "J_-|*" + uuid.uuid4().hex[:27]},
        {"notify_url": "https://jiayou.example.com/api/v1/payments/wechat/notify"},
        {"notify_url": "http://localhost/notify"},
        {"amount": {"total": 1}},  # currency defaults to CNY
        {"time_expire": "2099-01-01T10:00:00+08:00", "attach": "a" * 128},
    ],
)
def test_edge_values_are_accepted(merchant, changes):
    answer = merchant.call("POST", "/v3/pay/transactions/jsapi", merchant.order_body(**changes))
    assert answer.status_code == 200, answer.text


def test_appid_and_mchid_must_match(merchant):
    other_appid = merchant.order_body(appid="wx0000000000000000")
    answer = merchant.call("POST", "/v3/pay/transactions/jsapi", other_appid)
    error_of(answer, 400, "APPID_MCHID_NOT_MATCH")
    other_mchid = merchant.order_body(mchid="1230000109")
    answer = merchant.call("POST", "/v3/pay/transactions/jsapi", other_mchid)
    assert "mchid" in error_of(answer, 400, "PARAM_ERROR")


def test_a_closed_or_paid_order_cannot_be_placed_again(merchant):
    body = merchant.order_body()
    no = body["out_trade_no"]
    merchant.call("POST", "/v3/pay/transactions/jsapi", body)
    merchant.call(
        "POST", f"/v3/pay/transactions/out-trade-no/{no}/close", {"mchid": merchant.mchid}
    )
    error_of(merchant.call("POST", "/v3/pay/transactions/jsapi", body), 400, "ORDER_CLOSED")

    paid = merchant.order_body()
    prepay_id = merchant.call("POST", "/v3/pay/transactions/jsapi", paid).json()["prepay_id"]
    httpx.post(merchant.base + "/sandbox/wechatpay/pay", json={"prepay_id": prepay_id})
    error_of(merchant.call("POST", "/v3/pay/transactions/jsapi", paid), 400, "ORDER_PAID")


def test_query_and_close_need_the_mchid(merchant):
    no = merchant.order_body()["out_trade_no"]
    merchant.call("POST", "/v3/pay/transactions/jsapi", merchant.order_body(out_trade_no=no))
    path = f"/v3/pay/transactions/out-trade-no/{no}"
    assert "mchid" in error_of(merchant.call("GET", path), 400, "PARAM_ERROR")
    answer = merchant.call("GET", path + "?mchid=1230000109")
    assert "mchid" in error_of(answer, 400, "PARAM_ERROR")
    assert merchant.call("GET", f"{path}?mchid={merchant.mchid}").json()["trade_state"] == "NOTPAY"
    error_of(merchant.call("POST", path + "/close", {}), 400, "PARAM_ERROR")


def paid_order(merchant, total=24000) -> dict:
    body = merchant.order_body(amount={"total": total, "currency": "CNY"})
    prepay_id = merchant.call("POST", "/v3/pay/transactions/jsapi", body).json()["prepay_id"]
    paid = httpx.post(merchant.base + "/sandbox/wechatpay/pay", json={"prepay_id": prepay_id})
    return paid.json()


def refund_body(order: dict, **changes) -> dict:
    body = {
        "out_refund_no": "R" + uuid.uuid4().hex[:20],
        "out_trade_no": order["out_trade_no"],
        "amount": {"refund": 100, "total": order["amount"]["total"], "currency": "CNY"},
    }
    body.update(changes)
    return body


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"out_refund_no": None}, "out_refund_no"),
        ({"out_refund_no": "R 1"}, "out_refund_no"),
        ({"out_trade_no": None}, "transaction_id"),
        ({"amount": {"refund": 100, "total": 24000}}, "currency"),
        ({"amount": {"refund": 0, "total": 24000, "currency": "CNY"}}, "amount.refund"),
        ({"amount": {"refund": 24001, "total": 24000, "currency": "CNY"}}, "amount.refund"),
        ({"notify_url": "http://jiayou.example.com/refund"}, "notify_url"),
        ({"reason": "退" * 27}, "reason"),
    ],
)
def test_refund_fields_are_checked(merchant, changes, named):
    body = refund_body(paid_order(merchant))
    body.update(changes)
    body = {key: value for key, value in body.items() if value is not None}
    answer = merchant.call("POST", "/v3/refund/domestic/refunds", body)
    assert named in error_of(answer, 400, "PARAM_ERROR")


def test_refund_numbers_and_orders(merchant):
    order = paid_order(merchant)
    unknown = refund_body(order, out_trade_no=None, transaction_id="4200000000202401010000000000")
    unknown = {key: value for key, value in unknown.items() if value is not None}
    answer = merchant.call("POST", "/v3/refund/domestic/refunds", unknown)
    error_of(answer, 404, "RESOURCE_NOT_EXISTS")
    body = refund_body(order)
    first = merchant.call("POST", "/v3/refund/domestic/refunds", body)
    assert first.status_code == 200 and first.json()["status"] == "PROCESSING"
    changed = {**body, "amount": {**body["amount"], "refund": 200}}
    answer = merchant.call("POST", "/v3/refund/domestic/refunds", changed)
    assert "out_refund_no" in error_of(answer, 400, "INVALID_REQUEST")


def test_faults_are_planned_used_up_and_checked(merchant):
    tools = merchant.base + "/sandbox/wechatpay/faults"
    assert httpx.post(tools, json={"query": "SOMETHING"}).status_code == 400
    assert httpx.post(tools, json={"pay": "SYSTEM_ERROR"}).status_code == 400
    assert httpx.post(tools, json={"query": "SYSTEM_ERROR", "times": 0}).status_code == 400
    assert httpx.post(tools, json={"times": 2}).status_code == 400
    planned = httpx.post(tools, json={"query": "FREQUENCY_LIMITED", "times": 2})
    assert planned.json() == {"planned": {"query": "FREQUENCY_LIMITED"}, "times": 2}
    path = f"/v3/pay/transactions/out-trade-no/JY-none-1?mchid={merchant.mchid}"
    error_of(merchant.call("GET", path), 429, "FREQUENCY_LIMITED")
    error_of(merchant.call("GET", path), 429, "FREQUENCY_LIMITED")
    error_of(merchant.call("GET", path), 404, "ORDER_NOT_EXIST")
    # A fault answers only a correctly signed request, as WeChat Pay would.
    httpx.post(tools, json={"query": "SYSTEM_ERROR"})
    error_of(httpx.get(merchant.base + "/sandbox/wechatpay" + path), 401, "SIGN_ERROR")
    error_of(merchant.call("GET", path), 500, "SYSTEM_ERROR")


def test_page_lists_orders_and_pays_with_a_csrf_token(app, client, merchant):
    body = merchant.order_body(description="页面测试 92号汽油")
    prepay_id = merchant.call("POST", "/v3/pay/transactions/jsapi", body).json()["prepay_id"]
    page = client.get("/sandbox/wechatpay")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "模拟用户支付" in html
    assert body["out_trade_no"] in html and "页面测试 92号汽油" in html and "240.00" in html
    row = html[html.index(body["out_trade_no"]) :]
    token = re.search(r'name="csrf_token" value="([^"]+)"', row).group(1)

    forged = client.post("/sandbox/wechatpay/pay-form", data={"prepay_id": prepay_id})
    assert forged.status_code == 400
    query = f"/v3/pay/transactions/out-trade-no/{body['out_trade_no']}?mchid={merchant.mchid}"
    assert merchant.call("GET", query).json()["trade_state"] == "NOTPAY"

    paid = client.post(
        "/sandbox/wechatpay/pay-form", data={"prepay_id": prepay_id, "csrf_token": token}
    )
    assert paid.status_code == 303
    assert merchant.call("GET", query).json()["trade_state"] == "SUCCESS"
    after = client.get(paid.headers["Location"]).get_data(as_text=True)
    assert "已模拟支付成功" in after
    again = client.post(
        "/sandbox/wechatpay/pay-form", data={"prepay_id": prepay_id, "csrf_token": token}
    )
    assert again.status_code == 409 and "不能支付" in again.get_data(as_text=True)
    notes = httpx.get(
        merchant.base + "/sandbox/wechatpay/notifications",
        params={"out_trade_no": body["out_trade_no"]},
    ).json()["notifications"]
    assert [note["event_type"] for note in notes] == ["TRANSACTION.SUCCESS"]
    assert notes[0]["url"] == body["notify_url"] and "body" not in notes[0]

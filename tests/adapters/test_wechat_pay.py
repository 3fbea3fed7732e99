"""The WeChat Pay client against the sandbox WeChat Pay, over real HTTP."""

import base64
import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from app.adapters.wechat_pay import (
    OrderAlreadyPaid,
    OrderNotFound,
    RefundNotFound,
    SignatureInvalid,
    WeChatPayClient,
    WeChatPayError,
    WeChatPayUnavailable,
)


def pay_client(app, base: str, **overrides) -> WeChatPayClient:
    return WeChatPayClient.from_config(
        {**app.config, "WECHATPAY_API_BASE": base + "/sandbox/wechatpay", **overrides}
    )


@pytest.fixture
def sandbox(app, live_server):
    """The sandbox's URL; faults cleared and the default signing mode around each test."""
    httpx.delete(live_server.url + "/sandbox/wechatpay/faults").raise_for_status()
    yield live_server.url + "/sandbox/wechatpay"
    app.config["SANDBOX_WECHATPAY_SIGN_MODE"] = "public_key"
    httpx.delete(live_server.url + "/sandbox/wechatpay/faults").raise_for_status()


@pytest.fixture(scope="module")
def sink():
    """Where this module's orders are notified: acknowledges everything, at once."""

    def acknowledge(environ, start_response):
        start_response("204 No Content", [])
        return [b""]

    server = make_server("127.0.0.1", 0, acknowledge, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/notify"
    server.shutdown()


@pytest.fixture
def wxpay(app, live_server, sandbox, sink):
    return pay_client(app, live_server.url, WECHATPAY_NOTIFY_URL=sink)


def new_no(prefix="JY") -> str:
    return prefix + uuid.uuid4().hex[:20]


def place(wxpay, total=30000, **extra) -> tuple[str, str]:
    out_trade_no = new_no()
    prepay_id = wxpay.create_jsapi(out_trade_no, "92号汽油 40L", total, "o-driver-1", **extra)
    return out_trade_no, prepay_id


def user_pays(sandbox, prepay_id) -> dict:
    answer = httpx.post(sandbox + "/pay", json={"prepay_id": prepay_id})
    assert answer.status_code == 200, answer.text
    return answer.json()


def plan_fault(sandbox, **fault):
    httpx.post(sandbox + "/faults", json=fault).raise_for_status()


def test_create_pay_query(wxpay, sandbox):
    out_trade_no, prepay_id = place(wxpay, total=12345, attach="station=7")
    assert prepay_id.startswith("wx")
    before = wxpay.query(out_trade_no)
    assert before["trade_state"] == "NOTPAY" and "transaction_id" not in before
    user_pays(sandbox, prepay_id)

    paid = wxpay.query(out_trade_no)
    assert paid["trade_state"] == "SUCCESS"
    assert paid["out_trade_no"] == out_trade_no and paid["mchid"] == wxpay.mchid
    assert paid["appid"] == wxpay.appid and paid["payer"] == {"openid": "o-driver-1"}
    assert paid["amount"]["total"] == 12345 and paid["amount"]["payer_total"] == 12345
    assert paid["attach"] == "station=7" and paid["trade_type"] == "JSAPI"
    assert paid["transaction_id"].startswith("420000") and len(paid["transaction_id"]) == 28
    assert paid["success_time"].endswith("+08:00")


def test_same_request_same_prepay_id_and_a_changed_one_is_refused(wxpay):
    out_trade_no, prepay_id = place(wxpay)
    again = wxpay.create_jsapi(out_trade_no, "92号汽油 40L", 30000, "o-driver-1")
    assert again == prepay_id
    with pytest.raises(WeChatPayError) as err:
        wxpay.create_jsapi(out_trade_no, "92号汽油 40L", 30001, "o-driver-1")
    assert err.value.status == 403 and err.value.is_code("OUT_TRADE_NO_USED")
    assert not err.value.retryable


def test_time_expire_ends_the_order(wxpay, sandbox):
    in_ten_minutes = datetime.now(UTC) + timedelta(minutes=10)
    out_trade_no, prepay_id = place(wxpay, time_expire=in_ten_minutes)
    assert wxpay.query(out_trade_no)["trade_state"] == "NOTPAY"
    # Both sides (the adapter and the sandbox, in this process) live eleven minutes later.
    with time_machine.travel(in_ten_minutes + timedelta(minutes=1)):
        assert wxpay.query(out_trade_no)["trade_state"] == "CLOSED"
        assert httpx.post(sandbox + "/pay", json={"prepay_id": prepay_id}).status_code == 409
    with pytest.raises(ValueError, match="timezone-aware"):
        wxpay.create_jsapi(new_no(), "x", 1, "o", time_expire=datetime.now())
    gone = datetime.now(UTC) - timedelta(seconds=1)
    with pytest.raises(WeChatPayError) as err:
        wxpay.create_jsapi(new_no(), "92号汽油", 100, "o-driver-1", time_expire=gone)
    assert err.value.is_code("PARAM_ERROR") and "time_expire" in err.value.message


def test_order_numbers_with_reserved_characters(wxpay, sandbox):
    out_trade_no = "JY|*-_" + uuid.uuid4().hex[:16]
    prepay_id = wxpay.create_jsapi(out_trade_no, "92号汽油", 100, "o-driver-1")
    user_pays(sandbox, prepay_id)
    # The escaped path is what is signed and what the sandbox checks the signature against.
    assert wxpay.query(out_trade_no)["out_trade_no"] == out_trade_no
    refund = wxpay.refund("R|*@-" + uuid.uuid4().hex[:8], 100, 100, out_trade_no=out_trade_no)
    assert wxpay.query_refund(refund["out_refund_no"])["refund_id"] == refund["refund_id"]


def test_query_unknown_order(wxpay):
    with pytest.raises(OrderNotFound) as err:
        wxpay.query(new_no())
    assert err.value.status == 404 and err.value.is_code("ORDERNOTEXIST")


def test_close_unpaid_then_paid(wxpay, sandbox):
    out_trade_no, prepay_id = place(wxpay)
    assert wxpay.close(out_trade_no) is None
    assert wxpay.query(out_trade_no)["trade_state"] == "CLOSED"
    assert httpx.post(sandbox + "/pay", json={"prepay_id": prepay_id}).status_code == 409

    paid_no, paid_prepay = place(wxpay)
    user_pays(sandbox, paid_prepay)
    with pytest.raises(OrderAlreadyPaid):
        wxpay.close(paid_no)
    assert wxpay.query(paid_no)["trade_state"] == "SUCCESS"


def test_partial_then_full_refund_and_not_enough(wxpay, sandbox):
    out_trade_no, prepay_id = place(wxpay, total=10000)
    transaction_id = user_pays(sandbox, prepay_id)["transaction_id"]
    first = wxpay.refund(new_no("R"), 4000, 10000, out_trade_no=out_trade_no, reason="少加了油")
    assert first["status"] == "PROCESSING" and first["amount"]["refund"] == 4000
    assert first["out_trade_no"] == out_trade_no and first["transaction_id"] == transaction_id
    rest = wxpay.refund(new_no("R"), 6000, 10000, transaction_id=transaction_id)
    assert rest["amount"]["refund"] == 6000
    with pytest.raises(WeChatPayError) as err:
        wxpay.refund(new_no("R"), 1, 10000, out_trade_no=out_trade_no)
    assert err.value.status == 403 and err.value.is_code("NOTENOUGH")
    assert wxpay.query(out_trade_no)["trade_state"] == "REFUND"


def test_refund_over_the_total_at_once(wxpay, sandbox):
    out_trade_no, prepay_id = place(wxpay, total=500)
    user_pays(sandbox, prepay_id)
    with pytest.raises(WeChatPayError) as err:
        wxpay.refund(new_no("R"), 500, 400, out_trade_no=out_trade_no)
    assert err.value.is_code("PARAM_ERROR") and "amount.total" in err.value.message


def test_system_error_is_retryable_and_a_retry_refunds_once(wxpay, sandbox):
    out_trade_no, prepay_id = place(wxpay, total=8000)
    user_pays(sandbox, prepay_id)
    plan_fault(sandbox, refund="SYSTEM_ERROR", times=1)
    out_refund_no = new_no("R")
    with pytest.raises(WeChatPayError) as err:
        wxpay.refund(out_refund_no, 8000, 8000, out_trade_no=out_trade_no)
    assert err.value.status == 500 and err.value.retryable
    first = wxpay.refund(out_refund_no, 8000, 8000, out_trade_no=out_trade_no)
    again = wxpay.refund(out_refund_no, 8000, 8000, out_trade_no=out_trade_no)
    assert first["refund_id"] == again["refund_id"]
    # Refunded once: nothing is left to refund under a new number.
    with pytest.raises(WeChatPayError) as err:
        wxpay.refund(new_no("R"), 1, 8000, out_trade_no=out_trade_no)
    assert err.value.is_code("NOT_ENOUGH")


def test_refund_query_moves_from_processing_to_success(wxpay, sandbox, app):
    out_trade_no, prepay_id = place(wxpay, total=2000)
    user_pays(sandbox, prepay_id)
    out_refund_no = new_no("R")
    created = wxpay.refund(out_refund_no, 2000, 2000, out_trade_no=out_trade_no)
    assert wxpay.query_refund(out_refund_no)["refund_id"] == created["refund_id"]
    delay_s = app.config["SANDBOX_WECHATPAY_REFUND_DELAY_MS"] / 1000
    deadline = datetime.now(UTC) + timedelta(seconds=delay_s + 5)
    while (refund := wxpay.query_refund(out_refund_no))["status"] == "PROCESSING":
        assert datetime.now(UTC) < deadline, "refund still processing"
        time.sleep(0.05)
    assert refund["status"] == "SUCCESS" and refund["success_time"].endswith("+08:00")
    with pytest.raises(RefundNotFound):
        wxpay.query_refund(new_no("R"))


def test_refund_of_an_unpaid_or_unknown_order_fails(wxpay):
    out_trade_no, _ = place(wxpay, total=300)
    with pytest.raises(WeChatPayError) as err:
        wxpay.refund(new_no("R"), 300, 300, out_trade_no=out_trade_no)
    assert err.value.status == 400 and not isinstance(err.value, OrderNotFound)
    with pytest.raises(OrderNotFound):
        wxpay.refund(new_no("R"), 300, 300, out_trade_no=new_no())
    with pytest.raises(ValueError, match="exactly one"):
        wxpay.refund(new_no("R"), 300, 300)


def test_pay_params_are_signed_with_the_merchant_key(app, wxpay, sandbox):
    _, prepay_id = place(wxpay, total=100)
    params = wxpay.jsapi_pay_params(prepay_id)
    assert params["package"] == f"prepay_id={prepay_id}" and params["signType"] == "RSA"
    assert params["appId"] == app.config["WECHATPAY_APPID"] and params["timeStamp"].isdigit()
    with open(app.config["SANDBOX_WECHATPAY_MERCHANT_CERT"], "rb") as handle:
        merchant_key = x509.load_pem_x509_certificate(handle.read()).public_key()
    message = (
        f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    )
    merchant_key.verify(
        base64.b64decode(params["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    # The simulated WeChat client refuses a forged paySign and pays with the real one.
    forged = {**params, "nonceStr": params["nonceStr"] + "X"}
    assert httpx.post(sandbox + "/pay", json=forged).status_code == 400
    assert httpx.post(sandbox + "/pay", json=params).json()["trade_state"] == "SUCCESS"


def test_certificate_mode_answers_are_verified_by_certificate(app, live_server, wxpay):
    app.config["SANDBOX_WECHATPAY_SIGN_MODE"] = "certificate"
    out_trade_no, _ = place(wxpay)
    assert wxpay.query(out_trade_no)["trade_state"] == "NOTPAY"
    public_key_only = pay_client(app, live_server.url, WECHATPAY_PLATFORM_CERTS="")
    with pytest.raises(SignatureInvalid, match="unknown Wechatpay-Serial"):
        public_key_only.query(out_trade_no)
    app.config["SANDBOX_WECHATPAY_SIGN_MODE"] = "public_key"
    certificate_only = pay_client(
        app, live_server.url, WECHATPAY_PUBLIC_KEY_ID="", WECHATPAY_PUBLIC_KEY=""
    )
    assert public_key_only.query(out_trade_no)["out_trade_no"] == out_trade_no
    with pytest.raises(SignatureInvalid):
        certificate_only.query(out_trade_no)


class Impostor:
    """A server that answers like WeChat Pay but cannot sign: status, body and headers given."""

    def __init__(self, status: int, body: bytes, headers: dict | None = None):
        self.answer = (status, body, headers or {})
        self.server = make_server("127.0.0.1", 0, self, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.seen = (request.headers, environ.get("RAW_URI"), request.get_data())
        status, body, headers = self.answer
        start_response(f"{status} X", [("Content-Type", "application/json"), *headers.items()])
        return [body]


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (200, {}, SignatureInvalid),
        (404, {}, SignatureInvalid),  # an unsigned ORDER_NOT_EXIST is not believed either
        (200, {"Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"}, SignatureInvalid),
        (502, {}, WeChatPayError),  # a gateway error: retryable, nothing believed
    ],
)
def test_unsigned_answers_are_not_believed(app, status, headers, expected):
    impostor = Impostor(
        status, b'{"code":"ORDER_NOT_EXIST","prepay_id":"wx1","message":"x"}', headers
    )
    try:
        client = pay_client(app, impostor.url)
        with pytest.raises(expected) as err:
            client.query("JY123456")
        assert not isinstance(err.value, OrderNotFound)
        if expected is WeChatPayError:
            assert err.value.retryable
    finally:
        impostor.server.shutdown()


def assert_signed_url(app, headers, method: str, url: str, body: bytes) -> None:
    """The merchant key signed METHOD, url, timestamp, nonce and body: WeChat Pay's message."""
    auth = dict(re.findall(r'(\w+)="([^"]*)"', headers["Authorization"]))
    with open(app.config["SANDBOX_WECHATPAY_MERCHANT_CERT"], "rb") as handle:
        merchant_key = x509.load_pem_x509_certificate(handle.read()).public_key()
    message = f"{method}\n{url}\n{auth['timestamp']}\n{auth['nonce_str']}\n".encode()
    merchant_key.verify(
        base64.b64decode(auth["signature"]),
        message + body + b"\n",
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


def test_what_a_request_carries(app):
    impostor = Impostor(200, b'{"prepay_id":"wx1"}')
    try:
        client = pay_client(app, impostor.url, WECHATPAY_NOTIFY_URL="https://j.example.com/n")
        expire = datetime(2030, 6, 1, 4, 0, 0, tzinfo=UTC)
        with pytest.raises(SignatureInvalid):
            client.create_jsapi("JY|2030*06", "0号柴油", 100, "o-1", time_expire=expire)
        headers, raw_uri, body = impostor.seen
        assert raw_uri == "/sandbox/wechatpay/v3/pay/transactions/jsapi"
        # Signed as WeChat Pay checks it: the path below the base URL, without the base's own path.
        assert_signed_url(app, headers, "POST", "/v3/pay/transactions/jsapi", body)
        sent = json.loads(body)
        assert sent["time_expire"] == "2030-06-01T12:00:00+08:00"
        assert sent["amount"] == {"total": 100, "currency": "CNY"}
        assert sent["notify_url"] == "https://j.example.com/n" and "attach" not in sent
        assert b" " not in body and "0号柴油".encode() in body  # compact, UTF-8 as signed
        assert headers["Accept"] == headers["Content-Type"] == "application/json"
        assert headers["User-Agent"] and headers["Wechatpay-Serial"].startswith("PUB_KEY_ID_")
        schema, _, fields = headers["Authorization"].partition(" ")
        assert schema == "WECHATPAY2-SHA256-RSA2048"
        auth = dict(field.split("=", 1) for field in fields.split(","))
        assert auth["mchid"] == f'"{app.config["WECHATPAY_MCHID"]}"'
        assert auth["serial_no"] == f'"{app.config["WECHATPAY_MERCHANT_SERIAL"]}"'
        assert abs(int(auth["timestamp"].strip('"')) - time.time()) < 60
        assert len(auth["nonce_str"].strip('"')) == 32

        with pytest.raises(SignatureInvalid):
            client.query("JY|2030*06")
        headers, raw_uri, body = impostor.seen
        # Reserved characters escaped, so an order number cannot change the path.
        assert raw_uri == (
            "/sandbox/wechatpay/v3/pay/transactions/out-trade-no/JY%7C2030%2A06"
            f"?mchid={app.config['WECHATPAY_MCHID']}"
        )
        assert body == b""
        query = raw_uri.removeprefix("/sandbox/wechatpay")
        assert query.startswith("/v3/pay/transactions/out-trade-no/JY%7C2030%2A06?mchid=")
        assert_signed_url(app, headers, "GET", query, b"")
        with pytest.raises(InvalidSignature):
            assert_signed_url(app, headers, "GET", raw_uri, b"")
    finally:
        impostor.server.shutdown()


@pytest.mark.parametrize("base_path", ["", "/", "/gateway/wechatpay/"])
def test_the_signed_url_is_the_path_below_the_base_url(app, base_path):
    impostor = Impostor(200, b"{}")
    path = "/v3/pay/transactions/out-trade-no/JY20300601/close"
    try:
        base = impostor.url + base_path
        client = WeChatPayClient.from_config({**app.config, "WECHATPAY_API_BASE": base})
        with pytest.raises(SignatureInvalid):
            client.close("JY20300601")
        headers, raw_uri, body = impostor.seen
        assert raw_uri == base_path.rstrip("/") + path
        assert_signed_url(app, headers, "POST", path, body)
    finally:
        impostor.server.shutdown()


def test_network_errors_are_retryable(app):
    server = make_server("127.0.0.1", 0, lambda e, s: [])
    closed_port = server.server_port
    server.server_close()
    client = pay_client(app, f"http://127.0.0.1:{closed_port}")
    with pytest.raises(WeChatPayUnavailable) as err:
        client.create_jsapi(new_no(), "92号汽油", 100, "o-1")
    assert err.value.status == 0 and err.value.retryable


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (500, "SYSTEM_ERROR", True),
        (500, "SYSTEMERROR", True),
        (400, "system_error", True),
        (500, "BANK_ERROR", True),
        (429, "FREQUENCY_LIMITED", True),
        (403, "FREQUENCYLIMITED", True),
        (503, "HTTP_503", True),
        (400, "PARAM_ERROR", False),
        (403, "NOT_ENOUGH", False),
        (401, "SIGN_ERROR", False),
    ],
)
def test_retryable_codes_ignore_case_and_underscores(status, code, retryable):
    assert WeChatPayError(status, code, "m").retryable is retryable


def test_amounts_must_be_whole_fen(wxpay):
    for bad in (0, -1, 1.5, True, "100"):
        with pytest.raises(ValueError, match="fen"):
            wxpay.create_jsapi(new_no(), "92号汽油", bad, "o-1")


def test_client_repr_hides_the_keys(app, wxpay):
    assert app.config["WECHATPAY_APIV3_KEY"] not in repr(wxpay)
    assert "PRIVATE" not in repr(wxpay)

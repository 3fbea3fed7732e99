"""An independent WeChat Pay SDK from PyPI (wechatpayv3), unmodified, drives the sandbox.

The SDK speaks to https://api.mch.weixin.qq.com only, and takes a proxy: a local relay ends its
TLS and passes each request on to the sandbox's base URL, /sandbox/wechatpay. So the SDK signs
/v3/..., the path below its base URL as for the real service, and the sandbox must accept that.
Everything the SDK checks (answer signatures, the downloaded certificates, notifications) it
checks with its own code.
"""

import json
import queue
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from cryptography import x509
from wechatpayv3 import WeChatPay, WeChatPayType
from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from tests.sandbox.tls_relay import TlsRelay

WECHATPAY_HOST = "api.mch.weixin.qq.com"
CHINA = timezone(timedelta(hours=8))


@pytest.fixture
def sandbox(app, live_server):
    """The sandbox's base URL; faults cleared and the default signing mode around each test."""
    base = live_server.url + "/sandbox/wechatpay"
    httpx.delete(base + "/faults").raise_for_status()
    yield base
    app.config["SANDBOX_WECHATPAY_SIGN_MODE"] = "public_key"
    httpx.delete(base + "/faults").raise_for_status()


@pytest.fixture
def relay(sandbox, tmp_path, monkeypatch):
    relay = TlsRelay(WECHATPAY_HOST, sandbox, tmp_path)
    # requests (under the SDK) trusts the relay's CA through this variable; the SDK is untouched.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(relay.ca_file))
    yield relay
    relay.close()


@pytest.fixture
def inbox():
    """The merchant's notify_url: keeps each notification's headers and body, acknowledges it."""
    received = queue.Queue()

    def app(environ, start_response):
        request = Request(environ)
        received.put((dict(request.headers), request.get_data(as_text=True)))
        start_response("204 No Content", [])
        return [b""]

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}/notify", received=received)
    server.shutdown()


def sdk(app, relay, inbox, **mode) -> WeChatPay:
    config = app.config
    return WeChatPay(
        wechatpay_type=WeChatPayType.MINIPROG,
        mchid=config["WECHATPAY_MCHID"],
        private_key=Path(config["WECHATPAY_PRIVATE_KEY"]).read_text(),
        cert_serial_no=config["WECHATPAY_MERCHANT_SERIAL"],
        appid=config["WECHATPAY_APPID"],
        apiv3_key=config["WECHATPAY_APIV3_KEY"],
        notify_url=inbox.url,
        proxy={"https": relay.proxy_url},
        timeout=(5, 10),
        **mode,
    )


def public_key_mode(app) -> dict:
    """Verify with the WeChat Pay public key and its id, not downloaded certificates."""
    return {
        "public_key": Path(app.config["WECHATPAY_PUBLIC_KEY"]).read_text(),
        "public_key_id": app.config["WECHATPAY_PUBLIC_KEY_ID"],
    }


def place(wxpay, total: int) -> tuple[str, str]:
    out_trade_no = "JY" + uuid.uuid4().hex[:20]
    status, answer = wxpay.pay(
        description="92号汽油 30L",
        out_trade_no=out_trade_no,
        amount={"total": total, "currency": "CNY"},
        payer={"openid": "o-sdk-driver"},
    )
    assert status == 200, answer
    return out_trade_no, json.loads(answer)["prepay_id"]


def user_pays(app, sandbox, wxpay, prepay_id: str) -> None:
    """The WeChat client pays with the wx.requestPayment parameters the SDK signed."""
    appid, timestamp, nonce = app.config["WECHATPAY_APPID"], str(int(time.time())), uuid.uuid4().hex
    package = f"prepay_id={prepay_id}"
    params = {
        "appId": appid,
        "timeStamp": timestamp,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": wxpay.sign([appid, timestamp, nonce, package]),
    }
    paid = httpx.post(sandbox + "/pay", json=params)
    assert paid.status_code == 200, paid.text


def next_notification(wxpay, inbox) -> dict:
    """The next notification, its signature checked and its resource decrypted by the SDK."""
    headers, body = inbox.received.get(timeout=15)
    notification = wxpay.callback(headers, body)
    assert notification, "the SDK refused the notification's signature or could not decrypt it"
    return notification


def query(wxpay, out_trade_no: str) -> dict:
    status, answer = wxpay.query(out_trade_no=out_trade_no)
    assert status == 200, answer
    return json.loads(answer)


def test_certificate_mode_downloads_pays_closes_and_refunds(app, sandbox, relay, inbox, tmp_path):
    app.config["SANDBOX_WECHATPAY_SIGN_MODE"] = "certificate"
    folder = tmp_path / "platform-certs"
    wxpay = sdk(app, relay, inbox, cert_dir=str(folder))
    # Starting, the SDK downloaded the certificate list and decrypted it with the APIv3 key.
    assert relay.seen == ["GET /v3/certificates"]
    pem = Path(app.config["SANDBOX_WECHATPAY_PLATFORM_CERT"]).read_text()
    serial = format(x509.load_pem_x509_certificate(pem.encode()).serial_number, "X")
    assert [(saved.name, saved.read_text()) for saved in folder.iterdir()] == [
        (f"{serial}.pem", pem)
    ]

    out_trade_no, prepay_id = place(wxpay, total=21600)
    assert query(wxpay, out_trade_no)["trade_state"] == "NOTPAY"
    user_pays(app, sandbox, wxpay, prepay_id)
    paid = next_notification(wxpay, inbox)
    assert paid["event_type"] == "TRANSACTION.SUCCESS"
    assert paid["resource"]["out_trade_no"] == out_trade_no
    assert paid["resource"]["amount"]["total"] == 21600
    transaction = query(wxpay, out_trade_no)
    assert transaction["trade_state"] == "SUCCESS"
    assert transaction["transaction_id"] == paid["resource"]["transaction_id"]

    unpaid, _ = place(wxpay, total=100)
    status, answer = wxpay.close(out_trade_no=unpaid)
    assert status == 204 and not answer  # the SDK checked the signature of the empty answer
    assert query(wxpay, unpaid)["trade_state"] == "CLOSED"

    out_refund_no = "R" + uuid.uuid4().hex[:20]
    status, answer = wxpay.refund(
        out_refund_no=out_refund_no,
        amount={"refund": 1600, "total": 21600, "currency": "CNY"},
        out_trade_no=out_trade_no,
        reason="少加 2 升",
    )
    assert status == 200 and json.loads(answer)["status"] == "PROCESSING", answer
    refunded = next_notification(wxpay, inbox)
    assert refunded["event_type"] == "REFUND.SUCCESS"
    assert refunded["resource"]["out_refund_no"] == out_refund_no
    assert refunded["resource"]["amount"]["refund"] == 1600
    status, answer = wxpay.query_refund(out_refund_no=out_refund_no)
    assert status == 200 and json.loads(answer)["status"] == "SUCCESS", answer
    # The SDK sent (and signed) every path as for WeChat Pay's own host; the certificate it
    # downloaded verified every answer and notification, so it never had to download again.
    assert all(seen.split(" ", 1)[1].startswith("/v3/") for seen in relay.seen)
    assert relay.seen.count("GET /v3/certificates") == 1


def test_the_sdk_refuses_an_answer_changed_on_the_way(app, sandbox, relay, inbox):
    """So the answers it accepted above were verified against the sandbox's signatures."""
    app.config["SANDBOX_WECHATPAY_SIGN_MODE"] = "certificate"
    wxpay = sdk(app, relay, inbox)
    out_trade_no, _ = place(wxpay, total=100)
    assert query(wxpay, out_trade_no)["trade_state"] == "NOTPAY"
    relay.rewrite = lambda data: data.replace(b'"NOTPAY"', b'"SUCCESS"')
    with pytest.raises(Exception, match="failed to verify the signature"):
        wxpay.query(out_trade_no=out_trade_no)


def test_public_key_mode(app, sandbox, relay, inbox):
    wxpay = sdk(app, relay, inbox, **public_key_mode(app))
    out_trade_no, prepay_id = place(wxpay, total=500)
    user_pays(app, sandbox, wxpay, prepay_id)
    assert next_notification(wxpay, inbox)["resource"]["out_trade_no"] == out_trade_no
    assert query(wxpay, out_trade_no)["trade_state"] == "SUCCESS"
    assert not any("certificates" in seen for seen in relay.seen)


def test_errors_reach_the_sdk_in_wechat_pays_shape(app, sandbox, relay, inbox):
    wxpay = sdk(app, relay, inbox, **public_key_mode(app))
    status, answer = wxpay.query(out_trade_no="JY-none-000001")
    assert status == 404 and json.loads(answer)["code"] == "ORDER_NOT_EXIST"
    # An API the sandbox does not fake: WeChat Pay's 404, not the app's.
    yesterday = (datetime.now(CHINA) - timedelta(days=1)).date().isoformat()
    status, answer = wxpay.trade_bill(bill_date=yesterday)
    assert status == 404 and json.loads(answer)["code"] == "RESOURCE_NOT_EXISTS"
    assert set(json.loads(answer)) == {"code", "message"}

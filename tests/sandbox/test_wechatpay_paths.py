"""Where the sandbox WeChat Pay lives: what a client signs below its base URL, the platform
certificate list, and paths it does not serve, all answered as WeChat Pay answers them."""

import base64
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.sandbox.wechatpay_rules import canonical_url
from tests.sandbox.wechatpay_merchant import assert_signed_by_wechat, error_of


@pytest.mark.parametrize(
    ("script_root", "raw_uri", "signed"),
    [
        ("", "/sandbox/wechatpay/v3/pay/x?mchid=1", "/v3/pay/x?mchid=1"),
        ("", "/sandbox/wechatpay/v3/pay/JY%7C1", "/v3/pay/JY%7C1"),  # escapes kept as sent
        ("/jiayou", "/jiayou/sandbox/wechatpay/v3/pay/x", "/v3/pay/x"),
        ("/jiayou", "/sandbox/wechatpay/v3/pay/x", "/v3/pay/x"),  # a proxy dropped its prefix
    ],
)
def test_the_signed_url_is_the_path_below_the_base_url(app, script_root, raw_uri, signed):
    with app.test_request_context(
        "/sandbox/wechatpay/v3/pay/x",
        base_url="http://127.0.0.1" + script_root,
        environ_overrides={"RAW_URI": raw_uri},
    ):
        assert canonical_url("/sandbox/wechatpay") == signed


def test_certificates_answer_like_wechat_pay(app, merchant):
    answer = merchant.call("GET", "/v3/certificates")
    assert answer.status_code == 200, answer.text
    assert_signed_by_wechat(app, answer)
    [entry] = answer.json()["data"]
    sealed = entry["encrypt_certificate"]
    assert sealed["algorithm"] == "AEAD_AES_256_GCM" and sealed["associated_data"] == "certificate"
    pem = AESGCM(app.config["WECHATPAY_APIV3_KEY"].encode()).decrypt(
        sealed["nonce"].encode(), base64.b64decode(sealed["ciphertext"]), b"certificate"
    )
    assert pem == Path(app.config["WECHATPAY_PLATFORM_CERTS"]).read_bytes()
    cert = x509.load_pem_x509_certificate(pem)
    assert entry["serial_no"] == format(cert.serial_number, "X")
    for name, moment in (
        ("effective_time", cert.not_valid_before_utc),
        ("expire_time", cert.not_valid_after_utc),
    ):
        assert entry[name].endswith("+08:00") and datetime.fromisoformat(entry[name]) == moment
    error_of(httpx.get(merchant.base + "/sandbox/wechatpay/v3/certificates"), 401, "SIGN_ERROR")


def test_in_certificate_mode_the_list_is_signed_by_the_certificate_it_holds(app, merchant):
    app.config["SANDBOX_WECHATPAY_SIGN_MODE"] = "certificate"
    try:
        answer = merchant.call("GET", "/v3/certificates")
    finally:
        app.config["SANDBOX_WECHATPAY_SIGN_MODE"] = "public_key"
    cert = x509.load_pem_x509_certificate(Path(app.config["WECHATPAY_PLATFORM_CERTS"]).read_bytes())
    headers = answer.headers
    assert headers["Wechatpay-Serial"] == answer.json()["data"][0]["serial_no"]
    message = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n".encode()
    cert.public_key().verify(
        base64.b64decode(headers["Wechatpay-Signature"]),
        message + answer.content + b"\n",
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v3/pay/transactions/native"),
        ("GET", "/v3/bill/tradebill?bill_date=2"),
        ("DELETE", "/v2/pay/nothing"),
        ("GET", "/v3/certificates/more"),
    ],
)
def test_an_unknown_path_answers_404_in_wechat_pays_shape(app, merchant, method, path):
    answer = merchant.call(method, path, {} if method == "POST" else None)
    message = error_of(answer, 404, "RESOURCE_NOT_EXISTS")
    assert set(answer.json()) == {"code", "message"} and path.split("?")[0] in message
    assert answer.headers["Content-Type"] == "application/json"
    assert_signed_by_wechat(app, answer)
    unsigned = httpx.request(method, merchant.base + "/sandbox/wechatpay" + path)
    error_of(unsigned, 404, "RESOURCE_NOT_EXISTS")


def test_a_wrong_method_answers_405_in_wechat_pays_shape(app, merchant):
    answer = merchant.call("GET", "/v3/pay/transactions/jsapi")
    assert "POST" in error_of(answer, 405, "INVALID_REQUEST")
    assert answer.headers["Allow"] == "POST"
    assert_signed_by_wechat(app, answer)
    tools = httpx.get(merchant.base + "/sandbox/wechatpay/faults")
    error_of(tools, 405, "INVALID_REQUEST")
    assert tools.headers["Allow"] == "POST, DELETE"
    error_of(httpx.put(merchant.base + "/sandbox/wechatpay/"), 404, "RESOURCE_NOT_EXISTS")
    # The sandbox's own tools still answer where they are.
    assert httpx.get(merchant.base + "/sandbox/wechatpay/notifications").status_code == 200
    assert httpx.get(merchant.base + "/sandbox/wechatpay").status_code == 200

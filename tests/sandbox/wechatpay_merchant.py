"""A merchant that signs its own requests to the sandbox WeChat Pay, and checks the answers,
with code of its own (not the adapter's), so that the sandbox's checks are tested on their own."""

import base64
import json
import secrets
import time
import uuid
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

SCHEMA = "WECHATPAY2-SHA256-RSA2048"


class Merchant:
    """Signs requests as a merchant would: its key, its certificate serial, its mchid."""

    def __init__(self, app, base: str, notify_url: str, key=None, serial=None, mchid=None):
        pem = Path(app.config["WECHATPAY_PRIVATE_KEY"]).read_bytes()
        self.key = key or serialization.load_pem_private_key(pem, None)
        self.serial = serial or app.config["WECHATPAY_MERCHANT_SERIAL"]
        self.mchid = mchid or app.config["WECHATPAY_MCHID"]
        self.appid = app.config["WECHATPAY_APPID"]
        self.base, self.notify_url = base, notify_url

    def call(self, method, path, body=None, timestamp=None, sign_path=None, raw=None):
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = secrets.token_hex(16)
        # Signed as for WeChat Pay's own host: the path below the base URL, not the mount path.
        url_path = "/sandbox/wechatpay" + path
        message = f"{method}\n{sign_path or path}\n{timestamp}\n{nonce}\n".encode()
        signature = self.key.sign(message + data + b"\n", padding.PKCS1v15(), hashes.SHA256())
        auth = (
            f'{SCHEMA} mchid="{self.mchid}",nonce_str="{nonce}",timestamp="{timestamp}",'
            f'serial_no="{self.serial}",signature="{base64.b64encode(signature).decode()}"'
        )
        headers = {"Authorization": auth, "Accept": "application/json"}
        if data:
            headers["Content-Type"] = "application/json"
        return httpx.request(method, self.base + url_path, content=data or None, headers=headers)

    def order_body(self, **changes) -> dict:
        body = {
            "appid": self.appid,
            "mchid": self.mchid,
            "description": "95号汽油 30L",
            "out_trade_no": "JY" + uuid.uuid4().hex[:20],
            "notify_url": self.notify_url,
            "amount": {"total": 24000, "currency": "CNY"},
            "payer": {"openid": "o-sandbox-driver"},
        }
        body.update(changes)
        return body


def assert_signed_by_wechat(app, response):
    """Checked with the published public key, independently of the adapter."""
    public_key = serialization.load_pem_public_key(
        Path(app.config["WECHATPAY_PUBLIC_KEY"]).read_bytes()
    )
    headers = response.headers
    assert headers["Wechatpay-Signature-Type"] == SCHEMA
    assert headers["Wechatpay-Serial"] == app.config["WECHATPAY_PUBLIC_KEY_ID"]
    assert headers["Request-ID"]
    assert abs(int(headers["Wechatpay-Timestamp"]) - time.time()) < 60
    message = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n".encode()
    public_key.verify(
        base64.b64decode(headers["Wechatpay-Signature"]),
        message + response.content + b"\n",
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


def error_of(response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code, response.text
    return response.json()["message"]

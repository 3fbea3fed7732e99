"""The fake WeChat Pay's own crypto: it checks merchant signatures, signs answers, encrypts.

Written apart from the adapter on purpose: a mistake there must not be mirrored here.
"""

import base64
import os
import re
import secrets
import string
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SCHEMA = "WECHATPAY2-SHA256-RSA2048"
AUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')
ALNUM = string.ascii_letters + string.digits
CHINA = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class PlatformKeys:
    """What the fake WeChat Pay holds: its own private key, and the merchant's certificate."""

    platform_key: rsa.RSAPrivateKey
    platform_cert: x509.Certificate
    platform_serial: str
    public_key_id: str
    merchant_key: rsa.RSAPublicKey
    merchant_serial: str
    apiv3_key: bytes

    def __repr__(self) -> str:
        return f"PlatformKeys(public_key_id={self.public_key_id!r})"


def platform_keys(config) -> PlatformKeys:
    paths = (
        config["SANDBOX_WECHATPAY_PLATFORM_KEY"],
        config["SANDBOX_WECHATPAY_PLATFORM_CERT"],
        config["SANDBOX_WECHATPAY_MERCHANT_CERT"],
    )
    # Re-read a file only when it changes: the keys are parsed once, not on every request.
    stamps = tuple(os.stat(path).st_mtime_ns for path in paths)
    return _load(
        paths,
        stamps,
        config["SANDBOX_WECHATPAY_PUBLIC_KEY_ID"],
        config["SANDBOX_WECHATPAY_APIV3_KEY"],
    )


@lru_cache(maxsize=8)
def _load(paths, _stamps, public_key_id: str, apiv3_key: str) -> PlatformKeys:
    key_path, platform_cert_path, merchant_cert_path = paths
    with open(key_path, "rb") as handle:
        platform_key = serialization.load_pem_private_key(handle.read(), password=None)
    assert isinstance(platform_key, rsa.RSAPrivateKey)
    platform_cert = _cert(platform_cert_path)
    merchant_cert = _cert(merchant_cert_path)
    merchant_key = merchant_cert.public_key()
    assert isinstance(merchant_key, rsa.RSAPublicKey)
    return PlatformKeys(
        platform_key=platform_key,
        platform_cert=platform_cert,
        platform_serial=f"{platform_cert.serial_number:X}",
        public_key_id=public_key_id,
        merchant_key=merchant_key,
        merchant_serial=f"{merchant_cert.serial_number:X}",
        apiv3_key=apiv3_key.encode(),
    )


def _cert(path: str) -> x509.Certificate:
    with open(path, "rb") as handle:
        return x509.load_pem_x509_certificate(handle.read())


def parse_authorization(header: str) -> dict[str, str] | None:
    """The fields of `WECHATPAY2-SHA256-RSA2048 mchid="..",...`, or None if not that schema."""
    schema, _, rest = header.strip().partition(" ")
    if schema != SCHEMA:
        return None
    return dict(AUTH_FIELD.findall(rest))


def merchant_signed(keys: PlatformKeys, method: str, url: str, fields: dict, body: bytes) -> bool:
    """Did the merchant's key sign METHOD\\nURL\\nTIMESTAMP\\nNONCE\\nBODY\\n?"""
    message = b"\n".join(
        [
            method.encode(),
            url.encode(),
            fields["timestamp"].encode(),
            fields["nonce_str"].encode(),
            body,
            b"",
        ]
    )
    try:
        signature = base64.b64decode(fields["signature"], validate=True)
        keys.merchant_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except (ValueError, InvalidSignature):
        return False
    return True


def verify_pay_sign(keys: PlatformKeys, appid: str, params: dict) -> bool:
    """What the WeChat client checks in wx.requestPayment: paySign by the merchant's key."""
    message = "".join(
        f"{part}\n" for part in (appid, params["timeStamp"], params["nonceStr"], params["package"])
    ).encode()
    try:
        signature = base64.b64decode(params["paySign"], validate=True)
        keys.merchant_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except (ValueError, KeyError, InvalidSignature):
        return False
    return True


def signed_headers(keys: PlatformKeys, mode: str, body: bytes) -> dict[str, str]:
    """Wechatpay-* headers over TIMESTAMP\\nNONCE\\nBODY\\n, as public key or certificate."""
    timestamp = str(int(time.time()))
    nonce = "".join(secrets.choice(ALNUM) for _ in range(32))
    message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
    signature = keys.platform_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    serial = keys.platform_serial if mode == "certificate" else keys.public_key_id
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": base64.b64encode(signature).decode(),
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature-Type": SCHEMA,
        "Request-ID": "08" + secrets.token_hex(16).upper(),
    }


def certificate_list(keys: PlatformKeys) -> dict:
    """GET /v3/certificates: the platform certificate, its PEM encrypted with the APIv3 key."""
    cert = keys.platform_cert
    pem = cert.public_bytes(serialization.Encoding.PEM)
    sealed = encrypt_resource(keys.apiv3_key, pem, "certificate")
    return {
        "data": [
            {
                "serial_no": keys.platform_serial,
                "effective_time": china_time(cert.not_valid_before_utc),
                "expire_time": china_time(cert.not_valid_after_utc),
                "encrypt_certificate": sealed,
            }
        ]
    }


def china_time(moment: datetime) -> str:
    return moment.astimezone(CHINA).isoformat(timespec="seconds")


def encrypt_resource(apiv3_key: bytes, plaintext: bytes, associated_data: str) -> dict:
    """AEAD_AES_256_GCM with a 12-character nonce; the 16-byte tag rides at the ciphertext's end."""
    nonce = "".join(secrets.choice(ALNUM) for _ in range(12))
    sealed = AESGCM(apiv3_key).encrypt(nonce.encode(), plaintext, associated_data.encode())
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(sealed).decode(),
        "associated_data": associated_data,
        "nonce": nonce,
    }

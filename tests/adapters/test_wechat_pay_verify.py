"""Checking WeChat Pay's signatures and decrypting notifications, with keys made here."""

import base64
import json
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from werkzeug.datastructures import Headers

from app.adapters.wechat_pay import WeChatPayClient
from app.adapters.wechat_pay_sign import (
    DecryptFailed,
    SignatureInvalid,
    TimestampStale,
    Verifier,
    aes_gcm_decrypt,
    decrypt_resource,
)

PUB_KEY_ID = "PUB_KEY_ID_0119000001092024060100000000000042"
APIV3_KEY = b"Jiayou0123456789Yunnan0123456789"
# Constructed once with AES-256-GCM (key above, nonce "nonce1234567", AAD "transaction"):
KNOWN_PLAIN = b'{"out_trade_no":"JY20240601001","amount":{"total":100}}'
KNOWN_CIPHERTEXT = (
    "rpf+XRQ0l+NIMi1naTLABr/6rhgj4YRUd6TeKklP3JAqgojMi3wN"
    "SU0/3wL5egLtSb+WYgS5OTaO52lWW6pKFkr5tQaZB/k="
)

CHINA = timezone(timedelta(hours=8))


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """WeChat Pay's public-key-mode key, a platform certificate, and files for both."""
    folder = tmp_path_factory.mktemp("wechatpay-keys")
    public_key_mode, certificate_mode, merchant = rsa_key(), rsa_key(), rsa_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "platform")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(certificate_mode.public_key())
        .serial_number(0x5157F09EFDC096DE15EBE81A47057A7232F1B8E1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(certificate_mode, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "pub_key.pem").write_bytes(
        public_key_mode.public_key().public_bytes(
            pem, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    (folder / "platform_cert.pem").write_bytes(cert.public_bytes(pem))
    (folder / "merchant_key.pem").write_bytes(
        merchant.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return {
        "public_key_mode": public_key_mode,
        "certificate_mode": certificate_mode,
        "cert_serial": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "folder": folder,
    }


@pytest.fixture(scope="module")
def verifier(keys):
    folder = keys["folder"]
    return Verifier.from_files(
        PUB_KEY_ID, str(folder / "pub_key.pem"), f" {folder / 'platform_cert.pem'} , "
    )


def signed(key, serial, body: bytes, timestamp=None, nonce="Q" * 32) -> dict:
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
    signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": base64.b64encode(signature).decode(),
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }


BODY = b'{"id":"EV-1","event_type":"TRANSACTION.SUCCESS"}'


def test_both_modes_verify_at_once(keys, verifier):
    assert verifier.serials == sorted([PUB_KEY_ID, keys["cert_serial"]])
    verifier.verify(signed(keys["public_key_mode"], PUB_KEY_ID, BODY), BODY)
    verifier.verify(signed(keys["certificate_mode"], keys["cert_serial"], BODY), BODY)
    # Header names in any case, and serials in lower case, are the same.
    lower = {k.lower(): v for k, v in signed(keys["certificate_mode"], "", BODY).items()}
    lower["wechatpay-serial"] = keys["cert_serial"].lower()
    verifier.verify(lower, BODY)
    verifier.verify(Headers(signed(keys["public_key_mode"], PUB_KEY_ID, b"")), b"")


def test_tampered_body_is_rejected(keys, verifier):
    headers = signed(keys["public_key_mode"], PUB_KEY_ID, BODY)
    with pytest.raises(SignatureInvalid, match="does not match"):
        verifier.verify(headers, BODY.replace(b"EV-1", b"EV-2"))


def test_signature_by_another_key_is_rejected(keys, verifier):
    with pytest.raises(SignatureInvalid, match="does not match"):
        verifier.verify(signed(rsa_key(), PUB_KEY_ID, BODY), BODY)
    # The certificate's key under the public key's id is wrong too.
    with pytest.raises(SignatureInvalid, match="does not match"):
        verifier.verify(signed(keys["certificate_mode"], PUB_KEY_ID, BODY), BODY)


def test_unknown_serial_is_rejected(keys, verifier):
    with pytest.raises(SignatureInvalid, match="unknown Wechatpay-Serial"):
        verifier.verify(signed(keys["public_key_mode"], "PUB_KEY_ID_0000", BODY), BODY)


def test_timestamp_five_minutes_away_is_stale(keys):
    now = 1_717_200_000
    verifier = Verifier({PUB_KEY_ID: keys["public_key_mode"].public_key()}, clock=lambda: now)
    for timestamp in (now - 299, now + 299):
        verifier.verify(signed(keys["public_key_mode"], PUB_KEY_ID, BODY, timestamp), BODY)
    for timestamp in (now - 300, now + 300, now - 86400):
        headers = signed(keys["public_key_mode"], PUB_KEY_ID, BODY, timestamp)
        with pytest.raises(TimestampStale):
            verifier.verify(headers, BODY)


def test_signature_probe_fails(keys, verifier):
    headers = signed(keys["public_key_mode"], PUB_KEY_ID, BODY)
    headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"]
    with pytest.raises(SignatureInvalid, match="probe"):
        verifier.verify(headers, BODY)


@pytest.mark.parametrize("value", [None, "", "WECHATPAY2-SHA256-RSA4096", "SM2"])
def test_missing_or_other_signature_type_is_rejected(keys, verifier, value):
    headers = signed(keys["public_key_mode"], PUB_KEY_ID, BODY)
    if value is None:
        del headers["Wechatpay-Signature-Type"]
    else:
        headers["Wechatpay-Signature-Type"] = value
    with pytest.raises(SignatureInvalid, match="Signature-Type"):
        verifier.verify(headers, BODY)


@pytest.mark.parametrize("header", ["Timestamp", "Nonce", "Signature", "Serial"])
def test_missing_header_is_rejected(keys, verifier, header):
    headers = signed(keys["public_key_mode"], PUB_KEY_ID, BODY)
    del headers["Wechatpay-" + header]
    with pytest.raises(SignatureInvalid, match=f"Wechatpay-{header} header missing"):
        verifier.verify(headers, BODY)


def test_garbled_signature_or_timestamp_is_rejected(keys, verifier):
    headers = signed(keys["public_key_mode"], PUB_KEY_ID, BODY)
    with pytest.raises(SignatureInvalid, match="Base64"):
        verifier.verify({**headers, "Wechatpay-Signature": "not base64!"}, BODY)
    with pytest.raises(SignatureInvalid, match="not a number"):
        verifier.verify({**headers, "Wechatpay-Timestamp": "12e9"}, BODY)


def test_a_verifier_needs_a_key():
    with pytest.raises(ValueError, match="no WeChat Pay public key"):
        Verifier.from_files("", "", "")


def test_aes_gcm_known_vectors():
    assert aes_gcm_decrypt(APIV3_KEY, "nonce1234567", "transaction", KNOWN_CIPHERTEXT) == (
        KNOWN_PLAIN
    )
    # The GCM specification's test case 14: zero key, zero IV, one zero block.
    sealed = bytes.fromhex("cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919")
    decrypted = aes_gcm_decrypt(bytes(32), "\0" * 12, "", base64.b64encode(sealed).decode())
    assert decrypted == bytes(16)


@pytest.mark.parametrize(
    ("key", "nonce", "aad", "ciphertext"),
    [
        (b"Jiayou0123456789Yunnan012345678X", "nonce1234567", "transaction", KNOWN_CIPHERTEXT),
        (APIV3_KEY, "nonce1234568", "transaction", KNOWN_CIPHERTEXT),
        (APIV3_KEY, "nonce1234567", "refund", KNOWN_CIPHERTEXT),
        (APIV3_KEY, "nonce1234567", "transaction", "A" + KNOWN_CIPHERTEXT[1:]),
        (APIV3_KEY, "nonce1234567", "transaction", KNOWN_CIPHERTEXT[:-8] + "=="),
        (APIV3_KEY, "nonce1234567", "transaction", "%%%"),
        (APIV3_KEY[:16], "nonce1234567", "transaction", KNOWN_CIPHERTEXT),
    ],
)
def test_aes_gcm_refuses_any_change(key, nonce, aad, ciphertext):
    with pytest.raises(DecryptFailed):
        aes_gcm_decrypt(key, nonce, aad, ciphertext)


def test_decrypt_resource_checks_algorithm_and_json():
    resource = {
        "algorithm": "AEAD_AES_256_GCM",
        "nonce": "nonce1234567",
        "associated_data": "transaction",
        "ciphertext": KNOWN_CIPHERTEXT,
    }
    assert decrypt_resource(APIV3_KEY, resource) == json.loads(KNOWN_PLAIN)
    with pytest.raises(DecryptFailed, match="AEAD_AES_256_GCM"):
        decrypt_resource(APIV3_KEY, {**resource, "algorithm": "AES_128_CBC"})
    with pytest.raises(DecryptFailed):
        decrypt_resource(APIV3_KEY, {**resource, "nonce": None})
    sealed = AESGCM(APIV3_KEY).encrypt(b"nonce1234567", b"[1, 2]", b"transaction")
    with pytest.raises(DecryptFailed, match="JSON object"):
        decrypt_resource(APIV3_KEY, {**resource, "ciphertext": base64.b64encode(sealed).decode()})


@pytest.fixture(scope="module")
def client(keys, verifier):
    return WeChatPayClient(
        api_base="https://api.mch.weixin.qq.com",
        appid="wxd0e1a2b3c4d5e6f7",
        mchid="1900000109",
        merchant_serial="3A976EB5AE65AADF84B3E133920FB1167F7942CF",
        private_key_path=str(keys["folder"] / "merchant_key.pem"),
        apiv3_key=APIV3_KEY.decode(),
        verifier=verifier,
    )


def notification(resource: dict) -> bytes:
    body = {
        "id": "EV-2018022511223320873",
        "create_time": datetime.now(UTC).astimezone(CHINA).isoformat(timespec="seconds"),
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": {"original_type": "transaction", **resource},
    }
    return json.dumps(body, ensure_ascii=False).encode()


def encrypted(plain: bytes, key=APIV3_KEY, aad="transaction") -> dict:
    sealed = AESGCM(key).encrypt(b"r4nd0mN0nce1", plain, aad.encode())
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(sealed).decode(),
        "associated_data": aad,
        "nonce": "r4nd0mN0nce1",
    }


def test_notification_is_verified_then_decrypted(keys, client):
    body = notification(encrypted(KNOWN_PLAIN))
    result = client.verify_notification(signed(keys["public_key_mode"], PUB_KEY_ID, body), body)
    assert result["resource_plain"] == json.loads(KNOWN_PLAIN)
    assert result["id"] == "EV-2018022511223320873" and result["summary"] == "支付成功"


def test_notification_with_another_apiv3_key_fails(keys, client):
    body = notification(encrypted(KNOWN_PLAIN, key=b"x" * 32))
    with pytest.raises(DecryptFailed):
        client.verify_notification(signed(keys["public_key_mode"], PUB_KEY_ID, body), body)


def test_notification_tampered_after_signing_fails(keys, client):
    body = notification(encrypted(KNOWN_PLAIN))
    headers = signed(keys["certificate_mode"], keys["cert_serial"], body)
    with pytest.raises(SignatureInvalid):
        client.verify_notification(headers, body.replace(b"TRANSACTION", b"REFUND"))


def test_notification_that_is_not_json_fails(keys, client):
    body = b"<xml>v2</xml>"
    with pytest.raises(DecryptFailed, match="JSON"):
        client.verify_notification(signed(keys["public_key_mode"], PUB_KEY_ID, body), body)

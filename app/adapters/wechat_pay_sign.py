"""WeChat Pay v3 crypto, merchant side: signing requests, checking answers, AES-GCM."""

import base64
import binascii
import json
import secrets
import string
import time
from collections.abc import Callable, Mapping

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SCHEMA = "WECHATPAY2-SHA256-RSA2048"
MAX_SKEW_S = 300  # WeChat Pay's rule: reject 5 minutes or more from now
PROBE_PREFIX = "WECHATPAY/SIGNTEST/"
AES_ALGORITHM = "AEAD_AES_256_GCM"
NONCE_ALPHABET = string.ascii_uppercase + string.digits


class WeChatPayException(Exception):
    """Anything that went wrong talking to WeChat Pay."""

    retryable = False


class SignatureInvalid(WeChatPayException):
    """An answer or notification is unsigned, signed by an unknown key, or wrongly signed."""


class TimestampStale(SignatureInvalid):
    """The Wechatpay-Timestamp is 5 minutes or more away from now (a replay, or a wrong clock)."""


class DecryptFailed(WeChatPayException):
    """A notification resource could not be decrypted (wrong APIv3 key, tampered, not JSON)."""


def new_nonce() -> str:
    return "".join(secrets.choice(NONCE_ALPHABET) for _ in range(32))


def load_private_key(path: str) -> rsa.RSAPrivateKey:
    with open(path, "rb") as handle:
        key = serialization.load_pem_private_key(handle.read(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} is not an RSA private key")
    return key


def load_public_key(path: str) -> rsa.RSAPublicKey:
    with open(path, "rb") as handle:
        key = serialization.load_pem_public_key(handle.read())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError(f"{path} is not an RSA public key")
    return key


def load_certificate(path: str) -> tuple[str, rsa.RSAPublicKey]:
    """A platform certificate's serial (upper-case hex, as WeChat writes it) and its key."""
    with open(path, "rb") as handle:
        cert = x509.load_pem_x509_certificate(handle.read())
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError(f"{path} does not hold an RSA key")
    return format(cert.serial_number, "X"), key


def rsa_sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    """RSA SHA-256 PKCS#1 v1.5, Base64."""
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def authorization(
    key: rsa.RSAPrivateKey,
    mchid: str,
    serial: str,
    method: str,
    url: str,
    body: bytes,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> str:
    """The Authorization header for one request; url is its path and query below the API's base
    URL, as sent (/v3/..., percent-escapes kept)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    nonce = nonce or new_nonce()
    message = f"{method}\n{url}\n{timestamp}\n{nonce}\n".encode() + body + b"\n"
    signature = rsa_sign(key, message)
    return (
        f'{SCHEMA} mchid="{mchid}",nonce_str="{nonce}",timestamp="{timestamp}",'
        f'serial_no="{serial}",signature="{signature}"'
    )


class Verifier:
    """Checks WeChat Pay's signature on answers and notifications, by Wechatpay-Serial."""

    def __init__(
        self,
        keys: Mapping[str, rsa.RSAPublicKey],
        clock: Callable[[], float] = time.time,
    ):
        if not keys:
            raise ValueError("no WeChat Pay public key or platform certificate configured")
        self._keys = {serial.upper(): key for serial, key in keys.items()}
        self._clock = clock

    @classmethod
    def from_files(cls, public_key_id: str, public_key_path: str, cert_paths: str) -> "Verifier":
        """The public key (id PUB_KEY_ID_...) and/or comma-separated platform certificate files."""
        keys: dict[str, rsa.RSAPublicKey] = {}
        if public_key_id and public_key_path:
            keys[public_key_id] = load_public_key(public_key_path)
        for path in filter(None, (p.strip() for p in cert_paths.split(","))):
            serial, key = load_certificate(path)
            keys[serial] = key
        return cls(keys)

    @property
    def serials(self) -> list[str]:
        return sorted(self._keys)

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Raise SignatureInvalid (or TimestampStale) unless WeChat Pay signed exactly this body."""
        found = {name.lower(): value for name, value in headers.items()}
        if found.get("wechatpay-signature-type", "") != SCHEMA:
            # Widely used SDKs refuse a message that does not say how it was signed.
            raise SignatureInvalid(f"Wechatpay-Signature-Type is not {SCHEMA}")
        values = {}
        for name in ("timestamp", "nonce", "signature", "serial"):
            values[name] = found.get("wechatpay-" + name, "")
            if not values[name]:
                raise SignatureInvalid(f"Wechatpay-{name.capitalize()} header missing")
        if values["signature"].startswith(PROBE_PREFIX):
            raise SignatureInvalid("a signature probe, which must fail")
        key = self._keys.get(values["serial"].upper())
        if key is None:
            raise SignatureInvalid(f"unknown Wechatpay-Serial {values['serial']!r}")
        if not values["timestamp"].isdigit():
            raise SignatureInvalid("Wechatpay-Timestamp is not a number")
        if abs(self._clock() - int(values["timestamp"])) >= MAX_SKEW_S:
            raise TimestampStale("Wechatpay-Timestamp is 5 minutes or more from now")
        try:
            signature = base64.b64decode(values["signature"], validate=True)
        except (binascii.Error, ValueError):
            raise SignatureInvalid("Wechatpay-Signature is not Base64") from None
        message = f"{values['timestamp']}\n{values['nonce']}\n".encode() + body + b"\n"
        try:
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise SignatureInvalid("signature does not match the body") from None


def aes_gcm_decrypt(apiv3_key: bytes, nonce: str, associated_data: str, ciphertext: str) -> bytes:
    """AEAD_AES_256_GCM as WeChat Pay uses it: Base64 ciphertext with the 16-byte tag at the end."""
    if len(apiv3_key) != 32:
        raise DecryptFailed("the APIv3 key must be 32 bytes")
    try:
        data = base64.b64decode(ciphertext, validate=True)
        return AESGCM(apiv3_key).decrypt(nonce.encode(), data, associated_data.encode())
    except (binascii.Error, ValueError, InvalidTag):
        raise DecryptFailed("resource does not decrypt with the APIv3 key") from None


def decrypt_resource(apiv3_key: bytes, resource: object) -> dict:
    """The notification's resource, decrypted and parsed."""
    if not isinstance(resource, dict) or resource.get("algorithm") != AES_ALGORITHM:
        raise DecryptFailed(f"resource is missing or not {AES_ALGORITHM}")
    fields = [resource.get(name) for name in ("nonce", "associated_data", "ciphertext")]
    fields[1] = fields[1] or ""  # associated_data may be empty or absent
    if not all(isinstance(value, str) for value in fields):
        raise DecryptFailed("resource nonce, associated_data or ciphertext is not a string")
    plain = aes_gcm_decrypt(apiv3_key, *fields)
    try:
        parsed = json.loads(plain)
    except ValueError:
        raise DecryptFailed("decrypted resource is not JSON") from None
    if not isinstance(parsed, dict):
        raise DecryptFailed("decrypted resource is not a JSON object")
    return parsed

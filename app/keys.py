"""Demo WeChat Pay key material, generated once into the instance folder (never committed).

Two parties, each with its own private key, as in real life:
- the merchant (us): an API private key and its certificate (the serial goes in every request);
- the sandbox "WeChat Pay": a platform private key, published both as a WeChat Pay public key
  with an id `PUB_KEY_ID_...` (the current mode) and as a platform certificate with a serial
  (the older mode).
Plus the APIv3 key both sides share, which encrypts notifications.
"""

import json
import os
import secrets
import shutil
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

DIRNAME = "wechatpay-demo"
DEMO_MCHID = "1900000109"
FILES = {
    "merchant_key": "apiclient_key.pem",
    "merchant_cert": "apiclient_cert.pem",
    "platform_key": "sandbox_platform_key.pem",
    "platform_public_key": "pub_key.pem",
    "platform_cert": "wechatpay_platform_cert.pem",
}


def demo_wechatpay_keys(instance_path: str) -> dict[str, str]:
    """Paths and ids of the demo key material; made on first use, then read back."""
    folder = Path(instance_path) / DIRNAME
    if not (folder / "meta.json").exists():
        _generate(folder)
    meta = json.loads((folder / "meta.json").read_text())
    return {**meta, **{name: str(folder / filename) for name, filename in FILES.items()}}


def _generate(folder: Path) -> None:
    # Several processes may start at once (test workers, web workers): build the folder aside
    # and rename it into place; whoever loses the race throws its copy away.
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f".{DIRNAME}-{secrets.token_hex(8)}"
    staging.mkdir(mode=0o700)
    try:
        merchant_key = _rsa_key()
        merchant_cert = _self_signed(merchant_key, f"{DEMO_MCHID} 示例商户")
        platform_key = _rsa_key()
        platform_cert = _self_signed(platform_key, "微信支付沙箱平台证书")
        pem = serialization.Encoding.PEM
        files = {
            "merchant_key": _private_pem(merchant_key),
            "merchant_cert": merchant_cert.public_bytes(pem),
            "platform_key": _private_pem(platform_key),
            "platform_public_key": platform_key.public_key().public_bytes(
                pem, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            "platform_cert": platform_cert.public_bytes(pem),
        }
        for name, data in files.items():
            _write_private(staging / FILES[name], data)
        meta = {
            "merchant_serial": serial_of(merchant_cert),
            "platform_serial": serial_of(platform_cert),
            "public_key_id": "PUB_KEY_ID_01"
            + "".join(secrets.choice("0123456789") for _ in range(30)),
            "apiv3_key": "".join(
                secrets.choice(string.ascii_letters + string.digits) for _ in range(32)
            ),
        }
        _write_private(staging / "meta.json", json.dumps(meta).encode())
        try:
            os.rename(staging, folder)
        except OSError:
            if not (folder / "meta.json").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def serial_of(cert: x509.Certificate) -> str:
    """A certificate serial as WeChat Pay writes it: upper-case hex."""
    return format(cert.serial_number, "X")


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _self_signed(key: rsa.RSAPrivateKey, common_name: str) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Jiayou sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=5 * 365))
        .sign(key, hashes.SHA256())
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)

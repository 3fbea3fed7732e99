"""WeChat Pay settings: demo keys made once for both sides, refusals in production."""

import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from app.config import Config, ConfigError
from app.keys import demo_wechatpay_keys
from tests.settings_env import spoil
from tests.threads import run_together, start_line

# Every test starts from an environment that sets none of the settings.
pytestmark = pytest.mark.usefixtures("clean_settings")


def test_demo_keys_are_made_once_private_and_paired(tmp_path):
    config = Config(str(tmp_path))
    folder = tmp_path / "wechatpay-demo"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name

    merchant_key = serialization.load_pem_private_key(
        Path(config.WECHATPAY_PRIVATE_KEY).read_bytes(), None
    )
    merchant_cert = x509.load_pem_x509_certificate(
        Path(config.SANDBOX_WECHATPAY_MERCHANT_CERT).read_bytes()
    )
    assert merchant_cert.public_key().public_numbers() == merchant_key.public_key().public_numbers()
    assert f"{merchant_cert.serial_number:X}" == config.WECHATPAY_MERCHANT_SERIAL

    platform_key = serialization.load_pem_private_key(
        Path(config.SANDBOX_WECHATPAY_PLATFORM_KEY).read_bytes(), None
    )
    published = serialization.load_pem_public_key(Path(config.WECHATPAY_PUBLIC_KEY).read_bytes())
    platform_cert = x509.load_pem_x509_certificate(
        Path(config.WECHATPAY_PLATFORM_CERTS).read_bytes()
    )
    expected = platform_key.public_key().public_numbers()
    assert published.public_numbers() == expected
    assert platform_cert.public_key().public_numbers() == expected
    assert config.WECHATPAY_PLATFORM_CERTS == config.SANDBOX_WECHATPAY_PLATFORM_CERT
    assert platform_key.key_size == merchant_key.key_size == 2048

    assert config.WECHATPAY_PUBLIC_KEY_ID.startswith("PUB_KEY_ID_")
    assert config.WECHATPAY_PUBLIC_KEY_ID == config.SANDBOX_WECHATPAY_PUBLIC_KEY_ID
    assert len(config.WECHATPAY_APIV3_KEY.encode()) == 32
    assert config.SANDBOX_WECHATPAY_APIV3_KEY == config.WECHATPAY_APIV3_KEY
    # The adapter is told only public material of the sandbox, and vice versa.
    assert "platform_key" not in config.WECHATPAY_PUBLIC_KEY
    assert config.SANDBOX_WECHATPAY_MERCHANT_CERT != config.WECHATPAY_PRIVATE_KEY

    again = Config(str(tmp_path))
    assert again.WECHATPAY_APIV3_KEY == config.WECHATPAY_APIV3_KEY
    assert again.WECHATPAY_MERCHANT_SERIAL == config.WECHATPAY_MERCHANT_SERIAL


def test_processes_starting_together_share_one_set_of_keys(tmp_path):
    results, start = [], start_line(4)

    def make():
        start.wait()
        results.append(demo_wechatpay_keys(str(tmp_path)))

    run_together(*[make] * 4, barrier=start)
    assert len(results) == 4 and all(result == results[0] for result in results)
    assert [p.name for p in tmp_path.iterdir()] == ["wechatpay-demo"]  # no half-made copies


def test_demo_defaults_follow_the_public_base_url(tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:8123/")
    config = Config(str(tmp_path))
    assert config.WECHATPAY_API_BASE == "http://127.0.0.1:8123/sandbox/wechatpay"
    assert config.WECHATPAY_NOTIFY_URL == "http://127.0.0.1:8123/api/v1/payments/wechat/notify"
    assert config.WECHATPAY_APPID == config.WECHAT_APPID
    assert config.WECHATPAY_MCHID == "1900000109"
    assert config.SANDBOX_WECHATPAY_SIGN_MODE == "public_key"


def test_production_uses_the_real_host_and_makes_no_demo_keys(tmp_path, production):
    config = Config(str(tmp_path))
    assert config.WECHATPAY_API_BASE == "https://api.mch.weixin.qq.com"
    assert config.WECHATPAY_NOTIFY_URL == "https://jiayou.example.com/api/v1/payments/wechat/notify"
    assert config.WECHATPAY_PUBLIC_KEY_ID.endswith("0001")
    assert not (tmp_path / "wechatpay-demo").exists()


def test_production_accepts_platform_certificates_alone(tmp_path, monkeypatch, production):
    monkeypatch.delenv("WECHATPAY_PUBLIC_KEY_ID")
    monkeypatch.delenv("WECHATPAY_PUBLIC_KEY")
    monkeypatch.setenv("WECHATPAY_PLATFORM_CERTS", "/etc/jiayou/a.pem,/etc/jiayou/b.pem")
    assert Config(str(tmp_path)).WECHATPAY_PLATFORM_CERTS == "/etc/jiayou/a.pem,/etc/jiayou/b.pem"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("WECHATPAY_MCHID", None, "WECHATPAY_MCHID must be set"),
        ("WECHATPAY_MERCHANT_SERIAL", None, "WECHATPAY_MERCHANT_SERIAL must be set"),
        ("WECHATPAY_PRIVATE_KEY", None, "WECHATPAY_PRIVATE_KEY must be set"),
        ("WECHATPAY_APIV3_KEY", None, "WECHATPAY_APIV3_KEY must be set"),
        ("WECHATPAY_APIV3_KEY", "k" * 31, "32 characters"),
        ("WECHATPAY_PUBLIC_KEY", None, "go together"),
        ("WECHATPAY_PUBLIC_KEY_ID", "0112300001092024060100000000000001", "PUB_KEY_ID_"),
        ("PUBLIC_BASE_URL", "http://jiayou.example.com", "https"),
        ("WECHATPAY_NOTIFY_URL", "http://jiayou.example.com/notify", "https"),
    ],
)
def test_production_refuses_missing_or_unsafe_wechatpay_settings(
    tmp_path, monkeypatch, production, name, value, message
):
    spoil(monkeypatch, name, value)
    with pytest.raises(ConfigError, match=message):
        Config(str(tmp_path))


def test_production_needs_a_way_to_check_wechat(tmp_path, monkeypatch, production):
    monkeypatch.delenv("WECHATPAY_PUBLIC_KEY_ID")
    monkeypatch.delenv("WECHATPAY_PUBLIC_KEY")
    with pytest.raises(ConfigError, match="WECHATPAY_PLATFORM_CERTS"):
        Config(str(tmp_path))


def test_sandbox_settings_are_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("SANDBOX_WECHATPAY_SIGN_MODE", "platform")
    with pytest.raises(ConfigError, match="SIGN_MODE"):
        Config(str(tmp_path))
    monkeypatch.setenv("SANDBOX_WECHATPAY_SIGN_MODE", "certificate")
    monkeypatch.setenv("SANDBOX_WECHATPAY_RETRY_SCALE", "0")
    with pytest.raises(ConfigError, match="RETRY_SCALE"):
        Config(str(tmp_path))

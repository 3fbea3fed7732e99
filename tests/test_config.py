"""Settings: strict parsing, demo secrets in the instance folder, refusals in production."""

import json
import stat

import pytest

from app.config import Config, ConfigError
from tests.settings_env import PRODUCTION, spoil

# Every test starts from an environment that sets none of the settings.
pytestmark = pytest.mark.usefixtures("clean_settings")


def test_defaults_are_the_embedded_demo(tmp_path):
    config = Config(str(tmp_path)).as_dict()

    assert config["ENV"] == "development"
    assert config["SANDBOX"] is True
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/jiayou.db"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert config["WECHAT_API_BASE"] == "http://127.0.0.1:5000/sandbox/wechat"
    assert config["SESSION_COOKIE_SECURE"] is False


def test_sandbox_follows_public_base_url(tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:8123/")

    config = Config(str(tmp_path))

    assert config.PUBLIC_BASE_URL == "http://127.0.0.1:8123"
    assert config.WECHAT_API_BASE == "http://127.0.0.1:8123/sandbox/wechat"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("TRUE", True), ("1", True), ("false", False), ("0", False)],
)
def test_booleans_accept_true_false_one_zero(tmp_path, monkeypatch, raw, expected):
    monkeypatch.setenv("RATELIMIT_ENABLED", raw)

    assert Config(str(tmp_path)).RATELIMIT_ENABLED is expected


@pytest.mark.parametrize("raw", ["yes", "no", "on", "off", "tru"])
def test_booleans_refuse_anything_else(tmp_path, monkeypatch, raw):
    monkeypatch.setenv("SANDBOX", raw)

    with pytest.raises(ConfigError, match="SANDBOX must be true or false"):
        Config(str(tmp_path))


def test_integers_are_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("API_TOKEN_TTL_S", "a week")

    with pytest.raises(ConfigError, match="API_TOKEN_TTL_S must be an integer"):
        Config(str(tmp_path))


def test_photo_limit_bounds_the_request_size(tmp_path, monkeypatch):
    monkeypatch.setenv("MAX_PHOTO_BYTES", "1000000")

    config = Config(str(tmp_path))

    assert config.MAX_PHOTO_BYTES == 1_000_000
    assert 1_000_000 < config.MAX_CONTENT_LENGTH <= 1_000_000 + 64 * 1024


def test_job_timings_keep_the_minute_promised_and_make_sense(tmp_path, monkeypatch):
    config = Config(str(tmp_path))
    # A job whose worker died or that Redis lost is handed out again within a lease and a poll.
    assert config.JOBS_LEASE_S + config.JOBS_POLL_MS / 1000 < 60

    monkeypatch.setenv("JOBS_POLL_MS", "1000")
    monkeypatch.setenv("JOBS_LEASE_S", "4")  # renewed once a poll: a lease must outlast several
    with pytest.raises(ConfigError, match="JOBS_LEASE_S"):
        Config(str(tmp_path))


def test_unknown_mode_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("JIAYOU_ENV", "staging")

    with pytest.raises(ConfigError, match="JIAYOU_ENV"):
        Config(str(tmp_path))


def test_demo_secrets_are_generated_once_private_and_reused(tmp_path):
    first = Config(str(tmp_path))
    path = tmp_path / "demo-secrets.json"

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {
        "SECRET_KEY": first.SECRET_KEY,
        "WECHAT_SECRET": first.WECHAT_SECRET,
        "CARD_SECRET_KEY": first.CARD_SECRET_KEY,
    }
    assert first.SECRET_KEY.startswith("demo-") and len(first.SECRET_KEY) > 40
    assert len({first.SECRET_KEY, first.WECHAT_SECRET, first.CARD_SECRET_KEY}) == 3

    second = Config(str(tmp_path))

    assert (second.SECRET_KEY, second.WECHAT_SECRET, second.CARD_SECRET_KEY) == (
        first.SECRET_KEY,
        first.WECHAT_SECRET,
        first.CARD_SECRET_KEY,
    )
    assert Config(str(tmp_path / "other")).SECRET_KEY != first.SECRET_KEY


def test_an_older_instance_folder_gets_the_card_key_beside_its_secrets(tmp_path):
    """demo-secrets.json made before CARD_SECRET_KEY existed is kept as it is."""
    old = {"SECRET_KEY": "demo-old-session-key", "WECHAT_SECRET": "demo-old-wechat-secret"}
    (tmp_path / "demo-secrets.json").write_text(json.dumps(old))

    first = Config(str(tmp_path))

    assert first.SECRET_KEY == "demo-old-session-key"
    assert first.WECHAT_SECRET == "demo-old-wechat-secret"
    assert first.CARD_SECRET_KEY.startswith("demo-") and first.CARD_SECRET_KEY != first.SECRET_KEY
    assert json.loads((tmp_path / "demo-secrets.json").read_text()) == old
    extra = tmp_path / "demo-secret-CARD_SECRET_KEY.json"
    assert stat.S_IMODE(extra.stat().st_mode) == 0o600
    assert Config(str(tmp_path)).CARD_SECRET_KEY == first.CARD_SECRET_KEY


def test_a_secret_from_the_environment_wins_over_the_demo_one(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")

    config = Config(str(tmp_path))

    assert config.SECRET_KEY == "from-the-environment"
    assert config.WECHAT_SECRET.startswith("demo-")


def test_production_starts_with_real_settings(tmp_path, production):
    config = Config(str(tmp_path))

    assert config.SANDBOX is False
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://jiayou@db.internal:5432/jiayou"
    assert config.RATELIMIT_STORAGE_URI == "redis://cache.internal:6379/0"
    assert config.WECHAT_API_BASE == "https://api.weixin.qq.com"
    assert config.SESSION_COOKIE_SECURE is True
    assert config.REMEMBER_COOKIE_SECURE is True
    assert not (tmp_path / "demo-secrets.json").exists()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SECRET_KEY", None, "SECRET_KEY must be set"),
        ("WECHAT_SECRET", None, "WECHAT_SECRET must be set"),
        ("SECRET_KEY", "demo-" + "x" * 40, "SECRET_KEY is a demo"),
        ("WECHAT_SECRET", "short", "WECHAT_SECRET is a demo or too short"),
        ("CARD_SECRET_KEY", None, "CARD_SECRET_KEY must be set"),
        ("CARD_SECRET_KEY", "demo-" + "x" * 40, "CARD_SECRET_KEY is a demo"),
        ("CARD_SECRET_KEY", "k" * 40, "CARD_SECRET_KEY must differ from SECRET_KEY"),
        ("SANDBOX", "true", "SANDBOX must be false"),
        ("DATABASE_URL", "sqlite:////srv/jiayou.db", "PostgreSQL"),
        ("DATABASE_URL", None, "PostgreSQL"),
        ("WECHAT_APPID", None, "WECHAT_APPID must be set"),
    ],
)
def test_production_refuses_unsafe_settings(
    tmp_path, monkeypatch, production, name, value, message
):
    spoil(monkeypatch, name, value)

    with pytest.raises(ConfigError, match=message):
        Config(str(tmp_path))


def test_production_refuses_a_copied_demo_secret(tmp_path, monkeypatch):
    demo_key = Config(str(tmp_path)).SECRET_KEY
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SECRET_KEY", demo_key)

    with pytest.raises(ConfigError, match="SECRET_KEY is a demo"):
        Config(str(tmp_path))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@127.0.0.1:5432/j", "postgresql+psycopg://u:p@127.0.0.1:5432/j"),
        ("postgresql://u@127.0.0.1/j", "postgresql+psycopg://u@127.0.0.1/j"),
        ("postgresql+psycopg://u@127.0.0.1/j", "postgresql+psycopg://u@127.0.0.1/j"),
        ("sqlite:////var/lib/jiayou/jiayou.db", "sqlite:////var/lib/jiayou/jiayou.db"),
    ],
)
def test_database_url_is_normalised_to_psycopg3(tmp_path, monkeypatch, given, expected):
    monkeypatch.setenv("DATABASE_URL", given)

    assert Config(str(tmp_path)).as_dict()["SQLALCHEMY_DATABASE_URI"] == expected


def test_overrides_win_over_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")

    config = Config(str(tmp_path), {"LOG_LEVEL": "WARNING", "TESTING": True})

    assert config.as_dict()["LOG_LEVEL"] == "WARNING"
    assert config.as_dict()["TESTING"] is True


def test_trusted_proxy_hands_the_client_address_to_the_app(tmp_path, monkeypatch):
    from flask import request

    from app import create_app

    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "JOBS_MODE": "manual"}
    )
    app.add_url_rule("/whoami", "whoami", lambda: request.remote_addr)
    client = app.test_client()
    seen = client.get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen.get_data(as_text=True) == "203.0.113.9"
    monkeypatch.setenv("TRUSTED_PROXIES", "0")
    plain = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "JOBS_MODE": "manual"}
    )
    plain.add_url_rule("/whoami", "whoami", lambda: request.remote_addr)
    spoofed = plain.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert spoofed.get_data(as_text=True) == "127.0.0.1"


def test_the_instance_folder_comes_from_the_argument_or_instance_path(tmp_path, monkeypatch):
    from app import create_app

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "from-env"))
    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "JOBS_MODE": "manual"}
    from_env = create_app(settings)
    assert from_env.instance_path == str(tmp_path / "from-env")
    assert (tmp_path / "from-env" / "demo-secrets.json").exists()
    assert from_env.config["WECHATPAY_PRIVATE_KEY"].startswith(str(tmp_path / "from-env"))
    given = create_app(settings, instance_path=str(tmp_path / "given"))
    assert given.instance_path == str(tmp_path / "given")
    assert (tmp_path / "given" / "wechatpay-demo" / "meta.json").exists()

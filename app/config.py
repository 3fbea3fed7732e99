"""Settings from environment variables; the defaults are the embedded demo."""

import json
import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """A setting is missing or unsafe for the chosen mode."""


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean strictly: only true/false/1/0 (any case) are accepted."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, not {raw!r}") from None


DEMO_SECRET_NAMES = ("SECRET_KEY", "WECHAT_SECRET")


def demo_secrets(instance_path: str) -> dict[str, str]:
    """Secrets for the embedded demo, generated once into the instance folder (never committed)."""
    path = Path(instance_path) / "demo-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    values = {name: "demo-" + secrets.token_urlsafe(32) for name in DEMO_SECRET_NAMES}
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


class Config:
    """All settings, read once from the environment when the app is created."""

    def __init__(self, instance_path: str, overrides: dict | None = None):
        env = os.environ.get
        self.ENV = env("JIAYOU_ENV", "development")
        if self.ENV not in ("development", "production"):
            raise ConfigError("JIAYOU_ENV must be development or production")
        production = self.ENV == "production"
        self.SANDBOX = env_bool("SANDBOX", not production)
        sqlite_path = Path(instance_path) / "jiayou.db"
        self.SQLALCHEMY_DATABASE_URI = normalise_db_url(
            env("DATABASE_URL", f"sqlite:///{sqlite_path}")
        )
        self.REDIS_URL = env("REDIS_URL", "")
        self.RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", self.REDIS_URL or "memory://")
        self.RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
        self.PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        default_wechat = (
            self.PUBLIC_BASE_URL + "/sandbox/wechat"
            if self.SANDBOX
            else "https://api.weixin.qq.com"
        )
        self.WECHAT_API_BASE = env("WECHAT_API_BASE", default_wechat).rstrip("/")
        self.WECHAT_APPID = env("WECHAT_APPID", "wxd0e1a2b3c4d5e6f7" if self.SANDBOX else "")
        self.WECHAT_TIMEOUT_S = env_int("WECHAT_TIMEOUT_S", 5)
        self.API_TOKEN_TTL_S = env_int("API_TOKEN_TTL_S", 7 * 24 * 3600)
        self.MAX_PHOTO_BYTES = env_int("MAX_PHOTO_BYTES", 5 * 1024 * 1024)
        self.MAX_CONTENT_LENGTH = self.MAX_PHOTO_BYTES + 64 * 1024
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = production
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = production
        self.PERMANENT_SESSION_LIFETIME = env_int("SESSION_LIFETIME_S", 12 * 3600)
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
        self.LOG_LEVEL = env("LOG_LEVEL", "INFO")

        secrets_given = {name: env(name, "") for name in DEMO_SECRET_NAMES}
        if production:
            self._check_production(secrets_given)
        else:
            generated = demo_secrets(instance_path)
            for name in DEMO_SECRET_NAMES:
                secrets_given[name] = secrets_given[name] or generated[name]
        self.SECRET_KEY = secrets_given["SECRET_KEY"]
        self.WECHAT_SECRET = secrets_given["WECHAT_SECRET"]
        for key, value in (overrides or {}).items():
            setattr(self, key, value)

    def _check_production(self, given: dict[str, str]) -> None:
        for name, value in given.items():
            if not value:
                raise ConfigError(f"{name} must be set in production")
            if value.startswith("demo-") or len(value) < 16:
                raise ConfigError(f"{name} is a demo or too short a secret; refusing to start")
        if self.SANDBOX:
            raise ConfigError("SANDBOX must be false in production")
        if self.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            raise ConfigError("production needs DATABASE_URL pointing to PostgreSQL")
        if not self.WECHAT_APPID:
            raise ConfigError("WECHAT_APPID must be set in production")

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}


def normalise_db_url(url: str) -> str:
    """Let operators write postgres:// or postgresql:// and still get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url

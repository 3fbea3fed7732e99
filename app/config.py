"""Settings from environment variables; the defaults are the embedded demo."""

import json
import os
import secrets
from pathlib import Path

from app.keys import DEMO_MCHID, demo_wechatpay_keys


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


# CARD_SECRET_KEY keys the stored hashes of recharge card secrets: on its own, so that rotating
# SECRET_KEY (sessions, CSRF, pickup codes) never makes unredeemed cards unredeemable.
DEMO_SECRET_NAMES = ("SECRET_KEY", "WECHAT_SECRET", "CARD_SECRET_KEY")


def demo_secrets(instance_path: str) -> dict[str, str]:
    """Secrets for the embedded demo, generated once into the instance folder (never committed).

    A name added after the folder's demo-secrets.json was made gets its own file beside it
    (demo-secret-<name>.json), made once in the same way, so the first file never changes."""
    folder = Path(instance_path)
    values = _made_once(
        folder / "demo-secrets.json",
        {name: "demo-" + secrets.token_urlsafe(32) for name in DEMO_SECRET_NAMES},
    )
    for name in DEMO_SECRET_NAMES:
        if name not in values:
            later = _made_once(
                folder / f"demo-secret-{name}.json", {name: "demo-" + secrets.token_urlsafe(32)}
            )
            values[name] = later[name]
    return values


def _made_once(path: Path, values: dict[str, str]) -> dict[str, str]:
    """The values in path, written there first if it does not exist yet."""
    if path.exists():
        return json.loads(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside with mode 0600 and linked into place: never readable by others, and two
    # processes starting together both end up with the one file that won.
    aside = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps(values))
    try:
        os.link(aside, path)  # fails if another process got there first
    except FileExistsError:
        values = json.loads(path.read_text())
    finally:
        aside.unlink()
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
        # Redis down: each process counts in its own memory meanwhile, instead of answering
        # every limited request (the logins) with a 500.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        # Reverse proxies in front (nginx, a load balancer): their X-Forwarded-For/-Proto are
        # believed for this many hops, so rate limits and logs see the real client address.
        self.TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
        # inline: a thread in each web process runs due jobs (the embedded demo);
        # rq: `flask worker` processes run them from Redis; manual: only when called (tests).
        self.JOBS_MODE = env("JOBS_MODE", "rq" if self.REDIS_URL else "inline")
        if self.JOBS_MODE not in ("inline", "rq", "manual"):
            raise ConfigError("JOBS_MODE must be inline, rq or manual")
        # How often due jobs are looked for (and a worker renews the leases of the jobs it
        # holds), and how long a job handed to RQ may go without a sign of life before it is
        # handed out again (its worker was killed, or Redis lost it): see docs/deploy.md.
        self.JOBS_POLL_MS = env_int("JOBS_POLL_MS", 1000)
        self.JOBS_LEASE_S = env_int("JOBS_LEASE_S", 30)
        if self.JOBS_POLL_MS < 10 or self.JOBS_LEASE_S * 1000 < 5 * self.JOBS_POLL_MS:
            raise ConfigError("JOBS_POLL_MS must be 10 or more and JOBS_LEASE_S 5 polls or more")
        self.PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        default_wechat = (
            self.PUBLIC_BASE_URL + "/sandbox/wechat"
            if self.SANDBOX
            else "https://api.weixin.qq.com"
        )
        self.WECHAT_API_BASE = env("WECHAT_API_BASE", default_wechat).rstrip("/")
        self.WECHAT_APPID = env("WECHAT_APPID", "wxd0e1a2b3c4d5e6f7" if self.SANDBOX else "")
        self.WECHAT_TIMEOUT_S = env_int("WECHAT_TIMEOUT_S", 5)
        self._wechatpay(instance_path, production)
        self.API_TOKEN_TTL_S = env_int("API_TOKEN_TTL_S", 7 * 24 * 3600)
        self.API_LOGIN_RATE_LIMIT = env("API_LOGIN_RATE_LIMIT", "30 per minute")
        # Raise the version when the notice's words (app/services/members/consent.py) or the
        # contact change: every driver is asked to agree again.
        self.PRIVACY_NOTICE_VERSION = env("PRIVACY_NOTICE_VERSION", "1").strip()
        if not 1 <= len(self.PRIVACY_NOTICE_VERSION) <= 20:
            raise ConfigError("PRIVACY_NOTICE_VERSION must be 1 to 20 characters")
        self.PRIVACY_CONTACT = env("PRIVACY_CONTACT", "").strip()
        # The member code (会员码) works this long after it is shown; the mini-program asks for a
        # new one about 10 s before.
        self.MEMBER_CODE_TTL_S = env_int("MEMBER_CODE_TTL_S", 60)
        if not 20 <= self.MEMBER_CODE_TTL_S <= 300:
            raise ConfigError("MEMBER_CODE_TTL_S must be between 20 and 300")
        self.MEMBER_CODE_RATE_LIMIT = env("MEMBER_CODE_RATE_LIMIT", "20 per minute")
        self.ATTENDANT_LOCK_MINUTES = env_int("ATTENDANT_LOCK_MINUTES", 5)
        # A fuel's totalizer litres (走字 less 回罐) may differ this much from its sold litres
        # in a shift before the handover flags it.
        self.SHIFT_METER_TOLERANCE_ML = env_int("SHIFT_METER_TOLERANCE_ML", 500)
        if not 0 <= self.SHIFT_METER_TOLERANCE_ML <= 1_000_000:
            raise ConfigError("SHIFT_METER_TOLERANCE_ML must be between 0 and 1000000")
        self.LIVE_WAIT_MAX_S = env_int("LIVE_WAIT_MAX_S", 25)
        self.DASHBOARD_REFRESH_S = env_int("DASHBOARD_REFRESH_S", 15)
        if not 1 <= self.DASHBOARD_REFRESH_S <= 3600:
            raise ConfigError("DASHBOARD_REFRESH_S must be between 1 and 3600")
        self.COUNTER_LIVE_POLL_S = env_int("COUNTER_LIVE_POLL_S", 3)
        if not 1 <= self.COUNTER_LIVE_POLL_S <= 60:
            raise ConfigError("COUNTER_LIVE_POLL_S must be between 1 and 60")
        self.MAX_PHOTO_BYTES = env_int("MAX_PHOTO_BYTES", 5 * 1024 * 1024)
        self.MAX_CONTENT_LENGTH = self.MAX_PHOTO_BYTES + 64 * 1024
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
        self.CARD_SECRET_KEY = secrets_given["CARD_SECRET_KEY"]
        for key, value in (overrides or {}).items():
            setattr(self, key, value)

    def _check_production(self, given: dict[str, str]) -> None:
        for name, value in given.items():
            if not value:
                raise ConfigError(f"{name} must be set in production")
            if value.startswith("demo-") or len(value) < 16:
                raise ConfigError(f"{name} is a demo or too short a secret; refusing to start")
        if given["CARD_SECRET_KEY"] == given["SECRET_KEY"]:
            raise ConfigError("CARD_SECRET_KEY must differ from SECRET_KEY")
        if self.SANDBOX:
            raise ConfigError("SANDBOX must be false in production")
        if self.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            raise ConfigError("production needs DATABASE_URL pointing to PostgreSQL")
        if not self.WECHAT_APPID:
            raise ConfigError("WECHAT_APPID must be set in production")
        self._check_wechatpay()

    def _wechatpay(self, instance_path: str, production: bool) -> None:
        """WeChat Pay v3: our merchant keys, WeChat's public key or certificates, the sandbox's."""
        env = os.environ.get
        # Outside production the demo keys of both sides are made once in the instance folder.
        demo = {} if production else demo_wechatpay_keys(instance_path)
        self.WECHATPAY_API_BASE = env(
            "WECHATPAY_API_BASE",
            self.PUBLIC_BASE_URL + "/sandbox/wechatpay"
            if self.SANDBOX
            else "https://api.mch.weixin.qq.com",
        ).rstrip("/")
        self.WECHATPAY_APPID = env("WECHATPAY_APPID", self.WECHAT_APPID)
        self.WECHATPAY_MCHID = env("WECHATPAY_MCHID", DEMO_MCHID if demo else "")
        self.WECHATPAY_MERCHANT_SERIAL = env(
            "WECHATPAY_MERCHANT_SERIAL", demo.get("merchant_serial", "")
        )
        self.WECHATPAY_PRIVATE_KEY = env("WECHATPAY_PRIVATE_KEY", demo.get("merchant_key", ""))
        self.WECHATPAY_APIV3_KEY = env("WECHATPAY_APIV3_KEY", demo.get("apiv3_key", ""))
        self.WECHATPAY_PUBLIC_KEY_ID = env("WECHATPAY_PUBLIC_KEY_ID", demo.get("public_key_id", ""))
        self.WECHATPAY_PUBLIC_KEY = env("WECHATPAY_PUBLIC_KEY", demo.get("platform_public_key", ""))
        self.WECHATPAY_PLATFORM_CERTS = env(
            "WECHATPAY_PLATFORM_CERTS", demo.get("platform_cert", "")
        )
        self.WECHATPAY_NOTIFY_URL = env(
            "WECHATPAY_NOTIFY_URL", self.PUBLIC_BASE_URL + "/api/v1/payments/wechat/notify"
        )
        self.WECHATPAY_TIMEOUT_S = env_int("WECHATPAY_TIMEOUT_S", 10)
        # The sandbox's side: the merchant's certificate, its own platform key, the APIv3 key.
        self.SANDBOX_WECHATPAY_MERCHANT_CERT = env(
            "SANDBOX_WECHATPAY_MERCHANT_CERT", demo.get("merchant_cert", "")
        )
        self.SANDBOX_WECHATPAY_PLATFORM_KEY = env(
            "SANDBOX_WECHATPAY_PLATFORM_KEY", demo.get("platform_key", "")
        )
        self.SANDBOX_WECHATPAY_PLATFORM_CERT = env(
            "SANDBOX_WECHATPAY_PLATFORM_CERT", demo.get("platform_cert", "")
        )
        self.SANDBOX_WECHATPAY_PUBLIC_KEY_ID = env(
            "SANDBOX_WECHATPAY_PUBLIC_KEY_ID", demo.get("public_key_id", "")
        )
        self.SANDBOX_WECHATPAY_APIV3_KEY = env(
            "SANDBOX_WECHATPAY_APIV3_KEY", demo.get("apiv3_key", "")
        )
        self.SANDBOX_WECHATPAY_SIGN_MODE = env("SANDBOX_WECHATPAY_SIGN_MODE", "public_key")
        if self.SANDBOX_WECHATPAY_SIGN_MODE not in ("public_key", "certificate"):
            raise ConfigError("SANDBOX_WECHATPAY_SIGN_MODE must be public_key or certificate")
        self.SANDBOX_WECHATPAY_RETRY_SCALE = env_int("SANDBOX_WECHATPAY_RETRY_SCALE", 15)
        if self.SANDBOX_WECHATPAY_RETRY_SCALE < 1:
            raise ConfigError("SANDBOX_WECHATPAY_RETRY_SCALE must be 1 or more")
        self.SANDBOX_WECHATPAY_REFUND_DELAY_MS = env_int("SANDBOX_WECHATPAY_REFUND_DELAY_MS", 1000)

    def _check_wechatpay(self) -> None:
        for name in (
            "WECHATPAY_MCHID",
            "WECHATPAY_MERCHANT_SERIAL",
            "WECHATPAY_PRIVATE_KEY",
            "WECHATPAY_APIV3_KEY",
        ):
            if not getattr(self, name):
                raise ConfigError(f"{name} must be set in production")
        if len(self.WECHATPAY_APIV3_KEY.encode()) != 32:
            raise ConfigError("WECHATPAY_APIV3_KEY must be 32 characters")
        if bool(self.WECHATPAY_PUBLIC_KEY_ID) != bool(self.WECHATPAY_PUBLIC_KEY):
            raise ConfigError("WECHATPAY_PUBLIC_KEY_ID and WECHATPAY_PUBLIC_KEY go together")
        if self.WECHATPAY_PUBLIC_KEY_ID and not self.WECHATPAY_PUBLIC_KEY_ID.startswith(
            "PUB_KEY_ID_"
        ):
            raise ConfigError("WECHATPAY_PUBLIC_KEY_ID must start with PUB_KEY_ID_")
        if not (self.WECHATPAY_PUBLIC_KEY or self.WECHATPAY_PLATFORM_CERTS):
            raise ConfigError(
                "WECHATPAY_PUBLIC_KEY_ID + WECHATPAY_PUBLIC_KEY or WECHATPAY_PLATFORM_CERTS"
                " must be set in production"
            )
        if not self.WECHATPAY_NOTIFY_URL.startswith("https://"):
            raise ConfigError("WECHATPAY_NOTIFY_URL must be an https URL in production")

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}


def normalise_db_url(url: str) -> str:
    """Let operators write postgres:// or postgresql:// and still get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url

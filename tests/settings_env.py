"""The environment variables app.config reads, for the tests of the settings (the fixtures
clean_settings and production in tests/conftest.py)."""

SETTINGS = (
    "JIAYOU_ENV",
    "SANDBOX",
    "DATABASE_URL",
    "REDIS_URL",
    "RATELIMIT_STORAGE_URI",
    "RATELIMIT_ENABLED",
    "PUBLIC_BASE_URL",
    "WECHAT_API_BASE",
    "WECHAT_APPID",
    "WECHAT_SECRET",
    "WECHAT_TIMEOUT_S",
    "API_TOKEN_TTL_S",
    "MAX_PHOTO_BYTES",
    "SESSION_LIFETIME_S",
    "SECRET_KEY",
    "CARD_SECRET_KEY",
    "LOG_LEVEL",
    "WECHATPAY_API_BASE",
    "WECHATPAY_APPID",
    "WECHATPAY_MCHID",
    "WECHATPAY_MERCHANT_SERIAL",
    "WECHATPAY_PRIVATE_KEY",
    "WECHATPAY_APIV3_KEY",
    "WECHATPAY_PUBLIC_KEY_ID",
    "WECHATPAY_PUBLIC_KEY",
    "WECHATPAY_PLATFORM_CERTS",
    "WECHATPAY_NOTIFY_URL",
    "WECHATPAY_TIMEOUT_S",
    "SANDBOX_WECHATPAY_SIGN_MODE",
    "SANDBOX_WECHATPAY_RETRY_SCALE",
)

# A complete production environment that starts; a test takes one setting away or spoils it.
PRODUCTION = {
    "JIAYOU_ENV": "production",
    "DATABASE_URL": "postgresql://jiayou@db.internal:5432/jiayou",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "PUBLIC_BASE_URL": "https://jiayou.example.com",
    "SECRET_KEY": "k" * 40,
    "WECHAT_SECRET": "w" * 32,
    "CARD_SECRET_KEY": "c" * 40,
    "WECHAT_APPID": "wx0123456789abcdef",
    "WECHATPAY_MCHID": "1230000109",
    "WECHATPAY_MERCHANT_SERIAL": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
    "WECHATPAY_PRIVATE_KEY": "/etc/jiayou/apiclient_key.pem",
    "WECHATPAY_APIV3_KEY": "a" * 32,
    "WECHATPAY_PUBLIC_KEY_ID": "PUB_KEY_ID_0112300001092024060100000000000001",
    "WECHATPAY_PUBLIC_KEY": "/etc/jiayou/wechatpay_pub_key.pem",
}


def spoil(monkeypatch, name: str, value: str | None) -> None:
    """Take the setting away (value None) or give it a wrong value."""
    if value is None:
        monkeypatch.delenv(name)
    else:
        monkeypatch.setenv(name, value)

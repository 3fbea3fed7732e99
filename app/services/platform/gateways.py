"""The outside-service clients of this app, built once from its settings."""

from flask import current_app


def wechat_pay():
    """The app's WeChat Pay client (it holds keys, so it is built once per process)."""
    from app.adapters.wechat_pay import WeChatPayClient

    client = current_app.extensions.get("wechat_pay_client")
    if client is None:
        client = WeChatPayClient.from_config(current_app.config)
        current_app.extensions["wechat_pay_client"] = client
    return client


def wechat_phone():
    """The app's getPhoneNumber client, its access token kept in the database for every
    process (built once per process, so one process's threads fetch a token once)."""
    from app.adapters.wechat_phone import WechatPhoneClient
    from app.services.platform.service_tokens import DatabaseTokenCache

    client = current_app.extensions.get("wechat_phone_client")
    if client is None:
        client = WechatPhoneClient.from_config(current_app.config, DatabaseTokenCache())
        current_app.extensions["wechat_phone_client"] = client
    return client

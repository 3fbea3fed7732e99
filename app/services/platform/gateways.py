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

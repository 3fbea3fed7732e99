"""Secrets in request lines never reach the log."""

import logging

from app.logs import RedactSecrets


def test_query_secrets_are_masked(caplog):
    logger = logging.getLogger("httpx")
    caplog.set_level(logging.INFO, logger="httpx")
    logger.addFilter(RedactSecrets())
    logger.info(
        "HTTP Request: %s %s",
        "GET",
        "https://api.weixin.qq.com/sns/jscode2session?appid=wx1&secret=s3cr3t&js_code=abc123"
        "&grant_type=authorization_code",
    )
    text = caplog.text
    assert "s3cr3t" not in text and "abc123" not in text
    assert "appid=wx1" in text and "secret=***" in text and "grant_type=authorization_code" in text

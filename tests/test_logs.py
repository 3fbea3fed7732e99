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


def _logged(caplog, *args) -> str:
    logger = logging.getLogger("werkzeug")
    caplog.set_level(logging.INFO, logger="werkzeug")
    redact = RedactSecrets()
    logger.addFilter(redact)
    try:
        logger.info(*args)
    finally:
        logger.removeFilter(redact)
    return caplog.text


def test_member_searches_and_phone_numbers_are_masked(caplog):
    text = _logged(
        caplog,
        '%s - - "%s" %s',
        "127.0.0.1",
        "GET /console/members?q=13812345678&kind=phone&station_id=3 HTTP/1.1",
        200,
    )
    assert "13812345678" not in text
    assert "/console/members?q=***&kind=phone&station_id=3" in text


def test_phone_numbers_anywhere_keep_only_their_ends(caplog):
    text = _logged(
        caplog,
        "GET /console/members/export?kind=phone&phone=%s and +8613900001234, order %s",
        "15912345678",
        "JY7700000012345678901234",  # a longer number is no phone
    )
    assert "15912345678" not in text and "13900001234" not in text
    assert "phone=159****5678" in text and "+86139****1234" in text
    assert "JY7700000012345678901234" in text


def test_the_app_filters_the_request_log(app, caplog):
    """create_app puts the filter on the web server's request log."""
    logger = logging.getLogger("werkzeug")
    caplog.set_level(logging.INFO, logger="werkzeug")
    assert any(isinstance(f, RedactSecrets) for f in logger.filters)
    logger.info('"GET /console/members?q=%s HTTP/1.1" 200', "18800001111")
    assert "18800001111" not in caplog.text

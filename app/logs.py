"""Logging with secrets kept out: query values such as secret= and js_code= are masked."""

import logging
import re

# code2Session carries the app secret and the login code in its query string, and both the
# HTTP client and the web server log request lines.
SECRET_PARAMS = re.compile(
    r"((?:secret|js_code|access_token|session_key|code|token)=)[^&\s\"']+", re.IGNORECASE
)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = SECRET_PARAMS.sub(r"\1***", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
    # Loggers that write request lines through their own handlers get the filter too.
    for name in ("werkzeug", "httpx", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())

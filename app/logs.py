"""Logging with secrets and personal data kept out: query values such as secret= and js_code=
are masked, mainland phone numbers keep only their first 3 and last 4 digits, and the member
search's terms (q=: a phone, a plate or a nickname) are masked whole."""

import logging
import re

# code2Session carries the app secret and the login code in its query string, and both the
# HTTP client and the web server log request lines.
SECRET_PARAMS = re.compile(
    r"((?:secret|js_code|access_token|session_key|code|token)=)[^&\s\"']+", re.IGNORECASE
)
# The console's member search (and its export) carries what staff typed: ?q=13812345678.
SEARCH_PARAMS = re.compile(r"([?&]q=)[^&\s\"']+")
# A mainland mobile number anywhere in a line (optionally +86), never part of a longer number.
PHONE = re.compile(r"(?<!\d)((?:\+?86)?1[3-9]\d)\d{4}(\d{4})(?!\d)")


def redact(message: str) -> str:
    message = SECRET_PARAMS.sub(r"\1***", message)
    message = SEARCH_PARAMS.sub(r"\1***", message)
    return PHONE.sub(r"\1****\2", message)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
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

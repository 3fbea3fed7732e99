"""WeChat's access token and the mini-program phone number, over HTTP (knows the protocol, not
our models).

The token comes from `POST /cgi-bin/stable_token` (getStableAccessToken), which WeChat
recommends over `GET /cgi-bin/token`: in its normal mode a repeated call answers the same token
while it is valid instead of killing the previous one, so two processes refreshing at once do
not invalidate each other, and the secret travels in the body rather than the URL. The token is
kept in a TokenCache (the service backs it with the database) and fetched again only when
fewer than 5 minutes remain, or once after WeChat refused it (40001, 42001, 40014).
"""

import logging
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import httpx

log = logging.getLogger(__name__)
# httpx logs every request URL at INFO, and the phone URL carries the access token.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

BUSY = -1
TOKEN_REFUSED = frozenset({40001, 42001, 40014})  # invalid, expired, malformed access token
INVALID_CODE = frozenset({40029, 40163})  # unknown, used or older than 5 minutes
RATE_LIMITED = 45011
REFRESH_BEFORE = timedelta(minutes=5)
PURE_PHONE_RE = re.compile(r"^\d{4,20}$")
COUNTRY_RE = re.compile(r"^\d{1,4}$")


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PhoneNumber:
    phone: str  # the digits without country code (purePhoneNumber)
    country_code: str  # "86" for mainland China

    def __repr__(self) -> str:  # the number never reaches logs or tracebacks
        # Not even masked: masking is app.services.members.privacy's, and adapters import no
        # services.
        return f"PhoneNumber(+{self.country_code}, {len(self.phone)} digits)"


class WechatApiError(Exception):
    """WeChat gave no usable answer; errcode/errmsg are WeChat's when it sent one."""

    def __init__(self, message: str, errcode: int | None = None, errmsg: str = ""):
        super().__init__(message)
        self.errcode, self.errmsg = errcode, errmsg


class InvalidPhoneCode(WechatApiError):
    """The phone code is unknown, already used or older than 5 minutes (40029)."""


class WechatRateLimited(WechatApiError):
    """WeChat's per-minute quota for this appid is used up (45011)."""


class WechatApiUnavailable(WechatApiError):
    """WeChat unreachable, busy after a retry, answering garbage, refusing a fresh token, or
    refusing our appid/secret (a misconfiguration, logged as an error)."""


class TokenCache(Protocol):
    def get(self, name: str) -> tuple[str, datetime] | None: ...

    def put(self, name: str, value: str, expires_at: datetime) -> None: ...


class MemoryTokenCache:
    """A TokenCache in this process's memory (tests, one-process tools)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[str, datetime]] = {}

    def get(self, name: str) -> tuple[str, datetime] | None:
        with self._lock:
            return self._entries.get(name)

    def put(self, name: str, value: str, expires_at: datetime) -> None:
        with self._lock:
            self._entries[name] = (value, expires_at)


def post_json(url: str, what: str, timeout_s: float, **kwargs) -> dict:
    """WeChat's JSON object answer; WechatApiUnavailable when there is none."""
    try:
        response = httpx.post(url, timeout=timeout_s, **kwargs)
    except httpx.HTTPError as err:
        # Only the class name: the exception text may carry the URL with the access token.
        log.warning("%s unreachable: %s", what, type(err).__name__)
        raise WechatApiUnavailable(f"{what}: {type(err).__name__}") from None
    if response.status_code != 200:
        log.warning("%s answered HTTP %s", what, response.status_code)
        raise WechatApiUnavailable(f"{what}: HTTP {response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        log.warning("%s answered something that is not JSON", what)
        raise WechatApiUnavailable(f"{what}: not JSON") from None
    if not isinstance(answer, dict):
        raise WechatApiUnavailable(f"{what}: not a JSON object")
    errcode = answer.get("errcode", 0)
    if errcode is not None and (not isinstance(errcode, int) or isinstance(errcode, bool)):
        raise WechatApiUnavailable(f"{what}: errcode is not a number")
    return answer


def refused(what: str, answer: dict) -> WechatApiError:
    """The exception for an answer with an errcode other than a retryable one."""
    errcode, errmsg = int(answer["errcode"]), str(answer.get("errmsg", ""))
    message = f"{what} errcode {errcode}: {errmsg}"
    if errcode in INVALID_CODE:
        return InvalidPhoneCode(message, errcode, errmsg)
    if errcode == RATE_LIMITED:
        log.warning("%s rate limited (45011)", what)
        return WechatRateLimited(message, errcode, errmsg)
    if errcode == BUSY:
        log.warning("%s busy twice", what)
    elif errcode in TOKEN_REFUSED:
        log.warning("%s refused a freshly fetched access token (errcode %s)", what, errcode)
    else:
        log.error("%s refused with errcode %s: %s", what, errcode, errmsg)
    return WechatApiUnavailable(message, errcode, errmsg)


class AccessTokenClient:
    """The access token of one mini-program, shared through a TokenCache."""

    def __init__(
        self, base_url: str, appid: str, secret: str, cache: TokenCache, timeout_s: float = 5
    ):
        self.base_url = base_url.rstrip("/")
        self.appid, self._secret, self.cache, self.timeout_s = appid, secret, cache, timeout_s
        self.cache_name = f"wechat_access_token:{appid}"
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config, cache: TokenCache) -> "AccessTokenClient":
        return cls(
            config["WECHAT_API_BASE"],
            config["WECHAT_APPID"],
            config["WECHAT_SECRET"],
            cache,
            config["WECHAT_TIMEOUT_S"],
        )

    def token(self) -> str:
        """The cached token, fetched anew when fewer than 5 minutes remain. Should that fetch
        fail while the cached one still lives, the cached one is used."""
        cached = self.cache.get(self.cache_name)
        if cached is not None and cached[1] - now() >= REFRESH_BEFORE:
            return cached[0]
        with self._lock:
            cached = self.cache.get(self.cache_name)  # another thread may have fetched it
            if cached is not None and cached[1] - now() >= REFRESH_BEFORE:
                return cached[0]
            try:
                return self._fetch()
            except WechatApiError:
                if cached is None or cached[1] <= now():
                    raise
                log.warning("access token not renewed, using the cached one until it expires")
                return cached[0]

    def refresh(self, refused_token: str) -> str:
        """A token to use after WeChat refused `refused_token`: the cached one if someone
        already replaced it, else a newly fetched one."""
        with self._lock:
            cached = self.cache.get(self.cache_name)
            if cached is not None and cached[0] != refused_token and cached[1] > now():
                return cached[0]
            return self._fetch()

    def _fetch(self) -> str:
        body = {
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self._secret,
            "force_refresh": False,
        }
        url = self.base_url + "/cgi-bin/stable_token"
        answer = post_json(url, "stable_token", self.timeout_s, json=body)
        if answer.get("errcode") == BUSY:
            log.info("stable_token busy, retrying once")
            answer = post_json(url, "stable_token", self.timeout_s, json=body)
        if answer.get("errcode"):
            raise refused("stable_token", answer)
        token, expires_in = answer.get("access_token"), answer.get("expires_in")
        if not isinstance(token, str) or not token:
            raise WechatApiUnavailable("stable_token answer without access_token")
        if not isinstance(expires_in, int) or isinstance(expires_in, bool) or expires_in <= 0:
            raise WechatApiUnavailable("stable_token answer without a valid expires_in")
        self.cache.put(self.cache_name, token, now() + timedelta(seconds=expires_in))
        log.info("access token fetched, valid %s s", expires_in)
        return token


class WechatPhoneClient:
    """getPhoneNumber: a phone code from the mini-program's button to the phone number."""

    def __init__(self, tokens: AccessTokenClient):
        self.tokens = tokens

    @classmethod
    def from_config(cls, config, cache: TokenCache) -> "WechatPhoneClient":
        return cls(AccessTokenClient.from_config(config, cache))

    def get_phone_number(self, code: str) -> PhoneNumber:
        """The number behind a phone code. A refused token is replaced and the call retried
        once; a busy WeChat is retried once."""
        token = self.tokens.token()
        token_retry = busy_retry = True
        while True:
            answer = self._call(token, code)
            errcode = answer.get("errcode") or 0
            if errcode in TOKEN_REFUSED and token_retry:
                log.info("access token refused (errcode %s), fetching a fresh one", errcode)
                token_retry = False
                token = self.tokens.refresh(token)
            elif errcode == BUSY and busy_retry:
                log.info("getuserphonenumber busy, retrying once")
                busy_retry = False
            elif errcode:
                raise refused("getuserphonenumber", answer)
            else:
                return self._phone(answer)

    def _call(self, token: str, code: str) -> dict:
        url = self.tokens.base_url + "/wxa/business/getuserphonenumber"
        return post_json(
            url,
            "getuserphonenumber",
            self.tokens.timeout_s,
            params={"access_token": token},
            json={"code": code},
        )

    def _phone(self, answer: dict) -> PhoneNumber:
        info = answer.get("phone_info")
        info = info if isinstance(info, dict) else {}
        phone, country = info.get("purePhoneNumber"), info.get("countryCode")
        country = str(country) if isinstance(country, int | str) else ""  # sent as 86 or "86"
        if not isinstance(phone, str) or not PURE_PHONE_RE.match(phone):
            raise WechatApiUnavailable("getuserphonenumber answer without purePhoneNumber")
        if not COUNTRY_RE.match(country):
            raise WechatApiUnavailable("getuserphonenumber answer without countryCode")
        watermark = info.get("watermark")
        appid = watermark.get("appid") if isinstance(watermark, dict) else None
        if appid != self.tokens.appid:
            log.error("getuserphonenumber answer watermarked for another appid")
            raise WechatApiUnavailable("getuserphonenumber answer for another appid")
        return PhoneNumber(phone, country)

"""WeChat mini-program login: code2Session over HTTP (knows the protocol, not our models)."""

import logging
from dataclasses import dataclass

import httpx

log = logging.getLogger(__name__)
# httpx logs every request URL at INFO, and this URL carries the app secret and the js_code.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

BUSY = -1
INVALID_CODE = 40029
CODE_USED = 40163
USER_BLOCKED = 40226
RATE_LIMITED = 45011


@dataclass(frozen=True)
class WechatSession:
    openid: str
    session_key: str
    unionid: str | None

    def __repr__(self) -> str:  # the session key never reaches logs or tracebacks
        return f"WechatSession(openid={self.openid!r})"


class WechatLoginError(Exception):
    """WeChat answered with an errcode (other than a busy that a retry fixed)."""

    def __init__(self, errcode: int, errmsg: str):
        super().__init__(f"code2Session errcode {errcode}: {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


class WechatUnavailable(Exception):
    """WeChat could not be reached, answered garbage, or stayed busy after a retry."""


class WechatLoginClient:
    """A code2Session client for one mini-program (appid and secret)."""

    def __init__(self, base_url: str, appid: str, secret: str, timeout_s: float = 5):
        self.base_url = base_url.rstrip("/")
        self.appid, self._secret, self.timeout_s = appid, secret, timeout_s

    @classmethod
    def from_config(cls, config) -> "WechatLoginClient":
        return cls(
            config["WECHAT_API_BASE"],
            config["WECHAT_APPID"],
            config["WECHAT_SECRET"],
            config["WECHAT_TIMEOUT_S"],
        )

    def code2session(self, js_code: str) -> WechatSession:
        """Exchange a js_code for the openid and session key; a busy WeChat is retried once."""
        answer = self._call(js_code)
        if answer.get("errcode") == BUSY:
            log.info("code2Session busy, retrying once")
            answer = self._call(js_code)
            if answer.get("errcode") == BUSY:
                raise WechatUnavailable("code2Session busy twice")
        errcode = answer.get("errcode") or 0
        if errcode:
            raise WechatLoginError(int(errcode), str(answer.get("errmsg", "")))
        openid, session_key = answer.get("openid"), answer.get("session_key")
        if not isinstance(openid, str) or not openid or not isinstance(session_key, str):
            raise WechatUnavailable("code2Session answer without openid or session_key")
        unionid = answer.get("unionid")
        return WechatSession(openid, session_key, unionid if isinstance(unionid, str) else None)

    def _call(self, js_code: str) -> dict:
        params = {
            "appid": self.appid,
            "secret": self._secret,
            "js_code": js_code,
            "grant_type": "authorization_code",
        }
        try:
            response = httpx.get(
                self.base_url + "/sns/jscode2session", params=params, timeout=self.timeout_s
            )
        except httpx.HTTPError as err:
            # Only the class name: the exception text may carry the URL with the secret.
            log.warning("code2Session unreachable: %s", type(err).__name__)
            raise WechatUnavailable(type(err).__name__) from None
        if response.status_code != 200:
            log.warning("code2Session answered HTTP %s", response.status_code)
            raise WechatUnavailable(f"HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            log.warning("code2Session answered something that is not JSON")
            raise WechatUnavailable("not JSON") from None
        if not isinstance(answer, dict):
            raise WechatUnavailable("not a JSON object")
        errcode = answer.get("errcode", 0)
        if errcode is not None and not isinstance(errcode, int):
            raise WechatUnavailable("errcode is not a number")
        return answer

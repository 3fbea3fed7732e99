"""WeChat Pay API v3 for JSAPI (mini-program) payments: orders, refunds, notifications.

Knows HTTP, signatures and field names; nothing of our models. Every answer and notification is
checked against WeChat Pay's signature before anything in it is believed.
"""

import json
import logging
import time
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import httpx

from app.adapters.wechat_pay_sign import (
    DecryptFailed,
    SignatureInvalid,
    TimestampStale,
    Verifier,
    WeChatPayException,
    authorization,
    decrypt_resource,
    load_private_key,
    new_nonce,
    rsa_sign,
)

__all__ = [
    "DecryptFailed",
    "OrderAlreadyPaid",
    "OrderNotFound",
    "RefundNotFound",
    "SignatureInvalid",
    "TimestampStale",
    "WeChatPayClient",
    "WeChatPayError",
    "WeChatPayException",
    "WeChatPayUnavailable",
    "same_code",
]

log = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

CHINA = timezone(timedelta(hours=8))
RETRYABLE_CODES = {"SYSTEMERROR", "BANKERROR", "FREQUENCYLIMITED"}
USER_AGENT = "Jiayou/1.0 WeChatPay-APIv3"


def same_code(a: str, b: str) -> bool:
    """Error codes are spelt both ways (SYSTEM_ERROR, SYSTEMERROR): ignore case and underscores."""
    return _norm(a) == _norm(b)


def _norm(code: str) -> str:
    return (code or "").replace("_", "").upper()


class WeChatPayError(WeChatPayException):
    """WeChat Pay answered with an error: HTTP status, code and message (status 0: no answer)."""

    def __init__(self, status: int, code: str, message: str, request_id: str = ""):
        super().__init__(f"WeChat Pay HTTP {status} {code}: {message}")
        self.status, self.code, self.message, self.request_id = status, code, message, request_id

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        """True when the same call (same out_trade_no / out_refund_no) may simply be retried."""
        status, code = self.status, _norm(self.code)
        return status == 0 or status == 429 or status >= 500 or code in RETRYABLE_CODES

    def is_code(self, *codes: str) -> bool:
        return any(same_code(self.code, code) for code in codes)


class WeChatPayUnavailable(WeChatPayError):
    """No trustworthy answer: network error, timeout, or garbage; the outcome is unknown."""

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        return True


class OrderNotFound(WeChatPayError):
    """WeChat Pay has no order with this out_trade_no (ORDER_NOT_EXIST / RESOURCE_NOT_EXISTS)."""


class OrderAlreadyPaid(WeChatPayError):
    """The order cannot be closed: the user has paid it (ORDER_PAID)."""


class RefundNotFound(WeChatPayError):
    """WeChat Pay has no refund with this out_refund_no (RESOURCE_NOT_EXISTS)."""


class WeChatPayClient:
    """One merchant (mchid) taking JSAPI payments for one mini-program (appid)."""

    def __init__(
        self,
        *,
        api_base: str,
        appid: str,
        mchid: str,
        merchant_serial: str,
        private_key_path: str,
        apiv3_key: str,
        verifier: Verifier,
        public_key_id: str = "",
        notify_url: str = "",
        timeout_s: float = 10,
    ):
        self.api_base = api_base.rstrip("/")
        # The path of the base URL itself (a gateway's or the sandbox's prefix) is not signed.
        self._base_path = httpx.URL(self.api_base).raw_path.rstrip(b"/")
        self.appid, self.mchid, self.merchant_serial = appid, mchid, merchant_serial
        self._private_key = load_private_key(private_key_path)
        self._apiv3_key = apiv3_key.encode()
        self.verifier = verifier
        self.public_key_id, self.notify_url, self.timeout_s = public_key_id, notify_url, timeout_s

    def __repr__(self) -> str:  # the keys never reach logs or tracebacks
        return f"WeChatPayClient(mchid={self.mchid!r}, api_base={self.api_base!r})"

    @classmethod
    def from_config(cls, config: Mapping) -> "WeChatPayClient":
        return cls(
            api_base=config["WECHATPAY_API_BASE"],
            appid=config["WECHATPAY_APPID"],
            mchid=config["WECHATPAY_MCHID"],
            merchant_serial=config["WECHATPAY_MERCHANT_SERIAL"],
            private_key_path=config["WECHATPAY_PRIVATE_KEY"],
            apiv3_key=config["WECHATPAY_APIV3_KEY"],
            verifier=Verifier.from_files(
                config["WECHATPAY_PUBLIC_KEY_ID"],
                config["WECHATPAY_PUBLIC_KEY"],
                config["WECHATPAY_PLATFORM_CERTS"],
            ),
            public_key_id=config["WECHATPAY_PUBLIC_KEY_ID"],
            notify_url=config["WECHATPAY_NOTIFY_URL"],
            timeout_s=config["WECHATPAY_TIMEOUT_S"],
        )

    def create_jsapi(
        self,
        out_trade_no: str,
        description: str,
        amount_fen: int,
        payer_openid: str,
        notify_url: str | None = None,
        time_expire: datetime | None = None,
        attach: str | None = None,
    ) -> str:
        """Place a JSAPI order and return its prepay_id (valid 2 hours)."""
        _check_fen(amount_fen, "amount_fen")
        body: dict = {
            "appid": self.appid,
            "mchid": self.mchid,
            "description": description,
            "out_trade_no": out_trade_no,
            "notify_url": notify_url or self.notify_url,
            "amount": {"total": amount_fen, "currency": "CNY"},
            "payer": {"openid": payer_openid},
        }
        if time_expire is not None:
            if time_expire.tzinfo is None:
                raise ValueError("time_expire must be timezone-aware")
            body["time_expire"] = time_expire.astimezone(CHINA).isoformat(timespec="seconds")
        if attach is not None:
            body["attach"] = attach
        answer = self._call("POST", "/v3/pay/transactions/jsapi", body)
        prepay_id = answer.get("prepay_id")
        if not isinstance(prepay_id, str) or not prepay_id:
            raise WeChatPayUnavailable(200, "BAD_ANSWER", "answer without prepay_id")
        return prepay_id

    def query(self, out_trade_no: str) -> dict:
        """The transaction as WeChat Pay knows it (trade_state, amount, transaction_id ...)."""
        path = f"/v3/pay/transactions/out-trade-no/{_segment(out_trade_no)}?mchid={self.mchid}"
        return self._call("GET", path)

    def close(self, out_trade_no: str) -> None:
        """Close an unpaid order; raises OrderAlreadyPaid when the user has paid meanwhile."""
        path = f"/v3/pay/transactions/out-trade-no/{_segment(out_trade_no)}/close"
        self._call("POST", path, {"mchid": self.mchid}, expect=204)

    def refund(
        self,
        out_refund_no: str,
        amount_fen: int,
        total_fen: int,
        out_trade_no: str | None = None,
        transaction_id: str | None = None,
        reason: str = "",
        notify_url: str | None = None,
    ) -> dict:
        """Ask for a refund; on a retryable error, retry with the same out_refund_no."""
        _check_fen(amount_fen, "amount_fen")
        _check_fen(total_fen, "total_fen")
        if (out_trade_no is None) == (transaction_id is None):
            raise ValueError("give exactly one of out_trade_no and transaction_id")
        body: dict = {"out_refund_no": out_refund_no}
        if transaction_id is not None:
            body["transaction_id"] = transaction_id
        else:
            body["out_trade_no"] = out_trade_no
        if reason:
            body["reason"] = reason
        if notify_url:
            body["notify_url"] = notify_url
        body["amount"] = {"refund": amount_fen, "total": total_fen, "currency": "CNY"}
        return self._call("POST", "/v3/refund/domestic/refunds", body, missing=OrderNotFound)

    def query_refund(self, out_refund_no: str) -> dict:
        """The refund as WeChat Pay knows it (status PROCESSING, SUCCESS, CLOSED, ABNORMAL)."""
        path = f"/v3/refund/domestic/refunds/{_segment(out_refund_no)}"
        return self._call("GET", path, missing=RefundNotFound)

    def jsapi_pay_params(self, prepay_id: str) -> dict:
        """What the mini-program passes to wx.requestPayment, signed with the merchant key."""
        timestamp, nonce, package = str(int(time.time())), new_nonce(), f"prepay_id={prepay_id}"
        message = f"{self.appid}\n{timestamp}\n{nonce}\n{package}\n".encode()
        return {
            "appId": self.appid,
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": rsa_sign(self._private_key, message),
        }

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> dict:
        """The notification, its signature checked, with resource decrypted as resource_plain."""
        self.verifier.verify(headers, body)
        try:
            notification = json.loads(body)
        except ValueError:
            raise DecryptFailed("notification is not JSON") from None
        if not isinstance(notification, dict):
            raise DecryptFailed("notification is not a JSON object")
        plain = decrypt_resource(self._apiv3_key, notification.get("resource"))
        return {**notification, "resource_plain": plain}

    def _call(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        expect: int = 200,
        missing: type[WeChatPayError] = OrderNotFound,
    ) -> dict:
        content = b""
        if body is not None:
            # These exact bytes are both signed and sent.
            content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        request = httpx.Request(method, self.api_base + path, content=content or None)
        url = self._signed_url(request)
        request.headers["Authorization"] = authorization(
            self._private_key, self.mchid, self.merchant_serial, method, url, content
        )
        request.headers["Accept"] = "application/json"
        request.headers["Content-Type"] = "application/json"
        # WeChat Pay asks every caller for a User-Agent; a prepared request has none by default.
        request.headers["User-Agent"] = USER_AGENT
        if self.public_key_id:
            request.headers["Wechatpay-Serial"] = self.public_key_id
        response = self._send(request)
        status = response.status_code
        if not self._signed(response, method, path):
            if status == expect == 204:
                return {}
            # A gateway's error page, not WeChat Pay's: nothing in it is believed; retry later.
            raise WeChatPayUnavailable(status, f"HTTP_{status}", "unsigned answer")
        if status == expect:
            return self._json(response) if status == 200 else {}
        raise self._error(response, missing)

    def _signed_url(self, request: httpx.Request) -> str:
        """The path and query as sent, below the base URL: /v3/... (WeChat Pay's canonical URL).

        The official SDKs sign the request's path and query with the API at the host's root;
        a base URL with a path of its own (a gateway, the sandbox) does not change what is signed.
        """
        raw = request.url.raw_path
        if not raw.startswith(self._base_path + b"/"):
            raise ValueError(f"{raw!r} is not below the base URL {self.api_base!r}")
        return raw[len(self._base_path) :].decode("ascii")

    def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            with httpx.Client(timeout=self.timeout_s) as http:
                return http.send(request)
        except httpx.TimeoutException as err:
            log.warning("WeChat Pay %s timed out: %s", request.method, type(err).__name__)
            raise WeChatPayUnavailable(0, "TIMEOUT", type(err).__name__) from None
        except httpx.HTTPError as err:
            log.warning("WeChat Pay %s unreachable: %s", request.method, type(err).__name__)
            raise WeChatPayUnavailable(0, "NETWORK_ERROR", type(err).__name__) from None

    def _signed(self, response: httpx.Response, method: str, path: str) -> bool:
        """Verify a signed answer; False for an unsigned one that may be so (204, or 5xx)."""
        status = response.status_code
        if "wechatpay-signature" not in response.headers:
            if status >= 500:
                return False  # a gateway in between, not WeChat Pay
            if status == 204 and not response.content:
                return False  # a 204 may come unsigned; it carries nothing to believe
        try:
            self.verifier.verify(response.headers, response.content)
        except SignatureInvalid as err:
            path_only = path.split("?", 1)[0]
            log.warning("WeChat Pay %s %s answer rejected: %s", method, path_only, err)
            raise
        return True

    def _json(self, response: httpx.Response) -> dict:
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise WeChatPayUnavailable(
                response.status_code, "BAD_ANSWER", "answer is not a JSON object"
            )
        return answer

    def _error(self, response: httpx.Response, missing: type[WeChatPayError]) -> WeChatPayError:
        status, request_id = response.status_code, response.headers.get("Request-ID", "")
        try:
            answer = response.json()
        except ValueError:
            answer = None
        answer = answer if isinstance(answer, dict) else {}
        code = str(answer.get("code") or f"HTTP_{status}")
        message = str(answer.get("message") or "")
        log.warning("WeChat Pay answered HTTP %s %s (Request-ID %s)", status, code, request_id)
        kind = WeChatPayError
        if _norm(code) == "ORDERNOTEXIST":
            kind = OrderNotFound
        elif _norm(code) == "RESOURCENOTEXISTS":
            kind = missing
        elif _norm(code) == "ORDERPAID":
            kind = OrderAlreadyPaid
        elif status < 400:
            kind = WeChatPayUnavailable  # an unexpected success status: the outcome is unknown
        return kind(status, code, message, request_id)


def _segment(value: str) -> str:
    """A path segment, every reserved character escaped (so an id cannot change the path)."""
    return quote(value, safe="")


def _check_fen(value: int, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be an integer number of fen, at least 1")

"""What the fake WeChat Pay refuses, as the real one does: bad signatures and bad fields."""

import ipaddress
import json
import re
import time
from datetime import datetime
from urllib.parse import quote, urlsplit

from flask import current_app, request

from app.sandbox.wechatpay_crypto import PlatformKeys, merchant_signed, parse_authorization

OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_|*-]{6,32}$")
OUT_REFUND_NO = re.compile(r"^[0-9A-Za-z_|*@-]{1,64}$")
MAX_SKEW_S = 300


class Refused(Exception):
    """An error answer: HTTP status, WeChat code and message (signed like every answer)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def param_error(message: str) -> Refused:
    return Refused(400, "PARAM_ERROR", message)


def registered(name: str) -> str:
    """The merchant's mchid/appid on file at the fake WeChat Pay: SANDBOX_<name>, else ours."""
    return current_app.config.get("SANDBOX_" + name) or current_app.config[name]


def check_merchant(keys: PlatformKeys, base_path: str) -> str:
    """The mchid of a correctly signed request; Refused(401 SIGN_ERROR) otherwise.

    base_path is where the fake is mounted (/sandbox/wechatpay): the signed URL is below it.
    """
    fields = parse_authorization(request.headers.get("Authorization", ""))
    if fields is None:
        raise Refused(
            401, "SIGN_ERROR", "Authorization 头缺失或认证类型不是 WECHATPAY2-SHA256-RSA2048"
        )
    for name in ("mchid", "nonce_str", "timestamp", "serial_no", "signature"):
        if not fields.get(name):
            raise Refused(401, "SIGN_ERROR", f"Authorization 头缺少 {name}")
    if fields["mchid"] != registered("WECHATPAY_MCHID"):
        raise Refused(401, "SIGN_ERROR", "Authorization 中的 mchid 不是已登记的商户号")
    if fields["serial_no"].upper() != keys.merchant_serial:
        raise Refused(401, "SIGN_ERROR", "serial_no 不是该商户的 API 证书序列号")
    if (
        not fields["timestamp"].isdigit()
        or abs(time.time() - int(fields["timestamp"])) >= MAX_SKEW_S
    ):
        raise Refused(401, "SIGN_ERROR", "timestamp 与当前时间相差 5 分钟或以上")
    url = canonical_url(base_path)
    if not merchant_signed(keys, request.method, url, fields, request.get_data()):
        raise Refused(401, "SIGN_ERROR", "签名错误，请检查签名串和商户私钥")
    serial = request.headers.get("Wechatpay-Serial")
    if serial is not None and serial not in (keys.public_key_id, keys.platform_serial):
        raise param_error("Wechatpay-Serial 不是微信支付公钥 ID 或平台证书序列号")
    return fields["mchid"]


def canonical_url(base_path: str) -> str:
    """The URL a client signs: the path and query as sent, less the base URL's own path.

    At WeChat Pay the API sits at the host's root, so a client signs /v3/...; the fake sits under
    base_path, and a client pointed at it still signs /v3/..., the path below its base URL.
    """
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        query = request.query_string.decode()
        raw = quote(request.path) + ("?" + query if query else "")
    # A proxy may hand the app its path with or without the app's own script root.
    for base in (request.script_root + base_path, base_path):
        if raw.startswith(base + "/"):
            return raw[len(base) :]
    return raw


def json_body() -> dict:
    try:
        body = json.loads(request.get_data())
    except ValueError:
        raise param_error("请求体不是合法的 JSON") from None
    if not isinstance(body, dict):
        raise param_error("请求体应为 JSON 对象")
    return body


def text(body: dict, name: str, max_bytes: int, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise param_error(f"缺少必填参数 {name}")
        return None
    if not isinstance(value, str) or (required and not value):
        raise param_error(f"参数 {name} 应为非空字符串")
    # Lengths in UTF-8 bytes, the stricter reading: a description that passes here also passes
    # at WeChat Pay whether it counts bytes or characters.
    if len(value.encode()) > max_bytes:
        raise param_error(f"参数 {name} 长度超过 {max_bytes} 字节")
    return value


def notify_url(body: dict, name: str, required: bool) -> str | None:
    value = text(body, name, 255, required)
    if value is None:
        return None
    parts = urlsplit(value)
    # WeChat Pay calls only https. The local demo and the tests listen on http://127.0.0.1, so the
    # sandbox also takes http, but only for loopback hosts it can reach without leaving the machine.
    secure = parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname))
    if not secure or not parts.hostname:
        raise param_error(f"参数 {name} 应为 https 地址")
    if parts.query:
        raise param_error(f"参数 {name} 不能携带查询参数")
    return value


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def fen(parent: dict, where: str, name: str, required: bool = True) -> int | None:
    value = parent.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise param_error(f"参数 {where}.{name} 应为不小于 1 的整数（单位：分）")
    return value


def check_create(body: dict, mchid: str) -> dict:
    """The JSAPI order fields, checked as WeChat Pay checks them."""
    appid = text(body, "appid", 32)
    if text(body, "mchid", 32) != mchid:
        raise param_error("参数 mchid 与 Authorization 中的商户号不一致")
    if appid != registered("WECHATPAY_APPID"):
        raise Refused(400, "APPID_MCHID_NOT_MATCH", "appid 和 mch_id 不匹配")
    description = text(body, "description", 127)
    out_trade_no = text(body, "out_trade_no", 32)
    if not OUT_TRADE_NO.match(out_trade_no or ""):
        raise param_error("参数 out_trade_no 应为 6 到 32 位数字、字母或 _-|*")
    url = notify_url(body, "notify_url", required=True)
    amount = body.get("amount")
    if not isinstance(amount, dict):
        raise param_error("缺少必填参数 amount")
    total = fen(amount, "amount", "total")
    if amount.get("currency", "CNY") != "CNY":
        raise param_error("参数 amount.currency 只支持 CNY")
    payer = body.get("payer")
    if not isinstance(payer, dict):
        raise param_error("缺少必填参数 payer")
    openid = text(payer, "openid", 128)
    time_expire = None
    if body.get("time_expire") is not None:
        time_expire = rfc3339(body, "time_expire")
        if time_expire.timestamp() <= time.time():
            raise param_error("参数 time_expire 应晚于当前时间")
    attach = text(body, "attach", 128, required=False)
    if "support_fapiao" in body and not isinstance(body["support_fapiao"], bool):
        raise param_error("参数 support_fapiao 应为布尔值")
    return {
        "appid": appid,
        "description": description,
        "out_trade_no": out_trade_no,
        "notify_url": url,
        "total": total,
        "openid": openid,
        "time_expire": time_expire.timestamp() if time_expire else None,
        "attach": attach,
    }


def rfc3339(body: dict, name: str) -> datetime:
    value = body.get(name)
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or "T" not in value:
        raise param_error(f"参数 {name} 应为 RFC 3339 时间，如 2024-06-08T10:34:56+08:00")
    return parsed


def check_refund(body: dict) -> dict:
    """The refund fields, checked as WeChat Pay checks them."""
    out_refund_no = text(body, "out_refund_no", 64)
    if not OUT_REFUND_NO.match(out_refund_no or ""):
        raise param_error("参数 out_refund_no 应为 1 到 64 位数字、字母或 _-|*@")
    transaction_id = text(body, "transaction_id", 32, required=False)
    out_trade_no = text(body, "out_trade_no", 32, required=False)
    if not transaction_id and not out_trade_no:
        raise param_error("transaction_id 和 out_trade_no 必须填写一个")
    reason = text(body, "reason", 80, required=False)
    url = notify_url(body, "notify_url", required=False)
    amount = body.get("amount")
    if not isinstance(amount, dict):
        raise param_error("缺少必填参数 amount")
    refund, total = fen(amount, "amount", "refund"), fen(amount, "amount", "total")
    if amount.get("currency") != "CNY":
        raise param_error("参数 amount.currency 应为 CNY")
    if refund > total:
        raise param_error("退款金额 amount.refund 不能大于订单金额 amount.total")
    return {
        "out_refund_no": out_refund_no,
        "transaction_id": transaction_id,
        "out_trade_no": out_trade_no,
        "reason": reason or "",
        "notify_url": url,
        "refund": refund,
        "total": total,
    }

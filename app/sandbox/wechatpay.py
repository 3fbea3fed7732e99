"""A fake WeChat Pay API v3 (JSAPI orders and refunds, the platform certificates) at the real
paths below its base URL, /sandbox/wechatpay: an SDK pointed at that base URL works unchanged.

It checks the merchant's signature and every field, keeps its own orders and refunds, signs every
answer with its platform key and notifies the merchant as WeChat Pay does. A path it does not know
answers in WeChat Pay's error shape. Sandbox-only helpers (paying as the user, faults, the
notification log, a page) are in wechatpay_tools.
"""

import functools
import json
import secrets
import time

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException

from app.sandbox import bp
from app.sandbox.wechatpay_crypto import certificate_list, platform_keys, signed_headers
from app.sandbox.wechatpay_notify import china_now, dispatcher, notify
from app.sandbox.wechatpay_rules import (
    Refused,
    check_create,
    check_merchant,
    check_refund,
    json_body,
    param_error,
    registered,
)
from app.sandbox.wechatpay_store import store

BASE = "/wechatpay"
PREFIX = BASE + "/v3"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PREPAY_TTL_S = 2 * 3600
FAULT_STATUS = {
    "SYSTEM_ERROR": 500,
    "BANK_ERROR": 500,
    "FREQUENCY_LIMITED": 429,
    "NOT_ENOUGH": 403,
    "PARAM_ERROR": 400,
}
STATE_DESC = {
    "NOTPAY": "订单未支付",
    "SUCCESS": "支付成功",
    "CLOSED": "订单已关闭",
    "REFUND": "转入退款",
}


def signed(status: int, body: dict | None = None) -> Response:
    """An answer signed with the platform key, as the public key or the certificate."""
    data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    mode = current_app.config["SANDBOX_WECHATPAY_SIGN_MODE"]
    response = Response(data, status=status, content_type="application/json" if data else None)
    response.headers.update(signed_headers(platform_keys(current_app.config), mode, data))
    return response


def v3(operation: str):
    """A v3 endpoint: the merchant's signature first, then any fault, then the work."""

    def wrap(view):
        @functools.wraps(view)
        def endpoint(**kwargs):
            try:
                mchid = check_merchant(platform_keys(current_app.config), bp.url_prefix + BASE)
                code = take_fault(operation)
                if code:
                    raise Refused(FAULT_STATUS.get(code, 500), code, "系统错误，请稍后重试")
                status, body = view(mchid, **kwargs)
            except Refused as refused:
                status, body = refused.status, {"code": refused.code, "message": refused.message}
            return signed(status, body)

        return endpoint

    return wrap


def take_fault(name: str) -> str | None:
    """Use up one planned fault for this operation (see POST /sandbox/wechatpay/faults)."""
    with store().lock():
        return use_fault(name)


def use_fault(name: str) -> str | None:
    """take_fault for a caller holding the store lock (the Redis lock is not reentrant)."""
    fault = store().get("fault", name)
    if not fault or fault["times"] < 1:
        return None
    fault["times"] -= 1
    store().put("fault", name, fault)
    return fault["value"]


@bp.route(BASE + "/", defaults={"unknown": ""}, methods=METHODS)
@bp.route(BASE + "/<path:unknown>", methods=METHODS)
def unknown_path(unknown: str):
    """A path or method the fake does not serve: 404 (or 405), signed, in WeChat Pay's shape."""
    allowed = [method for method in METHODS if served(method)]
    if allowed:
        message = f"该 URL 不支持 {request.method} 请求，应为 {'、'.join(allowed)}"
        response = signed(405, {"code": "INVALID_REQUEST", "message": message})
        response.headers["Allow"] = ", ".join(allowed)
        return response
    message = f"请求的资源不存在，请检查请求 URL：{request.method} /{unknown}"
    return signed(404, {"code": "RESOURCE_NOT_EXISTS", "message": message})


def served(method: str) -> bool:
    """Does another endpoint serve this request's path with this method?"""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        return adapter.match(method=method)[0] != request.endpoint
    except HTTPException:
        return False


@bp.get(PREFIX + "/certificates")
@v3("certificates")
def certificates(mchid: str):
    """The platform certificate list, for SDKs that verify answers with downloaded certificates."""
    return 200, certificate_list(platform_keys(current_app.config))


@bp.post(PREFIX + "/pay/transactions/jsapi")
@v3("create")
def create_jsapi(mchid: str):
    body = json_body()
    fields = check_create(body, mchid)
    with store().lock():
        order = load_order(fields["out_trade_no"])
        if order is None:
            order = {
                **fields,
                "mchid": mchid,
                "request": body,
                "trade_state": "NOTPAY",
                "refunded": 0,
                "created_at": time.time(),
            }
        elif order["request"] != body:
            raise Refused(403, "OUT_TRADE_NO_USED", "商户订单号重复，且与原请求参数不一致")
        elif order["trade_state"] in ("SUCCESS", "REFUND"):
            raise Refused(400, "ORDER_PAID", "该订单已支付")
        elif order["trade_state"] == "CLOSED":
            raise Refused(400, "ORDER_CLOSED", "该订单已关闭")
        if order.get("prepay_at", 0) + PREPAY_TTL_S <= time.time():
            # The same request again gets the same prepay_id while it lives, a new one after.
            order["prepay_id"] = "wx" + time.strftime("%d%H%M%S") + secrets.token_hex(13)
            order["prepay_at"] = time.time()
            store().put("prepay", order["prepay_id"], {"out_trade_no": order["out_trade_no"]})
        store().put("order", order["out_trade_no"], order)
    return 200, {"prepay_id": order["prepay_id"]}


@bp.get(PREFIX + "/pay/transactions/out-trade-no/<out_trade_no>")
@v3("query")
def query_order(mchid: str, out_trade_no: str):
    if request.args.get("mchid") != mchid:
        raise param_error("查询参数 mchid 缺失或与 Authorization 中的商户号不一致")
    order = load_order(out_trade_no)
    if order is None:
        raise Refused(404, "ORDER_NOT_EXIST", "订单不存在")
    return 200, transaction(order)


@bp.post(PREFIX + "/pay/transactions/out-trade-no/<out_trade_no>/close")
@v3("close")
def close_order(mchid: str, out_trade_no: str):
    if json_body().get("mchid") != mchid:
        raise param_error("参数 mchid 缺失或与 Authorization 中的商户号不一致")
    with store().lock():
        order = load_order(out_trade_no)
        if order is None:
            raise Refused(404, "ORDER_NOT_EXIST", "订单不存在")
        if order["trade_state"] in ("SUCCESS", "REFUND"):
            raise Refused(400, "ORDER_PAID", "订单已支付，不能关闭")
        order["trade_state"] = "CLOSED"  # closing a closed order again is fine
        store().put("order", out_trade_no, order)
    return 204, None


@bp.post(PREFIX + "/refund/domestic/refunds")
@v3("refund")
def create_refund(mchid: str):
    body = json_body()
    fields = check_refund(body)
    with store().lock():
        refund = store().get("refund", fields["out_refund_no"])
        if refund is not None:
            if refund["request"] != body:
                message = "退款单号 out_refund_no 已使用，且与原请求参数不一致"
                raise Refused(400, "INVALID_REQUEST", message)
            return 200, refund_view(refund)  # a retry with the same number: the same refund
        order = order_for_refund(fields)
        if order["trade_state"] not in ("SUCCESS", "REFUND"):
            raise Refused(400, "INVALID_REQUEST", "订单未支付或已关闭，不能退款")
        if fields["total"] != order["total"]:
            raise param_error("参数 amount.total 与原订单金额不一致")
        if order["refunded"] + fields["refund"] > order["total"]:
            raise Refused(403, "NOT_ENOUGH", "可退金额不足")
        refund = {
            **fields,
            "request": body,
            "out_trade_no": order["out_trade_no"],
            "transaction_id": order["transaction_id"],
            "refund_id": "50" + "".join(secrets.choice("0123456789") for _ in range(27)),
            "status": "PROCESSING",
            "create_time": china_now(),
            "success_time": None,
            "outcome": use_fault("refund_outcome") or "SUCCESS",
            "settle_at": time.time()
            + current_app.config["SANDBOX_WECHATPAY_REFUND_DELAY_MS"] / 1000,
        }
        order["refunded"] += fields["refund"]
        order["trade_state"] = "REFUND"
        store().put("order", order["out_trade_no"], order)
        store().put("refund", refund["out_refund_no"], refund)
    delay_s = max(0.0, refund["settle_at"] - time.time())
    out_refund_no = refund["out_refund_no"]
    dispatcher().schedule(delay_s, lambda: settle_refund(out_refund_no) and None)
    return 200, refund_view(refund)


@bp.get(PREFIX + "/refund/domestic/refunds/<out_refund_no>")
@v3("refund_query")
def query_refund(mchid: str, out_refund_no: str):
    refund = store().get("refund", out_refund_no)
    if refund is None:
        raise Refused(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
    if refund["status"] == "PROCESSING" and refund["settle_at"] <= time.time():
        refund = settle_refund(out_refund_no) or store().get("refund", out_refund_no)
    return 200, refund_view(refund)


def order_for_refund(fields: dict) -> dict:
    order = None
    if fields["transaction_id"]:
        found = store().get("transaction", fields["transaction_id"])
        order = load_order(found["out_trade_no"]) if found else None
    elif fields["out_trade_no"]:
        order = load_order(fields["out_trade_no"])
    if order is None:
        raise Refused(404, "RESOURCE_NOT_EXISTS", "订单不存在")
    return order


def settle_refund(out_refund_no: str) -> dict | None:
    """PROCESSING -> SUCCESS (or ABNORMAL, CLOSED) once; notify if a notify_url was given.

    ABNORMAL: the money left the merchant but could not reach the user; it still counts against
    the order. CLOSED: nothing was paid out, the amount can be refunded again (new number)."""
    with store().lock():
        refund = store().get("refund", out_refund_no)
        if refund is None or refund["status"] != "PROCESSING":
            return None  # someone else settled it
        refund["status"] = refund["outcome"]
        if refund["status"] == "SUCCESS":
            refund["success_time"] = china_now()
        elif refund["status"] == "CLOSED":
            order = load_order(refund["out_trade_no"])
            order["refunded"] -= refund["refund"]
            store().put("order", order["out_trade_no"], order)
        store().put("refund", out_refund_no, refund)
    if refund["notify_url"]:
        notify("REFUND." + refund["status"], refund["notify_url"], refund_plain(refund), "refund")
    return refund


def load_order(out_trade_no: str) -> dict | None:
    """The order, closed once past its time_expire (WeChat Pay closes expired orders)."""
    order = store().get("order", out_trade_no)
    expires = order and order["trade_state"] == "NOTPAY" and order["time_expire"]
    if expires and expires <= time.time():
        order["trade_state"] = "CLOSED"
    return order


def transaction(order: dict) -> dict:
    """The transaction object of a query answer and of TRANSACTION.SUCCESS."""
    state = order["trade_state"]
    answer = {
        "appid": order["appid"],
        "mchid": order["mchid"],
        "out_trade_no": order["out_trade_no"],
        "trade_state": state,
        "trade_state_desc": STATE_DESC[state],
        "attach": order["attach"] or "",
        "amount": {"total": order["total"], "currency": "CNY"},
    }
    if state in ("SUCCESS", "REFUND"):
        answer.update(
            transaction_id=order["transaction_id"],
            trade_type="JSAPI",
            bank_type="OTHERS",
            success_time=order["success_time"],
            payer={"openid": order["openid"]},
        )
        answer["amount"].update(payer_total=order["total"], payer_currency="CNY")
    return answer


def refund_view(refund: dict) -> dict:
    answer = {
        "refund_id": refund["refund_id"],
        "out_refund_no": refund["out_refund_no"],
        "transaction_id": refund["transaction_id"],
        "out_trade_no": refund["out_trade_no"],
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "create_time": refund["create_time"],
        "status": refund["status"],
        "funds_account": "AVAILABLE",
        "amount": refund_amount(refund),
    }
    if refund["success_time"]:
        answer["success_time"] = refund["success_time"]
    return answer


def refund_amount(refund: dict) -> dict:
    return {
        "total": refund["total"],
        "refund": refund["refund"],
        "payer_total": refund["total"],
        "payer_refund": refund["refund"],
        "settlement_refund": refund["refund"],
        "settlement_total": refund["total"],
        "discount_refund": 0,
        "currency": "CNY",
    }


def refund_plain(refund: dict) -> dict:
    """The decrypted resource of a REFUND.* notification."""
    plain = {
        "mchid": registered("WECHATPAY_MCHID"),
        "out_trade_no": refund["out_trade_no"],
        "transaction_id": refund["transaction_id"],
        "out_refund_no": refund["out_refund_no"],
        "refund_id": refund["refund_id"],
        "refund_status": refund["status"],
        "user_received_account": "支付用户零钱",
        "amount": {
            key: refund_amount(refund)[key]
            for key in ("total", "refund", "payer_total", "payer_refund")
        },
    }
    if refund["success_time"]:
        plain["success_time"] = refund["success_time"]
    return plain

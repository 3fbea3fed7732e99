"""Sandbox-only helpers around the fake WeChat Pay: the user paying, faults, the notification log.

- POST /sandbox/wechatpay/pay {"prepay_id"} (or the wx.requestPayment parameters, whose paySign
  is then checked as the WeChat client does): the user pays; TRANSACTION.SUCCESS is notified.
- POST /sandbox/wechatpay/faults {"refund": "SYSTEM_ERROR", "times": 1}: the next call(s) of an
  operation (certificates, create, query, close, refund, refund_query) answer that error;
  {"refund_outcome": "ABNORMAL"} (or "CLOSED"): the next refund ends so. DELETE clears every
  fault.
- GET /sandbox/wechatpay/notifications[?out_trade_no=&out_refund_no=&status=]: what was sent,
  with each try's result and status pending, delivered or failed.
- GET /sandbox/wechatpay: a page listing recent orders, with a button to pay each unpaid one.
"""

import secrets
import time

from flask import current_app, redirect, render_template, request, url_for

from app.extensions import csrf
from app.sandbox import bp
from app.sandbox.wechatpay import FAULT_STATUS, load_order, transaction
from app.sandbox.wechatpay_crypto import platform_keys, verify_pay_sign
from app.sandbox.wechatpay_notify import china_now, deliveries, dispatcher, notify
from app.sandbox.wechatpay_rules import registered
from app.sandbox.wechatpay_store import store

OPERATIONS = ("certificates", "create", "query", "close", "refund", "refund_query")
REFUND_OUTCOMES = ("ABNORMAL", "CLOSED")


class PayRefused(Exception):
    """The simulated user cannot pay this prepay_id."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def tool_error(status: int, code: str, message: str):
    return {"error": {"code": code, "message": message}}, status


@bp.post("/wechatpay/pay")
def wechatpay_pay():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return tool_error(400, "invalid_request", "请求体应为 JSON 对象")
    prepay_id = body.get("prepay_id")
    if "package" in body:
        # The wx.requestPayment parameters: checked as the WeChat client checks them.
        package = body.get("package")
        prepay_id = package.removeprefix("prepay_id=") if isinstance(package, str) else None
        appid = registered("WECHATPAY_APPID")
        if body.get("signType") != "RSA" or body.get("appId") not in (None, appid):
            return tool_error(400, "invalid_request", "signType 应为 RSA，appId 应为商户的 appid")
        if not verify_pay_sign(platform_keys(current_app.config), appid, body):
            return tool_error(400, "invalid_signature", "paySign 签名错误")
    if not isinstance(prepay_id, str) or not prepay_id:
        return tool_error(400, "invalid_request", "缺少 prepay_id")
    try:
        order = pay(prepay_id)
    except PayRefused as refused:
        return tool_error(refused.status, refused.code, refused.message)
    return transaction(order)


def pay(prepay_id: str) -> dict:
    """The user pays the order behind prepay_id: SUCCESS, then TRANSACTION.SUCCESS is sent."""
    with store().lock():
        found = store().get("prepay", prepay_id)
        order = load_order(found["out_trade_no"]) if found else None
        if order is None or order["prepay_id"] != prepay_id:
            raise PayRefused(404, "not_found", "prepay_id 不存在或已被新的 prepay_id 取代")
        if order["trade_state"] != "NOTPAY":
            raise PayRefused(409, "not_payable", f"订单状态为 {order['trade_state']}，不能支付")
        if order["prepay_at"] + 2 * 3600 <= time.time():
            raise PayRefused(409, "prepay_expired", "prepay_id 已过期（有效期 2 小时）")
        order.update(
            trade_state="SUCCESS",
            # 28 digits, as WeChat Pay's: 420000, 4 digits, the date, 10 digits.
            transaction_id=f"420000{digits(4)}{time.strftime('%Y%m%d')}{digits(10)}",
            success_time=china_now(),
        )
        store().put("order", order["out_trade_no"], order)
        store().put("transaction", order["transaction_id"], {"out_trade_no": order["out_trade_no"]})
    notify("TRANSACTION.SUCCESS", order["notify_url"], transaction(order), "transaction")
    return order


def digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


@bp.post("/wechatpay/faults")
def plan_fault():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return tool_error(400, "invalid_request", "请求体应为 JSON 对象")
    times = body.get("times", 1)
    if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= 100:
        return tool_error(400, "invalid_request", "times 应为 1 到 100 的整数")
    planned = {}
    for name, value in body.items():
        if name == "times":
            continue
        operation_fault = name in OPERATIONS and value in FAULT_STATUS
        if operation_fault or (name == "refund_outcome" and value in REFUND_OUTCOMES):
            planned[name] = value
        else:
            message = f"不支持的故障 {name}={value!r}：操作为 {', '.join(OPERATIONS)}，错误为"
            message += f" {', '.join(FAULT_STATUS)}；或 refund_outcome=ABNORMAL/CLOSED"
            return tool_error(400, "invalid_request", message)
    if not planned:
        return tool_error(400, "invalid_request", "没有指定任何故障")
    with store().lock():
        for name, value in planned.items():
            store().put("fault", name, {"value": value, "times": times})
    return {"planned": planned, "times": times}


@bp.delete("/wechatpay/faults")
def clear_faults():
    with store().lock():
        for name in (*OPERATIONS, "refund_outcome"):
            store().put("fault", name, {"value": None, "times": 0})
    return "", 204


@bp.get("/wechatpay/notifications")
def list_notifications():
    wanted = {
        name: request.args[name]
        for name in ("out_trade_no", "out_refund_no", "status", "event_type")
        if request.args.get(name)
    }
    found = [
        record
        for record in deliveries()
        if all(record.get(name) == value for name, value in wanted.items())
    ]
    return {"notifications": found, "scheduled_tasks": dispatcher().pending()}


@bp.get("/wechatpay")
def wechatpay_page():
    orders = [load_order(o["out_trade_no"]) or o for o in store().recent("order", 50)]
    return render_template(
        "sandbox/wechatpay.html", orders=orders, paid=request.args.get("paid"), error=None
    )


@bp.post("/wechatpay/pay-form")
def wechatpay_pay_form():
    # The blueprint's JSON endpoints are CSRF-exempt; this one is a form in a person's browser.
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    try:
        order = pay(request.form.get("prepay_id", ""))
    except PayRefused as refused:
        orders = [load_order(o["out_trade_no"]) or o for o in store().recent("order", 50)]
        html = render_template(
            "sandbox/wechatpay.html", orders=orders, paid=None, error=refused.message
        )
        return html, refused.status
    return redirect(url_for("sandbox.wechatpay_page", paid=order["out_trade_no"]), 303)

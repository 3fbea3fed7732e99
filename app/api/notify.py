"""WeChat Pay's notifications (payments and refunds): verified, decrypted, applied once."""

import logging

from flask import request

from app.api import bp
from app.services import payments
from app.services.payments import refunds
from app.services.platform import gateways

log = logging.getLogger(__name__)


def fail(status: int, message: str):
    return {"code": "FAIL", "message": message}, status


@bp.post("/payments/wechat/notify")
def wechat_pay_notify():
    """Not in the OpenAPI document: WeChat Pay calls it, not the mini-program."""
    from app.adapters.wechat_pay import DecryptFailed, SignatureInvalid

    body = request.get_data()
    try:
        notification = gateways.wechat_pay().verify_notification(request.headers, body)
    except SignatureInvalid as err:  # includes stale timestamps and SIGNTEST probes
        log.warning("WeChat Pay notification refused: %s", type(err).__name__)
        return fail(401, "签名验证失败")
    except DecryptFailed:
        log.warning("WeChat Pay notification could not be decrypted")
        return fail(400, "报文解密失败")
    event_type = notification.get("event_type", "")
    event_id = notification.get("id") or None
    resource = notification["resource_plain"]
    if event_type == "TRANSACTION.SUCCESS":
        outcome = payments.apply_transaction(resource, event_id=event_id)
    elif event_type.startswith("REFUND."):
        outcome = refunds.apply_result(resource, event_id=event_id)
    else:
        log.info("WeChat Pay notification %s ignored", event_type)
        return "", 204
    if outcome in ("unknown", "mismatch"):
        # Retried by WeChat, and logged loudly: it needs a person to look at it.
        return fail(400, "订单不存在或金额不符" if outcome == "mismatch" else "订单不存在")
    return "", 204

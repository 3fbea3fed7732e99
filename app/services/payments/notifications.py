"""WeChat Pay's notifications (payments and refunds): verified, decrypted, applied once.
A payment whose out_trade_no is a top-up number (T...) is a wallet top-up (members.top_ups)."""

import logging
from dataclasses import dataclass

from app.services.payments import paying, refunds
from app.services.platform import gateways

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """What WeChat is answered: 204, or an error that makes it deliver the notification again."""

    status: int
    message: str = ""


def handle_wechat_notification(headers, body: bytes) -> Answer:
    """Verify a notification's signature, decrypt it and apply it (each in its own transaction,
    at most once per event and per transaction id)."""
    from app.adapters.wechat_pay import DecryptFailed, SignatureInvalid
    from app.services.members import top_ups  # members use payments: imported when needed

    try:
        notification = gateways.wechat_pay().verify_notification(headers, body)
    except SignatureInvalid as err:  # includes stale timestamps and SIGNTEST probes
        log.warning("WeChat Pay notification refused: %s", type(err).__name__)
        return Answer(401, "签名验证失败")
    except DecryptFailed:
        log.warning("WeChat Pay notification could not be decrypted")
        return Answer(400, "报文解密失败")
    event_type = notification.get("event_type", "")
    event_id = notification.get("id") or None
    resource = notification["resource_plain"]
    if event_type == "TRANSACTION.SUCCESS" and top_ups.is_topup_no(resource.get("out_trade_no")):
        outcome = top_ups.apply_transaction(resource, event_id=event_id)  # a wallet top-up
    elif event_type == "TRANSACTION.SUCCESS":
        outcome = paying.apply_transaction(resource, event_id=event_id)
    elif event_type.startswith("REFUND."):
        outcome = refunds.apply_result(resource, event_id=event_id)
    else:
        log.info("WeChat Pay notification %s ignored", event_type)
        return Answer(204)
    if outcome in ("unknown", "mismatch"):
        # Retried by WeChat, and logged loudly: it needs a person to look at it.
        return Answer(400, "订单不存在或金额不符" if outcome == "mismatch" else "订单不存在")
    return Answer(204)

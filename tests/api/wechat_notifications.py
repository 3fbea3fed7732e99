"""WeChat Pay notifications built as WeChat builds them: encrypted resource, platform-signed."""

import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta, timezone
from functools import partial

import httpx
import time_machine

from app.models import Order, Refund
from app.sandbox.wechatpay_crypto import encrypt_resource, platform_keys, signed_headers
from tests.threads import run_together, start_line

CHINA = timezone(timedelta(hours=8))
NOTIFY_PATH = "/api/v1/payments/wechat/notify"
SUMMARIES = {"TRANSACTION.SUCCESS": "支付成功", "REFUND.SUCCESS": "退款成功"}
COPIES = 15  # WeChat Pay tries a notification up to 15 times


class Notifier:
    """Holds WeChat Pay's (the sandbox's) platform key and the merchant's APIv3 key."""

    def __init__(self, config):
        self.config = config
        self.keys = platform_keys(config)

    def transaction(self, order: Order, **changes) -> dict:
        """The decrypted TRANSACTION.SUCCESS resource for a paid order; `changes` tamper."""
        plain = {
            "appid": self.config["WECHATPAY_APPID"],
            "mchid": self.config["WECHATPAY_MCHID"],
            "out_trade_no": order.order_no,
            "transaction_id": "4200" + "".join(secrets.choice("0123456789") for _ in range(24)),
            "trade_type": "JSAPI",
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "bank_type": "OTHERS",
            "attach": str(order.id),
            "success_time": datetime.now(CHINA).isoformat(timespec="seconds"),
            "payer": {"openid": "o-test-driver"},
            "amount": {
                "total": order.amount_fen,
                "payer_total": order.amount_fen,
                "currency": "CNY",
                "payer_currency": "CNY",
            },
        }
        return {**plain, **changes}

    def refund(self, refund: Refund, order: Order, **changes) -> dict:
        """The decrypted REFUND.SUCCESS resource for a refund WeChat has paid out."""
        plain = {
            "mchid": self.config["WECHATPAY_MCHID"],
            "out_trade_no": order.order_no,
            "transaction_id": "4200" + "".join(secrets.choice("0123456789") for _ in range(24)),
            "out_refund_no": refund.out_refund_no,
            "refund_id": "5030" + "".join(secrets.choice("0123456789") for _ in range(24)),
            "refund_status": "SUCCESS",
            "success_time": datetime.now(CHINA).isoformat(timespec="seconds"),
            "user_received_account": "支付用户零钱",
            "amount": {
                "total": order.paid_fen,
                "refund": refund.amount_fen,
                "payer_total": order.paid_fen,
                "payer_refund": refund.amount_fen,
            },
        }
        return {**plain, **changes}

    def body(
        self,
        plain: dict,
        event_type: str = "TRANSACTION.SUCCESS",
        event_id: str | None = None,
        apiv3_key: bytes | None = None,
    ) -> bytes:
        """The notification body, its resource sealed with the APIv3 key."""
        original_type = "transaction" if event_type.startswith("TRANSACTION") else "refund"
        sealed = encrypt_resource(
            apiv3_key or self.keys.apiv3_key,
            json.dumps(plain, ensure_ascii=False).encode(),
            original_type,
        )
        notification = {
            "id": event_id or str(uuid.uuid4()),
            "create_time": datetime.now(CHINA).isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": SUMMARIES.get(event_type, "通知"),
            "resource": {"original_type": original_type, **sealed},
        }
        return json.dumps(notification, ensure_ascii=False, separators=(",", ":")).encode()

    def headers(self, body: bytes, mode: str = "public_key", age: timedelta | None = None):
        """Wechatpay-* headers signing body, as if sent `age` ago (negative: from the future)."""
        if age is None:
            headers = signed_headers(self.keys, mode, body)
        else:
            with time_machine.travel(datetime.now(UTC) - age, tick=False):
                headers = signed_headers(self.keys, mode, body)
        return {**headers, "Content-Type": "application/json"}


def deliver_at_once(base_url: str, signed: list[tuple[bytes, dict]]) -> list[int]:
    """POST every (body, headers) to the live server's notify URL at the same moment, each from
    its own thread; the answers' statuses."""
    start, statuses = start_line(len(signed)), []

    def send(body, headers):
        start.wait()
        answer = httpx.post(base_url + NOTIFY_PATH, content=body, headers=headers, timeout=30)
        statuses.append(answer.status_code)

    run_together(*(partial(send, body, headers) for body, headers in signed), barrier=start)
    return statuses

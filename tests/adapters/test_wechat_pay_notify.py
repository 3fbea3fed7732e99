"""Sandbox WeChat Pay notifications: delivered, signed, encrypted, retried until answered."""

import threading
import time
import uuid

import httpx
import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from app.adapters.wechat_pay import WeChatPayClient
from app.sandbox.wechatpay_notify import RETRY_AFTER_S, dispatcher


class Receiver:
    """A merchant notify endpoint: records each delivery; 500 the first N times, then 204."""

    def __init__(self):
        self.fail_first = 0
        self.received: list[tuple[dict, bytes]] = []
        self._lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/notify"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.received.append((dict(request.headers), request.get_data()))
            failing = len(self.received) <= self.fail_first
        if failing:
            start_response("500 Internal Server Error", [("Content-Type", "application/json")])
            return [b'{"code":"FAIL","message":"busy"}']
        start_response("204 No Content", [])
        return [b""]

    def wait_for(self, count: int, timeout_s: float = 10) -> list[tuple[dict, bytes]]:
        deadline = time.monotonic() + timeout_s
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} deliveries"
            time.sleep(0.02)
        return list(self.received)


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.server.shutdown()


@pytest.fixture
def fast_sandbox(app, live_server):
    """Retries and refunds settling in a fraction of a second."""
    saved = {
        name: app.config[name]
        for name in (
            "SANDBOX_WECHATPAY_RETRY_SCALE",
            "SANDBOX_WECHATPAY_REFUND_DELAY_MS",
            "SANDBOX_WECHATPAY_SIGN_MODE",
        )
    }
    app.config["SANDBOX_WECHATPAY_RETRY_SCALE"] = 300  # 15 s -> 50 ms
    app.config["SANDBOX_WECHATPAY_REFUND_DELAY_MS"] = 50
    httpx.delete(live_server.url + "/sandbox/wechatpay/faults").raise_for_status()
    yield live_server.url + "/sandbox/wechatpay"
    app.config.update(saved)


@pytest.fixture
def wxpay(app, fast_sandbox):
    return WeChatPayClient.from_config({**app.config, "WECHATPAY_API_BASE": fast_sandbox})


def paid_order(wxpay, sandbox, notify_url, total=25000) -> str:
    out_trade_no = "JY" + uuid.uuid4().hex[:20]
    prepay_id = wxpay.create_jsapi(out_trade_no, "0号柴油", total, "o-driver-9", notify_url)
    httpx.post(sandbox + "/pay", json={"prepay_id": prepay_id}).raise_for_status()
    return out_trade_no


def nothing_more_within(app, delay_s: float) -> None:
    """Return once the sandbox has sent all it would send within delay_s from now.

    The sandbox runs its deliveries one at a time, in the order they are due: a marker queued
    behind the task running now (so that task has finished and queued any retry of its own),
    then a second marker due delay_s later, runs after every delivery due before it."""
    with app.app_context():
        queue = dispatcher()
    done = threading.Event()
    queue.schedule(0, lambda: queue.schedule(delay_s, lambda: done.set()) and None)
    assert done.wait(10 + delay_s), "the sandbox's deliveries did not move on"


def log_of(sandbox, **filters) -> list[dict]:
    answer = httpx.get(sandbox + "/notifications", params=filters)
    answer.raise_for_status()
    return answer.json()["notifications"]


def test_payment_notification_is_retried_until_acknowledged(app, wxpay, fast_sandbox, receiver):
    receiver.fail_first = 2
    out_trade_no = paid_order(wxpay, fast_sandbox, receiver.url)
    deliveries = receiver.wait_for(3)
    ids = set()
    for headers, body in deliveries:
        notification = wxpay.verify_notification(headers, body)
        ids.add(notification["id"])
        assert notification["event_type"] == "TRANSACTION.SUCCESS"
        assert notification["resource"]["original_type"] == "transaction"
        assert notification["resource"]["associated_data"] == "transaction"
        assert "ciphertext" in notification["resource"]
        assert "out_trade_no" not in body.decode()  # encrypted, not in the clear
        plain = notification["resource_plain"]
        assert plain["out_trade_no"] == out_trade_no and plain["trade_state"] == "SUCCESS"
        assert plain["amount"]["total"] == 25000 and plain["mchid"] == wxpay.mchid
        assert plain["transaction_id"] == wxpay.query(out_trade_no)["transaction_id"]
    assert len(ids) == 1  # the same notification each time, so the merchant can dedupe
    # Each try is signed afresh.
    assert len({headers["Wechatpay-Nonce"] for headers, _ in deliveries}) == 3

    deadline = time.monotonic() + 5
    while (entry := log_of(fast_sandbox, out_trade_no=out_trade_no)[0])["status"] == "pending":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert entry["status"] == "delivered"
    assert [attempt["result"] for attempt in entry["attempts"]] == [500, 500, 204]
    # Nothing more comes once acknowledged, not even when a fourth try would have been due.
    nothing_more_within(app, RETRY_AFTER_S[2] / app.config["SANDBOX_WECHATPAY_RETRY_SCALE"])
    assert len(receiver.received) == 3


def test_unreachable_endpoint_is_retried(wxpay, fast_sandbox):
    server = make_server("127.0.0.1", 0, lambda e, s: [])
    closed = f"http://127.0.0.1:{server.server_port}/notify"
    server.server_close()
    out_trade_no = paid_order(wxpay, fast_sandbox, closed)
    deadline = time.monotonic() + 5
    while len(log_of(fast_sandbox, out_trade_no=out_trade_no)[0]["attempts"]) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    entry = log_of(fast_sandbox, out_trade_no=out_trade_no)[0]
    assert entry["status"] == "pending" and entry["attempts"][0]["result"] == "ConnectError"


def test_refund_notifications_success_and_abnormal(app, wxpay, fast_sandbox, receiver):
    out_trade_no = paid_order(wxpay, fast_sandbox, receiver.url, total=9000)
    receiver.wait_for(1)
    out_refund_no = "R" + uuid.uuid4().hex[:20]
    wxpay.refund(out_refund_no, 3000, 9000, out_trade_no=out_trade_no, notify_url=receiver.url)
    httpx.post(fast_sandbox + "/faults", json={"refund_outcome": "ABNORMAL"}).raise_for_status()
    abnormal_no = "R" + uuid.uuid4().hex[:20]
    wxpay.refund(abnormal_no, 1000, 9000, out_trade_no=out_trade_no, notify_url=receiver.url)
    # A refund without notify_url is not notified.
    silent_no = "R" + uuid.uuid4().hex[:20]
    wxpay.refund(silent_no, 500, 9000, out_trade_no=out_trade_no)

    events = {}
    for headers, body in receiver.wait_for(3)[1:]:
        notification = wxpay.verify_notification(headers, body)
        events[notification["resource_plain"]["out_refund_no"]] = notification
    assert events[out_refund_no]["event_type"] == "REFUND.SUCCESS"
    plain = events[out_refund_no]["resource_plain"]
    assert plain["refund_status"] == "SUCCESS" and plain["out_trade_no"] == out_trade_no
    assert plain["amount"] == {
        "total": 9000,
        "refund": 3000,
        "payer_total": 9000,
        "payer_refund": 3000,
    }
    assert events[abnormal_no]["event_type"] == "REFUND.ABNORMAL"
    assert events[abnormal_no]["resource"]["associated_data"] == "refund"
    assert wxpay.query_refund(abnormal_no)["status"] == "ABNORMAL"
    assert wxpay.query_refund(silent_no)["status"] == "SUCCESS"  # settled, so it would be sent
    # Nothing more: no notification of the silent refund, no repeat of an acknowledged one.
    nothing_more_within(app, RETRY_AFTER_S[0] / app.config["SANDBOX_WECHATPAY_RETRY_SCALE"])
    assert len(receiver.received) == 3


def test_certificate_mode_notifications_verify(app, wxpay, fast_sandbox, receiver):
    app.config["SANDBOX_WECHATPAY_SIGN_MODE"] = "certificate"
    paid_order(wxpay, fast_sandbox, receiver.url)
    headers, body = receiver.wait_for(1)[0]
    assert headers["Wechatpay-Serial"] != app.config["WECHATPAY_PUBLIC_KEY_ID"]
    assert not headers["Wechatpay-Serial"].startswith("PUB_KEY_ID_")
    assert wxpay.verify_notification(headers, body)["event_type"] == "TRANSACTION.SUCCESS"


def test_public_key_mode_notifications_name_the_key_id(app, wxpay, fast_sandbox, receiver):
    paid_order(wxpay, fast_sandbox, receiver.url)
    headers, body = receiver.wait_for(1)[0]
    assert headers["Wechatpay-Serial"] == app.config["WECHATPAY_PUBLIC_KEY_ID"]
    assert headers["Wechatpay-Signature-Type"] == "WECHATPAY2-SHA256-RSA2048"
    assert headers["Content-Type"] == "application/json"
    assert wxpay.verify_notification(headers, body)["summary"] == "支付成功"

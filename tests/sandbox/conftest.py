"""Fixtures of the sandbox WeChat Pay tests."""

import threading

import httpx
import pytest
from werkzeug.serving import make_server

from tests.sandbox.wechatpay_merchant import Merchant


@pytest.fixture(scope="module")
def sink():
    """Where the orders of a test module are notified: acknowledges everything, at once."""

    def acknowledge(environ, start_response):
        start_response("204 No Content", [])
        return [b""]

    server = make_server("127.0.0.1", 0, acknowledge, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/notify"
    server.shutdown()


@pytest.fixture
def merchant(app, live_server, sink):
    httpx.delete(live_server.url + "/sandbox/wechatpay/faults").raise_for_status()
    yield Merchant(app, live_server.url, sink)
    httpx.delete(live_server.url + "/sandbox/wechatpay/faults").raise_for_status()

"""The whole money flow once on the embedded SQLite mode, as `make run` serves it: WeChat Pay
through the built-in sandbox (notifications delivered to the service itself), the attendant's
confirmation, the settlement job run in-process, the refund, and the books checked after."""

import json
import re
import time

import httpx
import pytest

from tests.test_embedded_smoke import Embedded, flask


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    server = Embedded(tmp_path_factory.mktemp("embedded-money"))
    yield server
    server.stop()


def until(fetch, done, seconds=30.0):
    """Poll (bounded) until done(fetch()) holds; returns the last value fetched."""
    deadline = time.monotonic() + seconds
    value = fetch()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.2)
        value = fetch()
    return value


def test_order_paid_with_wechat_fuelled_settled_and_refunded(embedded):
    day_before = _manager_sees_the_day(embedded.url)  # the demo's own trading so far today
    with httpx.Client(base_url=embedded.url, timeout=15) as http:
        code = http.post("/sandbox/wechat/login-code", json={"openid": "demo-driver-2"})
        token = http.post("/api/v1/auth/wechat", json={"js_code": code.json()["js_code"]})
        driver = {"Authorization": f"Bearer {token.json()['token']}"}
        station = http.get("/api/v1/stations", params={"lat": 25.0586, "lng": 102.7215})
        station_id = station.json()["items"][0]["id"]

        placed = http.post(
            "/api/v1/orders",
            json={"station_id": station_id, "fuel": "92", "mode": "amount", "amount_fen": 20000},
            headers={**driver, "Idempotency-Key": "embedded-flow-1"},
        )
        assert placed.status_code == 201, placed.text
        order = placed.json()
        # What the server priced: the demo's campaigns (92#满200减10, the members' day on a
        # Wednesday) take their part off the 200 元.
        paid_fen = order["amount_fen"]
        assert (
            paid_fen
            == order["bill"]["pay_fen"]
            == 20000 - order["bill"]["campaigns"][-1]["saving_fen"]
        )
        paying = http.post(
            f"/api/v1/orders/{order['id']}/pay",
            json={"method": "wechat"},
            headers={**driver, "Idempotency-Key": "embedded-flow-2"},
        )
        assert paying.status_code == 200, paying.text
        # The mini-program hands these to wx.requestPayment; the sandbox plays the user paying.
        paid_at_wechat = http.post("/sandbox/wechatpay/pay", json=paying.json()["wechat_pay"])
        assert paid_at_wechat.status_code == 200, paid_at_wechat.text

        def fetch_order():
            return http.get(f"/api/v1/orders/{order['id']}", headers=driver).json()

        paid = until(fetch_order, lambda o: o["status"] == "paid")
        assert paid["status"] == "paid" and paid["pickup"], paid

        login = http.post(
            "/attendant/api/login", json={"username": "km001.attendant", "password": "demo1234"}
        )
        assert login.status_code == 200, login.text
        staff = {"X-CSRFToken": login.json()["csrf_token"]}
        # The camera fails: the attendant types the short code, once wrong (a miss is counted).
        typed, by_code = paid["pickup"]["code"], "/attendant/api/orders/by-code"
        wrong = {"station_id": station_id, "code": f"{(int(typed) + 1) % 10**8:08d}"}
        assert http.post(by_code, json=wrong, headers=staff).status_code == 404
        found = http.post(by_code, json={"station_id": station_id, "code": typed}, headers=staff)
        assert found.status_code == 200, found.text
        scanned = found.json()["token"]
        assert scanned == paid["pickup"]["token"]
        looked_up = http.get("/attendant/api/orders/lookup", params={"token": scanned})
        assert looked_up.status_code == 200 and looked_up.json()["paid_fen"] == paid_fen
        confirmed = http.post(
            "/attendant/api/orders/confirm",
            json={"token": scanned, "dispensed_ml": 20000},
            headers=staff,
        )
        assert confirmed.status_code == 200, confirmed.text
        refund_fen = confirmed.json()["refund_fen"]
        assert refund_fen == paid_fen - confirmed.json()["dispensed_fen"] > 0

        settled = until(
            fetch_order,
            lambda o: (
                o["status"] == "settled" and [r["status"] for r in o["refunds"]] == ["SUCCESS"]
            ),
        )
        assert settled["status"] == "settled", settled
        assert [(r["method"], r["amount_fen"], r["status"]) for r in settled["refunds"]] == [
            ("wechat", refund_fen, "SUCCESS")
        ]
        again = http.post(
            "/attendant/api/orders/confirm",
            json={"token": scanned, "dispensed_ml": 20000},
            headers=staff,
        )
        assert again.status_code == 409 and again.json()["error"]["code"] == "token_used"
        revenue_fen, orders = _manager_sees_the_day(embedded.url)
        assert (revenue_fen, orders) == (day_before[0] + paid_fen - refund_fen, day_before[1] + 1)

    checked = flask(embedded.env, "ledger", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def _manager_sees_the_day(url: str) -> tuple[int, int]:
    """Today's net revenue (fen) and orders on the station manager's figures, computed on
    SQLite (local hours included); the chart's hours of today add up to the revenue."""
    with httpx.Client(base_url=url, timeout=15) as http:
        form = http.get("/console/login").text
        token = re.search(r'name="csrf-token" content="([^"]+)"', form).group(1)
        login = {"username": "km001.manager", "password": "demo1234", "csrf_token": token}
        assert http.post("/console/login", data=login).status_code == 303
        block = http.get("/console/dashboard", headers={"HX-Request": "true"})
    assert block.status_code == 200, block.text

    def figure(name: str) -> str:
        card = re.search(rf'data-figure="{name}">.*?class="dash-value">(.*?)</p>', block.text, re.S)
        return card.group(1)

    revenue_fen = int(figure("revenue").removeprefix("¥").replace(".", ""))  # ¥1234.56
    orders = int(figure("orders").removesuffix(" 笔"))
    chart = json.loads(re.search(r'id="dash-data">(.*?)</script>', block.text, re.S).group(1))
    assert sum(fen or 0 for fen in chart["today"]) == revenue_fen
    return revenue_fen, orders


def test_wallet_top_up_with_a_package_on_sqlite(embedded):
    with httpx.Client(base_url=embedded.url, timeout=15) as http:
        code = http.post("/sandbox/wechat/login-code", json={"openid": "demo-topup-driver"})
        token = http.post("/api/v1/auth/wechat", json={"js_code": code.json()["js_code"]})
        driver = {"Authorization": f"Bearer {token.json()['token']}"}
        offered = http.get("/api/v1/topup-packages", headers=driver).json()["items"]
        package = next(p for p in offered if p["name"] == "充500送30")
        started = http.post(
            "/api/v1/topups",
            json={"package_id": package["id"]},
            headers={**driver, "Idempotency-Key": "embedded-topup-1"},
        )
        assert started.status_code == 201, started.text
        paid = http.post("/sandbox/wechatpay/pay", json=started.json()["wechat_pay"])
        assert paid.status_code == 200, paid.text
        wallet = until(
            lambda: http.get("/api/v1/wallet", headers=driver).json(),
            lambda w: w["balance_fen"] > 0,
        )
        assert (wallet["principal_fen"], wallet["bonus_fen"]) == (50_000, 3_000)
        topup_id = started.json()["topup"]["id"]
        asked = http.post(
            f"/api/v1/topups/{topup_id}/refund-requests",
            json={"reason": "不用了"},
            headers={**driver, "Idempotency-Key": "embedded-topup-2"},
        )
        assert asked.status_code == 201, asked.text
        again = http.post(
            f"/api/v1/topups/{topup_id}/refund-requests",
            json={"reason": "再来"},
            headers={**driver, "Idempotency-Key": "embedded-topup-3"},
        )
        assert again.status_code == 409 and again.json()["error"]["code"] == "refund_request_open"

    checked = flask(embedded.env, "ledger", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr

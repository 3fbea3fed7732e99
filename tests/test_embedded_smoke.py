"""Smoke test of the embedded demo, started the way `make run` starts it.

In subprocesses: migrate a fresh SQLite file, load the demo data, serve with `flask run` on a free
port; then drive the service over HTTP as the mini-program and a member of staff would.
"""

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
KUNMING = {"lat": 25.04, "lng": 102.71}
# Settings a developer's shell might carry that would take the app out of the embedded mode.
FOREIGN_SETTINGS = ("DATABASE_URL", "REDIS_URL", "RATELIMIT_STORAGE_URI", "WECHAT_API_BASE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def row_counts(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        tables = [
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name != "alembic_version" and not name.startswith("sqlite_")
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


class Embedded:
    def __init__(self, folder: Path):
        self.db_path = folder / "jiayou.db"
        self.log_path = folder / "server.log"
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.env = {k: v for k, v in os.environ.items() if k not in FOREIGN_SETTINGS}
        self.env.update(
            JIAYOU_ENV="development",
            SANDBOX="true",
            DATABASE_URL=f"sqlite:///{self.db_path}",
            PUBLIC_BASE_URL=self.url,
            SECRET_KEY="embedded-smoke-test-secret",
        )
        for args in (["db", "upgrade"], ["seed-demo"]):
            done = flask(self.env, *args)
            assert done.returncode == 0, f"flask {' '.join(args)} failed:\n{done.stderr}"
        self.seed_output = done.stdout
        self._log = self.log_path.open("w")
        serve = ["run", "--host", "127.0.0.1", "--port", str(port), "--with-threads"]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", *serve],
            cwd=REPO,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail("the server exited:\n" + self.log_path.read_text())
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        pytest.fail("the server did not answer /healthz in 60 s:\n" + self.log_path.read_text())

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    server = Embedded(tmp_path_factory.mktemp("embedded"))
    yield server
    server.stop()


@pytest.fixture
def http(embedded):
    with httpx.Client(base_url=embedded.url, timeout=10) as client:
        yield client


def test_health(http):
    response = http.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_seed_demo_runs_again_without_duplicating(embedded):
    # The server's own job runner queues jobs (the nightly tier recompute) and deletes member
    # codes a day past their expiry (the demo week's counter sales used some) whenever it likes.
    housekeeping = ("outbox_job", "member_code")
    before = {t: n for t, n in row_counts(embedded.db_path).items() if t not in housekeeping}

    again = flask(embedded.env, "seed-demo")

    assert again.returncode == 0, again.stderr
    after = {t: n for t, n in row_counts(embedded.db_path).items() if t not in housekeeping}
    assert after == before
    assert before["station"] > 0 and before["staff"] > 0


def test_seed_demo_prints_every_demo_login(embedded):
    with sqlite3.connect(embedded.db_path) as conn:
        usernames = [name for (name,) in conn.execute("SELECT username FROM staff")]

    assert "admin" in usernames
    for username in usernames:
        assert username in embedded.seed_output


def test_nearby_stations_from_kunming_nearest_first_with_prices(http):
    response = http.get("/api/v1/stations", params=KUNMING)

    assert response.status_code == 200
    stations = response.json()["items"]
    assert len(stations) >= 2
    distances = [s["distance_m"] for s in stations]
    assert distances == sorted(distances)
    assert distances[-1] <= 10_000
    for station in stations:
        assert station["city"] == "昆明"
        assert station["fuels"], f"{station['name']} lists no fuels"
        for fuel in station["fuels"]:
            assert 0 < fuel["member_price_fen"] <= fuel["list_price_fen"]


def test_a_wider_search_finds_more_stations(http):
    near = http.get("/api/v1/stations", params=KUNMING).json()
    wide = http.get("/api/v1/stations", params={**KUNMING, "radius_m": 50_000}).json()

    assert wide["total"] > near["total"]


def test_demo_driver_logs_in_through_the_sandbox(http):
    code = http.post("/sandbox/wechat/login-code", json={"openid": "demo-driver-1"})
    assert code.status_code == 200
    login = http.post("/api/v1/auth/wechat", json={"js_code": code.json()["js_code"]})
    assert login.status_code == 200, login.text
    assert login.json()["is_new_member"] is False
    token = login.json()["token"]

    me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    anonymous = http.get("/api/v1/me")

    assert me.status_code == 200, me.text
    assert me.json()["nickname"] == "张师傅"
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"]


def test_a_new_driver_registers_on_first_login(http):
    code = http.post("/sandbox/wechat/login-code", json={"openid": "smoke-test-new-driver"})

    login = http.post("/api/v1/auth/wechat", json={"js_code": code.json()["js_code"]})

    assert login.status_code == 200, login.text
    assert login.json()["is_new_member"] is True


def test_a_login_code_works_once(http):
    code = http.post("/sandbox/wechat/login-code", json={"openid": "demo-driver-2"}).json()
    first = http.post("/api/v1/auth/wechat", json={"js_code": code["js_code"]})
    second = http.post("/api/v1/auth/wechat", json={"js_code": code["js_code"]})

    assert first.status_code == 200
    assert 400 <= second.status_code < 500
    assert "token" not in second.json()


def test_console_login_page_answers_in_chinese(http):
    response = http.get("/console/login")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "登录" in response.text
    assert 'lang="zh' in response.text


def _token(http, openid: str) -> dict:
    code = http.post("/sandbox/wechat/login-code", json={"openid": openid}).json()["js_code"]
    login = http.post("/api/v1/auth/wechat", json={"js_code": code})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['token']}"}


def test_the_demo_marketing_is_live_for_the_mini_program(http):
    banners = http.get("/api/v1/banners", params={"city": "昆明"}).json()["items"]
    assert len(banners) >= 3
    picture = http.get(banners[0]["image"]["url"])
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
    notices = http.get("/api/v1/notices", params={"city": "昆明"}).json()["items"]
    assert notices[0]["pinned"] and {n["kind"] for n in notices} == {"announcement", "price_change"}

    stations = http.get("/api/v1/stations", params=KUNMING).json()["items"]
    km001 = next(s["id"] for s in stations if s["name"] == "昆明北京路加油站")
    order = {"station_id": km001, "fuel": "92", "mode": "amount", "amount_fen": 30_000}
    choices = http.get(
        "/api/v1/orders/coupons", params=order, headers=_token(http, "demo-driver-1")
    )
    assert choices.status_code == 200, choices.text
    assert choices.json()["suggested_coupon_id"] and len(choices.json()["coupons"]) >= 2

    newcomer = _token(http, "smoke-test-join-gift")
    gifts = http.get("/api/v1/me/coupons", headers=newcomer).json()["items"]
    assert [c["source"] for c in gifts] == ["join_gift"]

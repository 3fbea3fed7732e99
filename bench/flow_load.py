"""The load of the order-flow benchmark: a lean keep-alive HTTP client, and drivers and one
station handheld running complete flows, in one of two shapes (FLOWS): two-step (place, pay by
wallet, lookup, confirm) or one-call (place and pay by wallet in one request, lookup, confirm)."""

import asyncio
import json
import random
import sys
import time
import uuid
from collections import Counter

STATION_CODE, FUEL_CODE, ATTENDANT = "KM001", "92", "km001.attendant"
ORDER_FEN = 20_000  # 200 元 per order
USER_AGENT = "jiayou-bench/1"
# The requests of each flow, in order; each one step of the figures.
FLOWS = {
    "two-step": ("place", "pay", "lookup", "confirm"),
    "one-call": ("place_pay", "lookup", "confirm"),
}

# --- a lean HTTP/1.1 client: keep-alive, Content-Length bodies, nothing else --------------------


class Connection:
    """One keep-alive connection (a driver's phone or an attendant's handheld)."""

    def __init__(self, port: int, headers: dict[str, str] | None = None):
        self.port = port
        self.headers = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self.reader = self.writer = None
        self.cookies: dict[str, str] = {}

    async def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict]:
        payload = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
        head += f"User-Agent: {USER_AGENT}\r\n{self.headers}"
        head += "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        if payload:
            head += "Content-Type: application/json\r\n"
        head += f"Content-Length: {len(payload)}\r\n\r\n"
        reused = self.writer is not None
        if not reused:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(head.encode() + payload)
        try:
            raw = await self.reader.readuntil(b"\r\n\r\n")
        except (ConnectionError, asyncio.IncompleteReadError) as err:
            self.close()
            partial = getattr(err, "partial", b"")
            if reused and not partial:  # the server closed an idle keep-alive: send again
                return await self.request(method, path, body, headers)
            raise
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            fields[name] = value
            if name == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        if "content-length" in fields:
            data = await self.reader.readexactly(int(fields["content-length"]))
        else:
            data = await self.reader.read()
            fields["connection"] = "close"
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status, json.loads(data) if data.startswith((b"{", b"[")) else {}

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


# --- the load ----------------------------------------------------------------------------------


class Stats:
    def __init__(self, flow: str, window: tuple[float, float]):
        self.flow = flow
        self.window = window
        self.flows = 0
        self.latency_ms = {step: [] for step in FLOWS[flow]}
        self.errors: Counter = Counter()
        self.samples: list[str] = []
        self.cpu_before: dict[str, float] = {}
        self.cpu_after: dict[str, float] = {}

    def step(self, name: str, started: float, status: int | str, expected: int) -> bool:
        ended = time.monotonic()
        if status != expected:
            self.errors[name, status] += 1
            return False
        if self.window[0] <= ended <= self.window[1]:
            self.latency_ms[name].append((ended - started) * 1000)
        return True


async def one_flow(phone, handheld, driver_token, csrf, station_id, stats, rng, first) -> None:
    auth = {"Authorization": f"Bearer {driver_token}"}
    order_body = {
        "station_id": station_id,
        "fuel": FUEL_CODE,
        "mode": "amount",
        "amount_fen": ORDER_FEN,
    }
    answers = {}
    if stats.flow == "one-call":
        started = time.monotonic()
        status, paid = await phone.request(
            "POST",
            "/api/v1/orders",
            {**order_body, "pay_with": "wallet"},
            {**auth, "Idempotency-Key": uuid.uuid4().hex},
        )
        if not stats.step("place_pay", started, status, 201):
            stats.samples.append(f"place_pay {status} {paid}")
            return
        answers["place_pay"] = paid
    else:
        started = time.monotonic()
        status, order = await phone.request(
            "POST", "/api/v1/orders", order_body, {**auth, "Idempotency-Key": uuid.uuid4().hex}
        )
        if not stats.step("place", started, status, 201):
            stats.samples.append(f"place {status} {order}")
            return
        started = time.monotonic()
        status, paid = await phone.request(
            "POST",
            f"/api/v1/orders/{order['id']}/pay",
            {"method": "wallet"},
            {**auth, "Idempotency-Key": uuid.uuid4().hex},
        )
        if not stats.step("pay", started, status, 200):
            stats.samples.append(f"pay {status} {paid}")
            return
        answers.update(place=order, pay=paid)
    token = paid["order"]["pickup"]["token"]
    started = time.monotonic()
    status, found = await handheld.request("GET", f"/attendant/api/orders/lookup?token={token}")
    if not stats.step("lookup", started, status, 200):
        stats.samples.append(f"lookup {status} {found}")
        return
    most = found["max_volume_ml"]
    dispensed = rng.randint(most // 2, most * 95 // 100) // 10 * 10  # always leaves a refund
    started = time.monotonic()
    status, confirmed = await handheld.request(
        "POST",
        "/attendant/api/orders/confirm",
        {"token": token, "dispensed_ml": dispensed},
        {"X-CSRFToken": csrf},
    )
    if not stats.step("confirm", started, status, 200):
        stats.samples.append(f"confirm {status} {confirmed}")
        return
    for step, answer in answers.items():  # real answers, for the pgbench scripts
        first.setdefault(step, answer)
    if stats.window[0] <= time.monotonic() <= stats.window[1]:
        stats.flows += 1


async def driver_loop(port, driver_token, handheld_headers, csrf, station_id, stats, seed, first):
    phone = Connection(port)
    handheld = Connection(port, handheld_headers)
    rng = random.Random(seed)
    try:
        while time.monotonic() < stats.window[1]:
            try:
                async with asyncio.timeout(30):
                    await one_flow(
                        phone, handheld, driver_token, csrf, station_id, stats, rng, first
                    )
            except (OSError, asyncio.IncompleteReadError, TimeoutError) as err:
                stats.errors["http", type(err).__name__] += 1
                phone.close()
                handheld.close()
                await asyncio.sleep(0.1)
    finally:
        phone.close()
        handheld.close()


async def attendant_login(port: int) -> tuple[dict, str]:
    """The handheld's session cookie and CSRF token (one station handheld, shared)."""
    conn = Connection(port)
    status, body = await conn.request(
        "POST", "/attendant/api/login", {"username": ATTENDANT, "password": "demo1234"}
    )
    conn.close()
    if status != 200:
        sys.exit(f"attendant login answered {status}: {body}")
    cookie = "; ".join(f"{k}={v}" for k, v in conn.cookies.items())
    return {"Cookie": cookie}, body["csrf_token"]


async def run_level(port, tokens, station_id, flow, level, on_window, first) -> Stats:
    clients, warmup, seconds = level
    handheld_headers, csrf = await attendant_login(port)
    start = time.monotonic()
    stats = Stats(flow, (start + warmup, start + warmup + seconds))
    loops = [
        driver_loop(port, tokens[n], handheld_headers, csrf, station_id, stats, n, first)
        for n in range(clients)
    ]
    marks = asyncio.gather(on_window(stats.window[0] - start), on_window(stats.window[1] - start))
    results = await asyncio.gather(marks, *loops)
    stats.cpu_before, stats.cpu_after = results[0]
    return stats


async def floor_level(port: int, clients: int, warmup: float, seconds: float) -> float:
    """Bare `GET /healthz` (one `SELECT 1` each) per second from the same client on the same
    server, one after the other on each connection as a flow's requests are: divided by a flow's
    requests, the flows per second that no app on this server can beat."""
    start = time.monotonic()
    window = (start + warmup, start + warmup + seconds)
    done = [0]

    async def loop() -> None:
        conn = Connection(port)
        try:
            while time.monotonic() < window[1]:
                status, _body = await conn.request("GET", "/healthz")
                if status != 200:
                    sys.exit(f"/healthz answered {status} in the floor run")
                if window[0] <= time.monotonic() <= window[1]:
                    done[0] += 1
        finally:
            conn.close()

    await asyncio.gather(*(loop() for _ in range(clients)))
    return done[0] / seconds

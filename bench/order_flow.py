"""Complete fuel-order flows per second on PostgreSQL under gunicorn, next to pgbench.

One flow is what a driver and an attendant do for one fuelling, over HTTP:
  place    POST /api/v1/orders (Idempotency-Key), 200 元 by amount, 92# at KM001
  pay      POST /api/v1/orders/{id}/pay {"method": "wallet"} (Idempotency-Key)
  lookup   GET  /attendant/api/orders/lookup?token=...   (the attendant scans the QR)
  confirm  POST /attendant/api/orders/confirm (X-CSRFToken), 50-95 % of what was paid for,
           so settlement refunds the difference to the wallet
and then, in the background, the settlement job (ledger posting + wallet refund).

Creates a throwaway database, migrates it, loads the demo, adds drivers with a wallet top-up,
serves the app with gunicorn (jobs by `flask worker` through Redis, as in production, or inline)
and drives it from this process with a lean asyncio HTTP client at 16 and 64 concurrent drivers.
In the same run, pgbench replays the same write transactions per flow (counted from the code)
against copies of the same tables in a scratch schema. Prints figures; asserts nothing.

Run from the repository root: `make bench-orders`, or `.venv/bin/python -m bench.order_flow -h`.
"""

import argparse
import asyncio
import json
import os
import random
import re
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import psycopg
import redis
from sqlalchemy import select

from app import create_app
from app.config import normalise_db_url
from app.extensions import db
from app.models import Chain, Fuel, Member, MemberToken, Staff, Station
from app.models.base import utcnow
from app.services import demo_data, ledger, members, orders
from app.services.ledger import Leg
from bench.stations import free_port, start_gunicorn

REPO = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "jiayou_bench_orders"
SCRATCH = "pgbench_flow"  # schema of the pgbench copies of the tables
APPID = "wxbenchorderflow001"
STATION_CODE, FUEL_CODE, ATTENDANT = "KM001", "92", "km001.attendant"
ORDER_FEN = 20_000  # 200 元 per order
TOP_UP_FEN = 100_000_000  # enough for any run
USER_AGENT = "jiayou-bench/1"
STEPS = ("place", "pay", "lookup", "confirm")
CLK_TCK = os.sysconf("SC_CLK_TCK")


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


# --- database, drivers, servers -----------------------------------------------------------------


def admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def bench_db_url() -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME


def app_env(database_url: str, base_url: str, redis_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "RATELIMIT_STORAGE_URI")}
    env.update(
        JIAYOU_ENV="development",
        SANDBOX="false",  # wallet payments and wallet refunds need no WeChat
        DATABASE_URL=database_url,
        PUBLIC_BASE_URL=base_url,
        WECHAT_APPID=APPID,
        JOBS_MODE="rq" if redis_url else "inline",
        LOG_LEVEL="WARNING",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def flask(env: dict, *args: str) -> str:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


def add_drivers(database_url: str, count: int) -> dict:
    """Members with a bearer token and a booked wallet top-up; the ids pgbench needs too."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalise_db_url(database_url),
            "WECHAT_APPID": APPID,
            "JOBS_MODE": "manual",
        }
    )
    with app.app_context():
        chain = db.session.scalar(select(Chain).where(Chain.code == demo_data.CHAIN_CODE))
        station = db.session.scalar(select(Station).where(Station.code == STATION_CODE))
        fuel = db.session.scalar(
            select(Fuel).where(Fuel.chain_id == chain.id, Fuel.code == FUEL_CODE)
        )
        staff = db.session.scalar(select(Staff).where(Staff.username == ATTENDANT))
        price = orders.price_in_force(station.id, fuel.id)
        tokens, member_ids = [], []
        for n in range(count):
            member = Member(chain_id=chain.id, openid=f"bench-driver-{n:04d}", nickname=f"车主{n}")
            db.session.add(member)
            db.session.flush()
            token = secrets.token_urlsafe(members.TOKEN_BYTES)
            db.session.add(
                MemberToken(
                    chain_id=chain.id,
                    member_id=member.id,
                    token_hash=members.hash_token(token),
                    expires_at=utcnow() + timedelta(days=1),
                )
            )
            ledger.post(
                chain.id,
                "wallet.topup.demo",
                [
                    Leg("topup_clearing", TOP_UP_FEN),
                    Leg("member_wallet", -TOP_UP_FEN, member_id=member.id),
                ],
                memo="压测充值",
            )
            tokens.append(token)
            member_ids.append(member.id)
        db.session.commit()
        ids = {
            "chain": chain.id,
            "station": station.id,
            "fuel": fuel.id,
            "price": price.id,
            "list_fen": price.list_price_fen,
            "unit_fen": price.member_price_fen,
            "staff": staff.id,
            "first_member": member_ids[0],
            "drivers": count,
        }
        db.engine.dispose()
    return {"tokens": tokens, "ids": ids}


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    """A `flask worker`; RQ logs every job at INFO, as in production: into a file here."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
            cwd=REPO,
            env=env,
            start_new_session=True,
            stdout=out,
            stderr=out,
        )


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# --- CPU used by each side while measuring (the machine has 2 cores for everything) ------------


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def cpu_snapshot(server_pid: int, worker_pids: list[int], db_url: str) -> dict[str, float]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        backends = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [DB_NAME],
        ).fetchall()
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "gunicorn": sum(cpu_seconds(p) for p in [server_pid, *children(server_pid)]),
        "jobs": sum(cpu_seconds(p) for p in worker_pids),
        "postgres": sum(cpu_seconds(pid) for (pid,) in backends),
        "client": own.ru_utime + own.ru_stime,
        "machine": machine_busy_seconds(),
    }


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy (all processes, all cores), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK_TCK


def cpu_share(before: dict, after: dict, seconds: float) -> str:
    """Per side: cores used on average over the window (2.0 = the whole machine); 'others' is
    everything else busy on the machine meanwhile (other test runs, PostgreSQL's own workers)."""
    used = {k: (after[k] - before[k]) / seconds for k in before}
    machine = used.pop("machine")
    used["others"] = max(0.0, machine - sum(used.values()))
    return ", ".join(f"{k} {v:.2f}" for k, v in used.items())


# --- the load ----------------------------------------------------------------------------------


class Stats:
    def __init__(self, window: tuple[float, float]):
        self.window = window
        self.flows = 0
        self.latency_ms = {step: [] for step in STEPS}
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
    if not first:  # real answers, for the pgbench script
        first.update(place=order, pay=paid)
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


async def run_level(port, tokens, station_id, level, on_window, first) -> Stats:
    clients, warmup, seconds = level
    handheld_headers, csrf = await attendant_login(port)
    start = time.monotonic()
    stats = Stats((start + warmup, start + warmup + seconds))
    loops = [
        driver_loop(port, tokens[n], handheld_headers, csrf, station_id, stats, n, first)
        for n in range(clients)
    ]
    marks = asyncio.gather(on_window(stats.window[0] - start), on_window(stats.window[1] - start))
    results = await asyncio.gather(marks, *loops)
    stats.cpu_before, stats.cpu_after = results[0]
    return stats


# --- settlement: what the jobs did -------------------------------------------------------------


def order_counts(db_url: str) -> dict[str, int]:
    with psycopg.connect(db_url) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM fuel_order GROUP BY status"))


def settled_between(db_url: str, t0: float, t1: float) -> int:
    with psycopg.connect(db_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM fuel_order WHERE settled_at BETWEEN to_timestamp(%s) "
            "AND to_timestamp(%s)",
            [t0, t1],
        ).fetchone()[0]


def drain(db_url: str, timeout_s: float) -> tuple[int, float]:
    """Wait until no order is left fuelled but unsettled; (backlog at the start, seconds)."""
    started = time.monotonic()
    backlog = order_counts(db_url).get("fueled", 0)
    left = backlog
    while left and time.monotonic() - started < timeout_s:
        time.sleep(0.25)
        left = order_counts(db_url).get("fueled", 0)
    return backlog, time.monotonic() - started


def final_check(db_url: str, env: dict) -> list[str]:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "ledger", "check"]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    lines = (done.stdout + done.stderr).strip().splitlines()[-5:]
    with psycopg.connect(db_url) as conn:
        statuses = dict(conn.execute("SELECT status, count(*) FROM fuel_order GROUP BY status"))
        refunded = conn.execute(
            "SELECT count(DISTINCT o.id) FROM fuel_order o JOIN refund r ON r.order_id = o.id "
            "WHERE o.status = 'settled' AND r.kind = 'settlement' AND r.method = 'wallet' "
            "AND r.status = 'SUCCESS' AND r.amount_fen = o.paid_fen - o.dispensed_fen "
            "AND o.refunded_fen = r.amount_fen"
        ).fetchone()[0]
        jobs = dict(
            conn.execute(
                "SELECT status, count(*) FROM outbox_job WHERE kind = 'settle_order' "
                "GROUP BY status"
            )
        )
    lines.append(f"orders by status: {statuses}")
    lines.append(
        f"settled orders with their wallet refund of exactly paid - dispensed: {refunded} "
        f"of {statuses.get('settled', 0)}"
    )
    lines.append(f"settle_order jobs by status: {jobs}")
    return lines


# --- pgbench: the same write transactions, straight SQL ------------------------------------------

COPIED = (
    "idempotency_record",
    "fuel_order",
    "outbox_job",
    "wallet",
    "ledger_transaction",
    "ledger_entry",
    "pickup_token",
    "audit_log",
    "refund",
    "station_event",
)


def make_scratch_schema(db_url: str) -> None:
    """Copies of the tables a flow writes: columns, defaults, checks, indexes, foreign keys and
    the ledger triggers; wallets copied with their balances. References to tables not copied
    (member, station, fuel ...) point at the real ones."""
    public = [f"public.{t}" for t in COPIED]
    with psycopg.connect(db_url, autocommit=True) as conn:
        foreign_keys = conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [public],
        ).fetchall()
        triggers = conn.execute(
            "SELECT tgrelid::regclass::text, pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE NOT tgisinternal AND tgrelid = ANY(%s::regclass[])",
            [public],
        ).fetchall()
        conn.execute(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCRATCH}")
        for table in COPIED:
            conn.execute(f"CREATE TABLE {SCRATCH}.{table} (LIKE public.{table} INCLUDING ALL)")
        conn.execute(f"SET search_path = {SCRATCH}, public")
        for table, name, definition in foreign_keys:
            table = table.removeprefix("public.")
            conn.execute(f"ALTER TABLE {SCRATCH}.{table} ADD CONSTRAINT {name} {definition}")
        for table, definition in triggers:
            table = table.removeprefix("public.")
            definition = re.sub(rf" ON (public\.)?{table} ", f" ON {SCRATCH}.{table} ", definition)
            conn.execute(definition)
        conn.execute(f"INSERT INTO {SCRATCH}.wallet SELECT * FROM public.wallet")
        conn.execute("ANALYZE")


# The write transactions of one flow, in the order the app commits them (see the services).
# :oid, :idem, :txn, :job, :refund_id are set from RETURNING with \gset.
PGBENCH_SCRIPT = """
\\set m :first_member + :client_id % :drivers
\\set dispensed_ml random(:max_ml / 2, :max_ml * 95 / 100) / 10 * 10
\\set dispensed_fen (:dispensed_ml * :unit_fen + 500) / 1000
\\set list_total (:dispensed_ml * :list_fen + 500) / 1000
\\set promo :list_total - :dispensed_fen
\\set refund :amount - :dispensed_fen
\\set neg_amount -1 * :amount
\\set neg_list_total -1 * :list_total
\\set neg_refund -1 * :refund

-- 1. POST /orders: the Idempotency-Key claim, committed with orders.place_order (prices come
--    from the per-process catalogue: one version check), and the expiry job
BEGIN;
INSERT INTO idempotency_record (member_id, endpoint, key, request_hash, created_at)
VALUES (:m, 'POST /api/v1/orders', gen_random_uuid()::text,
        md5(random()::text) || md5(random()::text), now())
RETURNING key AS ikey \\gset
SELECT catalogue_version FROM chain WHERE id = :chain;
INSERT INTO fuel_order (chain_id, station_id, member_id, order_no, fuel_id, mode,
  preset_amount_fen, price_id, list_price_fen, unit_price_fen, member_price_applied, amount_fen,
  status, paid_fen, refunded_fen, created_at, expires_at)
VALUES (:chain, :station, :m,
  'JY' || to_char(now(), 'YYYYMMDDHH24MISS') || lpad(floor(random() * 1e8)::bigint::text, 8, '0'),
  :fuel, 'amount', :amount, :price, :list_fen, :unit_fen, true, :amount, 'created', 0, 0,
  now(), now() + interval '15 minutes')
RETURNING id AS oid, order_no AS order_no \\gset
INSERT INTO outbox_job (kind, payload, dedupe_key, status, attempts, run_after, last_error,
  created_at)
VALUES ('expire_order', json_build_object('order_id', :oid::int), 'expire:' || :oid::text,
  'pending', 0, now() + interval '15 minutes', '', now())
ON CONFLICT (dedupe_key) DO NOTHING;
COMMIT;

-- 2. idempotency.finish: the stored answer (a real one, captured from the app)
BEGIN;
UPDATE idempotency_record SET status_code = 201, response = :place_json
  WHERE member_id = :m AND endpoint = 'POST /api/v1/orders' AND key = :ikey
  AND status_code IS NULL;
COMMIT;

-- 3. POST /orders/{id}/pay: the claim with payments.pay_with_wallet: paid, wallet debit,
--    ledger posting, pickup token, station event (after the station row's lock)
BEGIN;
INSERT INTO idempotency_record (member_id, endpoint, key, request_hash, created_at)
VALUES (:m, 'POST /api/v1/orders/' || :oid::text || '/pay', gen_random_uuid()::text,
        md5(random()::text) || md5(random()::text), now())
RETURNING key AS ikey \\gset
SELECT * FROM fuel_order WHERE id = :oid;
UPDATE fuel_order SET status = 'paid', paid_fen = :amount, payment_method = 'wallet',
  paid_at = now() WHERE id = :oid AND status = 'created' AND payment_method IS NULL
RETURNING *;
UPDATE wallet SET balance_fen = balance_fen + :neg_amount, updated_at = now()
  WHERE member_id = :m AND balance_fen + :neg_amount >= 0;
INSERT INTO ledger_transaction (chain_id, station_id, order_id, kind, memo, created_at)
VALUES (:chain, :station, :oid, 'order.pay.wallet', '', now()) RETURNING id AS txn \\gset
INSERT INTO ledger_entry (chain_id, transaction_id, account, member_id, station_id, order_id,
  amount_fen)
VALUES (:chain, :txn, 'member_wallet', :m, NULL, :oid, :amount),
       (:chain, :txn, 'prepaid_orders', NULL, :station, :oid, :neg_amount)
RETURNING id;
INSERT INTO pickup_token (chain_id, station_id, order_id, token_hash, nonce, expires_at)
VALUES (:chain, :station, :oid, md5(random()::text) || md5(random()::text), md5(random()::text),
  now() + interval '24 hours')
RETURNING id;
SELECT id FROM station WHERE id = :station FOR NO KEY UPDATE;
INSERT INTO station_event (chain_id, station_id, order_id, kind, created_at)
VALUES (:chain, :station, :oid, 'order.paid', now()) RETURNING id;
COMMIT;

-- 4. idempotency.finish
BEGIN;
UPDATE idempotency_record SET status_code = 200, response = :pay_json
  WHERE member_id = :m AND endpoint = 'POST /api/v1/orders/' || :oid::text || '/pay'
  AND key = :ikey AND status_code IS NULL;
COMMIT;

-- 5. pickup.confirm: token burnt, fuelled, audit, settlement job, station event (after the lock)
BEGIN;
UPDATE pickup_token SET used_at = now(), used_by_id = :staff
  WHERE order_id = :oid AND used_at IS NULL;
UPDATE fuel_order SET status = 'fueled', dispensed_ml = :dispensed_ml,
  dispensed_fen = :dispensed_fen, fueled_at = now(), fueled_by_id = :staff
  WHERE id = :oid AND status = 'paid' AND paid_fen - refunded_fen >= :dispensed_fen
RETURNING *;
INSERT INTO audit_log (chain_id, station_id, actor_staff_id, actor_label, action, entity_type,
  entity_id, after, ip, created_at)
VALUES (:chain, :station, :staff, '加油员(km001.attendant)', 'order.fueled', 'order', :oid,
  json_build_object('dispensed_ml', :dispensed_ml::int, 'dispensed_fen', :dispensed_fen::int),
  '127.0.0.1', now())
RETURNING id;
INSERT INTO outbox_job (kind, payload, dedupe_key, status, attempts, run_after, last_error,
  created_at)
VALUES ('settle_order', json_build_object('order_id', :oid::int), 'settle:' || :oid::text,
  'pending', 0, now(), '', now())
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id AS job \\gset
SELECT id FROM station WHERE id = :station FOR NO KEY UPDATE;
INSERT INTO station_event (chain_id, station_id, order_id, kind, created_at)
VALUES (:chain, :station, :oid, 'order.fueled', now()) RETURNING id;
COMMIT;
-- 6. outbox.claim, returning the job
BEGIN;
UPDATE outbox_job SET status = 'running', claimed_at = now(), attempts = attempts + 1
  WHERE id = :job AND status = 'pending'
RETURNING kind, payload, attempts;
COMMIT;

-- 7. settlement.settle_order with refunds.create_refund (wallet)
BEGIN;
UPDATE fuel_order SET status = 'settled', settled_at = now() WHERE id = :oid AND status = 'fueled'
RETURNING *;
INSERT INTO ledger_transaction (chain_id, station_id, order_id, kind, memo, created_at)
VALUES (:chain, :station, :oid, 'order.settle', '', now()) RETURNING id AS txn \\gset
INSERT INTO ledger_entry (chain_id, transaction_id, account, member_id, station_id, order_id,
  amount_fen)
VALUES (:chain, :txn, 'prepaid_orders', NULL, :station, :oid, :dispensed_fen),
       (:chain, :txn, 'promotion_expense', NULL, :station, :oid, :promo),
       (:chain, :txn, 'fuel_revenue', NULL, :station, :oid, :neg_list_total)
RETURNING id;
UPDATE fuel_order SET refunded_fen = refunded_fen + :refund
  WHERE id = :oid AND refunded_fen + :refund <= paid_fen;
SELECT count(id) FROM refund WHERE order_id = :oid;
INSERT INTO refund (chain_id, station_id, order_id, out_refund_no, method, kind, amount_fen,
  status, reason, attempts, last_error, created_at, finished_at)
VALUES (:chain, :station, :oid, :order_no::text || 'R01', 'wallet', 'settlement', :refund,
  'SUCCESS', '加油差额退款', 0, '', now(), now())
RETURNING id AS refund_id \\gset
UPDATE wallet SET balance_fen = balance_fen + :refund, updated_at = now()
  WHERE member_id = :m AND balance_fen + :refund >= 0;
INSERT INTO ledger_transaction (chain_id, station_id, order_id, kind, memo, created_at)
VALUES (:chain, :station, :oid, 'refund.settlement', :order_no::text || 'R01', now())
RETURNING id AS txn \\gset
INSERT INTO ledger_entry (chain_id, transaction_id, account, member_id, station_id, order_id,
  amount_fen)
VALUES (:chain, :txn, 'prepaid_orders', NULL, :station, :oid, :refund),
       (:chain, :txn, 'member_wallet', :m, NULL, :oid, :neg_refund)
RETURNING id;
INSERT INTO audit_log (chain_id, station_id, actor_label, action, entity_type, entity_id, after,
  ip, created_at)
VALUES (:chain, :station, 'system', 'refund.create', 'refund', :refund_id,
  json_build_object('amount_fen', :refund::int, 'method', 'wallet', 'kind', 'settlement'),
  '', now())
RETURNING id;
COMMIT;

-- 8. outbox.execute: done
BEGIN;
UPDATE outbox_job SET status = 'done', finished_at = now(), last_error = '' WHERE id = :job;
COMMIT;
"""


def pgbench_script() -> tuple[str, int]:
    """The script and its number of write transactions (one run of it is one flow).

    The RQ relay is left out: it queues every due job in one transaction per poll (a second),
    a small fraction of a transaction per flow under load."""
    return PGBENCH_SCRIPT, PGBENCH_SCRIPT.count("\nCOMMIT;")


def pgbench(script: Path, variables: dict, clients: int, seconds: int) -> dict:
    command = ["pgbench", "-n", "-M", "prepared"]
    command += ["-c", str(clients), "-j", "2", "-T", str(seconds), "-f", str(script)]
    for name, value in variables.items():
        command += ["-D", f"{name}={value}"]
    env = {**os.environ, "PGOPTIONS": f"-c search_path={SCRATCH},public"}
    done = subprocess.run([*command, bench_db_url()], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"pgbench failed:\n{done.stdout}\n{done.stderr[-2000:]}")
    tps = re.search(r"tps = ([\d.]+) \(without initial", done.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    return {
        "tps": float(tps.group(1)),
        "latency_ms": float(latency.group(1)),
        "failed": int(failed.group(1)) if failed else 0,
    }


# --- main ----------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load_text() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="16,64", help="concurrent drivers per level")
    parser.add_argument("--seconds", type=int, default=12, help="measured, per level")
    parser.add_argument("--warmup", type=int, default=3, help="seconds before measuring")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (1: sync)")
    parser.add_argument(
        "--jobs",
        choices=("rq", "inline"),
        default="rq",
        help="rq: `flask worker` processes with Redis (production); inline: a thread per web "
        "process",
    )
    parser.add_argument("--job-workers", type=int, default=1, help="`flask worker` processes")
    parser.add_argument("--redis-db", type=int, default=12)
    parser.add_argument("--keep-db", action="store_true", help=f"keep the {DB_NAME} database")
    args = parser.parse_args()
    levels = [int(x) for x in args.clients.split(",")]

    print(f"Creating database {DB_NAME}, migrating, loading the demo ...", flush=True)
    admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{DB_NAME}"')
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}" if args.jobs == "rq" else None
    if redis_url:
        redis.Redis.from_url(redis_url).flushdb()
    try:
        results, checks, writes = run(args, levels, redis_url)
    finally:
        if not args.keep_db:
            admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        if redis_url:
            redis.Redis.from_url(redis_url).flushdb()
    report(results, args, writes, checks)


def run(args, levels: list[int], redis_url: str | None) -> tuple[dict, list[str], int]:
    """Each level: the app under load, its settlement drained, then pgbench at as many clients."""
    db_url = bench_db_url()
    port = free_port()
    env = app_env(db_url, f"http://127.0.0.1:{port}", redis_url)
    flask(env, "db", "upgrade")
    flask(env, "seed-demo")
    setup = add_drivers(db_url, max(levels))
    ids, tokens = setup["ids"], setup["tokens"]
    script_text, writes = pgbench_script()
    variables = {**ids, "amount": ORDER_FEN, "max_ml": ORDER_FEN * 1000 // ids["unit_fen"]}

    server = start_gunicorn(env, port, args.workers, args.threads)
    worker_log = Path(tempfile.gettempdir()) / "jiayou-bench-orders-worker.log"
    worker_log.unlink(missing_ok=True)
    job_workers = [start_worker(env, worker_log) for _ in range(args.job_workers)]
    if not redis_url:
        job_workers = []
    kind = f"gthread x {args.threads} threads" if args.threads > 1 else "sync"
    jobs = (
        f"{args.job_workers} `flask worker` (RQ, Redis db {args.redis_db}, log {worker_log})"
        if redis_url
        else "inline (a thread in each web process)"
    )
    print(f"gunicorn: {args.workers} workers, {kind}; jobs: {jobs}; {os.cpu_count()} CPUs")
    results, first = {}, {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "flow.sql"
            for clients in levels:

                async def on_window(delay: float) -> dict:
                    await asyncio.sleep(delay)
                    pids = [w.pid for w in job_workers]
                    cpu = await asyncio.to_thread(cpu_snapshot, server.pid, pids, db_url)
                    return cpu | {"wall": time.time()}

                level = (clients, args.warmup, args.seconds)
                stats = asyncio.run(
                    run_level(port, tokens, ids["station"], level, on_window, first)
                )
                t0, t1 = stats.cpu_before.pop("wall"), stats.cpu_after.pop("wall")
                settled = settled_between(db_url, t0, t1)
                backlog, drained_s = drain(db_url, 120)
                results[clients] = {
                    "stats": stats,
                    "settled": settled,
                    "backlog": backlog,
                    "drained_s": drained_s,
                    "load": load_text(),
                    "cpu": cpu_share(stats.cpu_before, stats.cpu_after, args.seconds),
                }
                print(f"  {clients} drivers: {stats.flows / args.seconds:.0f} flows/s", flush=True)
                if not script.exists():  # the stored answers are real ones from the app
                    make_scratch_schema(db_url)
                    variables["place_json"] = json.dumps(first["place"], ensure_ascii=False)
                    variables["pay_json"] = json.dumps(first["pay"], ensure_ascii=False)
                    script.write_text(script_text)
                    pgbench(script, variables, 16, 3)  # warm-up
                results[clients]["pgbench"] = pgbench(script, variables, clients, args.seconds)
                results[clients]["pgbench_load"] = load_text()
                print(f"  pgbench: {results[clients]['pgbench']['tps']:.0f} flows/s", flush=True)
        checks = final_check(db_url, env)
    finally:
        for process in [*job_workers, server]:
            stop(process)
    return results, checks, writes


def report(results: dict, args, writes: int, checks: list[str]) -> None:
    print(f"\n{args.seconds} s per level after {args.warmup} s of warm-up; one flow = place, pay")
    print("(wallet), attendant lookup, attendant confirm with a smaller volume; the settlement job")
    print("with its wallet refund runs in the background.")
    print(
        f"pgbench runs the flow's {writes} write transactions as plain SQL on copies of the same "
        "tables:\n6 of the use cases (place and pay, each with its Idempotency-Key claim, and "
        f"their stored answers;\nconfirm; settle) and {writes - 6} of the outbox (claim, done; "
        "the relay to RQ queues all due jobs\nonce a second); one pgbench transaction = one flow."
    )
    for clients, r in results.items():
        stats = r["stats"]
        print(f"\n{clients} concurrent drivers   (load average {r['load']})")
        print(f"  {'step':<10}{'p50 ms':>10}{'p99 ms':>10}{'count':>8}")
        for step in STEPS:
            values = stats.latency_ms[step]
            p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
            print(f"  {step:<10}{p50:>10.1f}{p99:>10.1f}{len(values):>8}")
        flows = stats.flows / args.seconds
        settled = r["settled"] / args.seconds
        print(f"  complete flows: {flows:.1f}/s; settled in the window: {settled:.1f}/s")
        print(
            f"  settlement backlog when the load stopped: {r['backlog']} orders, "
            f"drained in {r['drained_s']:.1f} s"
        )
        errors = ", ".join(f"{s} {c}: {n}" for (s, c), n in stats.errors.items()) or "none"
        print(f"  errors: {errors}")
        for sample in stats.samples[:3]:
            print(f"    e.g. {sample[:300]}")
        print(f"  CPU cores used while measuring: {r['cpu']}")
        pg = r["pgbench"]
        print(
            f"  pgbench, same {writes} write transactions per flow, {clients} clients: "
            f"{pg['tps']:.1f} flows/s ({pg['tps'] * writes:.0f} commits/s, "
            f"{pg['latency_ms']:.1f} ms per flow, {pg['failed']} failed; load {r['pgbench_load']})"
        )
        ratio = flows / pg["tps"] if pg["tps"] else float("nan")
        met = flows >= 200 and ratio >= 0.3
        print(
            f"  target >= 200 flows/s and >= 0.30 of pgbench: {flows:.1f}/s, ratio {ratio:.2f}"
            f" -> {'met' if met else 'NOT met'}"
        )
    print("\nAfter the run:")
    for line in checks:
        print(f"  {line}")


if __name__ == "__main__":
    main()

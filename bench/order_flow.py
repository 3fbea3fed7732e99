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
against copies of the same tables in a scratch schema, and the same client sends four bare
`GET /healthz` per flow to the same server: the floor that no app on this server can beat.
Prints figures; asserts nothing.

Run from the repository root: `make bench-orders`, or `.venv/bin/python -m bench.order_flow -h`.
"""

import argparse
import asyncio
import json
import os
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import redis
from sqlalchemy import select

from app import create_app, demo_data
from app.config import normalise_db_url
from app.extensions import db
from app.models import Chain, Fuel, Member, MemberToken, Staff, Station
from app.models.base import utcnow
from app.services import catalogue, ledger, members
from app.services.ledger.postings import Leg
from bench.flow_load import (
    ATTENDANT,
    FUEL_CODE,
    ORDER_FEN,
    STATION_CODE,
    STEPS,
    floor_level,
    run_level,
)
from bench.flow_pgbench import make_scratch_schema, pgbench, pgbench_script
from bench.stations import free_port, start_gunicorn

REPO = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "jiayou_bench_orders"
APPID = "wxbenchorderflow001"
TOP_UP_FEN = 100_000_000  # enough for any run
CLK_TCK = os.sysconf("SC_CLK_TCK")


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
        offer = catalogue.for_chain(chain.id).stations[station.id].offer(FUEL_CODE)
        price = offer.price_at(utcnow())
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

                floor = asyncio.run(floor_level(port, clients, args.warmup, args.seconds))
                print(f"  {clients} drivers, 4 x /healthz: {floor:.0f} flows/s", flush=True)
                level = (clients, args.warmup, args.seconds)
                stats = asyncio.run(
                    run_level(port, tokens, ids["station"], level, on_window, first)
                )
                t0, t1 = stats.cpu_before.pop("wall"), stats.cpu_after.pop("wall")
                settled = settled_between(db_url, t0, t1)
                backlog, drained_s = drain(db_url, 120)
                results[clients] = {
                    "floor": floor,
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
                    pgbench(db_url, script, variables, 16, 3)  # warm-up
                results[clients]["pgbench"] = pgbench(
                    db_url, script, variables, clients, args.seconds
                )
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
        # Both sides share the 2 cores: a flow costs at least the bare HTTP of four requests
        # plus pgbench's SQL, so their costs per flow add up.
        ceiling = 1 / (1 / r["floor"] + 1 / pg["tps"]) if r["floor"] and pg["tps"] else 0
        print(
            f"  floor: the same server and client doing 4 x GET /healthz per flow (no work but "
            f"one SELECT 1 each): {r['floor']:.1f} flows/s.\n  An app doing no work beyond "
            f"pgbench's SQL could reach at most 1 / (1/floor + 1/pgbench) = {ceiling:.1f} "
            f"flows/s, ratio {ceiling / pg['tps'] if pg['tps'] else 0:.2f}; this app reaches "
            f"{flows / ceiling if ceiling else 0:.0%} of that."
        )
    print("\nAfter the run:")
    for line in checks:
        print(f"  {line}")


if __name__ == "__main__":
    main()

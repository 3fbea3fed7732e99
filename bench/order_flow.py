"""Complete fuel-order flows per second on PostgreSQL under gunicorn, next to pgbench.

One flow is what a driver and an attendant do for one fuelling, over HTTP, in one of two shapes:
  two-step   place      POST /api/v1/orders (Idempotency-Key), 200 元 by amount, 92# at KM001
             pay        POST /api/v1/orders/{id}/pay {"method": "wallet"} (Idempotency-Key)
  one-call   place_pay  POST /api/v1/orders with "pay_with": "wallet" (Idempotency-Key)
  then, in both:
             lookup     GET  /attendant/api/orders/lookup?token=...  (the attendant scans the QR)
             confirm    POST /attendant/api/orders/confirm (X-CSRFToken), 50-95 % of what was
                        paid for, so settlement refunds the difference to the wallet
and then, in the background, the settlement job (ledger posting + wallet refund).

Creates a throwaway database, migrates it, loads the demo, adds drivers with a wallet top-up,
serves the app with gunicorn (jobs by `flask worker` through Redis, as in production, or inline)
and drives it from this process with a lean asyncio HTTP client at 16 and 64 concurrent drivers,
each flow in turn. In the same run, pgbench replays each flow's write transactions (counted from
the code) against copies of the same tables in a scratch schema, and the same client sends bare
`GET /healthz` requests to the same server, as many per flow as the flow has: the floor that no
app on this server can beat. Prints figures; asserts nothing.

Run from the repository root: `make bench-orders`, or `.venv/bin/python -m bench.order_flow -h`.
"""

import argparse
import asyncio
import json
import os
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
    FLOWS,
    FUEL_CODE,
    ORDER_FEN,
    STATION_CODE,
    floor_level,
    run_level,
)
from bench.flow_pgbench import make_scratch_schema, pgbench, pgbench_script
from bench.flow_report import cpu_share, cpu_snapshot, load_text, report
from bench.stations import free_port, start_gunicorn

REPO = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENCH_DB_NAME", "jiayou_bench_orders")
APPID = "wxbenchorderflow001"
TOP_UP_FEN = 100_000_000  # enough for any run


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="16,64", help="concurrent drivers per level")
    parser.add_argument(
        "--flows", default=",".join(FLOWS), help=f"which flows, in turn: {', '.join(FLOWS)}"
    )
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
    flows = args.flows.split(",")
    if set(flows) - set(FLOWS):
        parser.error(f"--flows: one or more of {', '.join(FLOWS)}")

    print(f"Creating database {DB_NAME}, migrating, loading the demo ...", flush=True)
    admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{DB_NAME}"')
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}" if args.jobs == "rq" else None
    if redis_url:
        redis.Redis.from_url(redis_url).flushdb()
    try:
        results, checks = run(args, levels, flows, redis_url)
    finally:
        if not args.keep_db:
            admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        if redis_url:
            redis.Redis.from_url(redis_url).flushdb()
    report(results, args, {flow: pgbench_script(flow)[1] for flow in flows}, checks)


def run(args, levels: list[int], flows: list[str], redis_url: str | None) -> tuple[dict, list]:
    """Each level: the floor, then each flow in turn: the app under load, its settlement
    drained, then pgbench replaying that flow at as many clients."""
    db_url = bench_db_url()
    port = free_port()
    env = app_env(db_url, f"http://127.0.0.1:{port}", redis_url)
    flask(env, "db", "upgrade")
    flask(env, "seed-demo")
    setup = add_drivers(db_url, max(levels))
    ids, tokens = setup["ids"], setup["tokens"]
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

    async def on_window(delay: float) -> dict:
        await asyncio.sleep(delay)
        pids = [w.pid for w in job_workers]
        cpu = await asyncio.to_thread(cpu_snapshot, server.pid, pids, db_url)
        return cpu | {"wall": time.time()}

    try:
        with tempfile.TemporaryDirectory() as tmp:
            for clients in levels:
                healthz = asyncio.run(floor_level(port, clients, args.warmup, args.seconds))
                print(f"  {clients} drivers, GET /healthz: {healthz:.0f} requests/s", flush=True)
                for flow in flows:
                    level = (clients, args.warmup, args.seconds)
                    stats = asyncio.run(
                        run_level(port, tokens, ids["station"], flow, level, on_window, first)
                    )
                    t0, t1 = stats.cpu_before.pop("wall"), stats.cpu_after.pop("wall")
                    settled = settled_between(db_url, t0, t1)
                    backlog, drained_s = drain(db_url, 120)
                    result = results[clients, flow] = {
                        "floor": healthz / len(FLOWS[flow]),
                        "stats": stats,
                        "settled": settled,
                        "backlog": backlog,
                        "drained_s": drained_s,
                        "load": load_text(),
                        "cpu": cpu_share(stats.cpu_before, stats.cpu_after, args.seconds),
                    }
                    flows_s = stats.flows / args.seconds
                    print(f"  {clients} drivers, {flow}: {flows_s:.0f} flows/s", flush=True)
                    script = Path(tmp) / f"{flow}.sql"
                    if not script.exists():  # the stored answers are real ones from the app
                        if not any(Path(tmp).iterdir()):
                            make_scratch_schema(db_url)
                        for step, answer in first.items():
                            variables[f"{step}_json"] = json.dumps(answer, ensure_ascii=False)
                        script.write_text(pgbench_script(flow)[0])
                        pgbench(db_url, script, variables, 16, 3)  # warm-up
                    result["pgbench"] = pgbench(db_url, script, variables, clients, args.seconds)
                    result["pgbench_load"] = load_text()
                    print(f"  pgbench: {result['pgbench']['tps']:.0f} flows/s", flush=True)
        checks = final_check(db_url, env)
    finally:
        for process in [*job_workers, server]:
            stop(process)
    return results, checks


if __name__ == "__main__":
    main()

"""The staff console at a busy chain's size: 2 million orders over 100 stations and one year.

Creates (or reuses, if seeded with the same --orders in the last 12 hours) the database
jiayou_bench_console, migrates it with `flask db upgrade` and seeds it in SQL
(bench/console_seed.py). Then, through the real Flask app (its test client: the whole WSGI
stack, sessions and login included, without a socket), one request after another, each page in
turn, N times:
  list      GET /console/orders          manager of the busiest station (YN001), first visit
  filtered  GET /console/orders?day_from=..(30 days)&fuel_id=92#&payment_method=wechat, head office
  list      GET /console/orders          head office's first visit: the last week, every station
  all       GET /console/orders?day_from=&day_to=   head office, dates cleared: every order
  dashboard GET /console/dashboard       the figures partial, manager and head office
  SELECT 1  GET /bench/select1           a bench-only page doing one SELECT 1: the floor
and the manager's Excel export of YN001 over 1 week, 2 weeks and 1 month, each in a fresh
subprocess: its time and its peak memory (the rise of the peak RSS, VmHWM, reset just before,
and tracemalloc's peak in a second run). `--explain` prints EXPLAIN (ANALYZE, BUFFERS) of the
statements on fuel_order and refund that the pages ran. Prints figures; asserts nothing.

Run from the repository root: `make bench-console`, or `.venv/bin/python -m bench.console -h`.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from flask import Blueprint
from sqlalchemy import event, text

from bench import console_seed
from bench.flow_report import load_text, percentile

REPO = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENCH_DB_NAME", "jiayou_bench_console")
PASSWORD = "Bench2026console"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
REUSE_HOURS = 12
PERIODS = {7: "1 week", 14: "2 weeks", 30: "1 month"}


def db_url() -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME


def app_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "RATELIMIT_STORAGE_URI")}
    env.update(
        JIAYOU_ENV="development",
        SANDBOX="false",
        DATABASE_URL=db_url(),
        RATELIMIT_ENABLED="false",
        JOBS_MODE="manual",
        LOG_LEVEL="WARNING",
    )
    return env


# --- the database --------------------------------------------------------------------------------


def seeded_orders() -> int | None:
    """The --orders of a seed made in the last REUSE_HOURS hours, or None."""
    try:
        with psycopg.connect(db_url()) as conn:
            row = conn.execute(
                "SELECT orders FROM bench_seed "
                "WHERE seeded_at > now() - make_interval(hours => %s)",
                [REUSE_HOURS],
            ).fetchone()
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
        return None
    return row[0] if row else None


def prepare(orders: int, fresh: bool, log=print) -> None:
    """Migrate, and seed unless a seed of this size is there already."""
    reuse = not fresh and seeded_orders() == orders
    if not reuse:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"]
    done = subprocess.run(command, cwd=REPO, env=app_env(), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"flask db upgrade failed:\n{done.stdout}{done.stderr}")
    if reuse:
        log(f"Reusing {DB_NAME}: {orders:,} orders seeded in the last {REUSE_HOURS} h")
        return
    from app.services.staff.passwords import hash_password

    log(f"Seeding {DB_NAME} with {orders:,} orders ...", flush=True)
    started = time.monotonic()
    console_seed.seed(db_url(), orders, hash_password(PASSWORD), log)
    log(f"Seeded in {time.monotonic() - started:.0f} s")


# --- the app --------------------------------------------------------------------------------------


def make_app():
    """The real app, plus a bench-only page that runs one SELECT 1 (not part of the app)."""
    os.environ.update({k: v for k, v in app_env().items() if k != "DATABASE_URL"})
    from app import create_app
    from app.config import normalise_db_url
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_db_url(db_url())})
    bench = Blueprint("bench", __name__)

    @bench.get("/bench/select1")
    def select1():
        db.session.execute(text("SELECT 1")).scalar_one()
        return "ok"

    app.register_blueprint(bench)
    return app


def login(app, username: str):
    client = app.test_client()
    token = CSRF.search(client.get("/console/login").get_data(as_text=True)).group(1)
    form = {"csrf_token": token, "username": username, "password": PASSWORD}
    response = client.post("/console/login", data=form)
    if response.status_code != 303:
        sys.exit(f"login of {username} answered {response.status_code}")
    return client


def local_today():
    return datetime.now(SHANGHAI).date()


def pages(app) -> dict[str, tuple]:
    """name -> (client, url, HTMX?)."""
    from app.extensions import db

    with app.app_context():
        fuel_92 = db.session.scalar(
            text(
                "SELECT f.id FROM fuel f JOIN chain c ON c.id = f.chain_id "
                "WHERE c.code = :chain AND f.code = '92'"
            ),
            {"chain": console_seed.CHAIN_CODE},
        )
    manager, admin = login(app, "bench_manager"), login(app, "bench_admin")
    today = local_today()
    month = f"day_from={today - timedelta(days=29)}&day_to={today}"
    return {
        "SELECT 1 page": (manager, "/bench/select1", False),
        "list, manager": (manager, "/console/orders", False),
        "filtered, head office": (
            admin,
            f"/console/orders?{month}&fuel_id={fuel_92}&payment_method=wechat",
            False,
        ),
        "list, head office": (admin, "/console/orders", False),
        "every order, head office": (admin, "/console/orders?day_from=&day_to=", False),
        "dashboard, manager": (manager, "/console/dashboard", True),
        "dashboard, head office": (admin, "/console/dashboard", True),
    }


def get(client, url: str, htmx: bool):
    response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
    if response.status_code != 200:
        sys.exit(f"GET {url} answered {response.status_code}")
    return response


def measure(app, requests: int, warmup: int = 3) -> dict[str, list[float]]:
    """Milliseconds per request, the pages taken in turn so the machine's drift hits all alike."""
    found = pages(app)
    for client, url, htmx in found.values():
        for _ in range(warmup):
            get(client, url, htmx)
    times = {name: [] for name in found}
    for _ in range(requests):
        for name, (client, url, htmx) in found.items():
            started = time.perf_counter()
            get(client, url, htmx)
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def explain(app) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement on fuel_order or refund that each page
    ran, with the parameters it ran with."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    for name, (client, url, htmx) in pages(app).items():
        if name.startswith("SELECT"):
            continue
        seen = []

        def keep(conn, cursor, statement, parameters, context, executemany, into=seen):
            if "FROM fuel_order" in statement or "FROM refund" in statement:
                into.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", keep)
        try:
            get(client, url, htmx)
        finally:
            event.remove(engine, "before_cursor_execute", keep)
        with engine.connect() as conn:
            for statement, parameters in seen:
                kind = "rows" if "LIMIT" in statement else "aggregate"
                print(f"\n--- {name}: {kind} ({url})\n{' '.join(statement.split())[:200]}")
                plan = conn.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
                ).scalars()
                print("\n".join(plan))


# --- the export, in a subprocess of its own ------------------------------------------------


def export_child(days: int, trace: bool) -> None:
    """One export of YN001's last `days` local days by its manager; prints JSON."""
    app = make_app()
    client = login(app, "bench_manager")
    get(client, "/console/orders", False)  # everything imported and connected
    today = local_today()
    url = f"/console/orders/export.xlsx?day_from={today - timedelta(days=days - 1)}&day_to={today}"
    if trace:
        tracemalloc.start()
    before = reset_peak_rss()
    started = time.perf_counter()
    response = client.get(url, buffered=False)
    first_byte, size = None, 0
    for chunk in response.response:
        first_byte = first_byte or time.perf_counter()
        size += len(chunk)
    response.close()
    ended = time.perf_counter()
    result = {
        "status": response.status_code,
        "seconds": ended - started,
        "first_byte_s": (first_byte or ended) - started,
        "bytes": size,
        "peak_rss_rise_kb": proc_status_kb("VmHWM") - before,
    }
    if trace:
        result["traced_peak_kb"] = tracemalloc.get_traced_memory()[1] // 1024
    print(json.dumps(result))


def proc_status_kb(field: str) -> int:
    return int(re.search(rf"{field}:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))


def reset_peak_rss() -> int:
    """Start the process's peak RSS (VmHWM) afresh at its current RSS, which it returns: the
    login's argon2 check alone peaks 64 MB higher than an export, so ru_maxrss would hide it."""
    Path("/proc/self/clear_refs").write_text("5")
    return proc_status_kb("VmRSS")


def export_runs(periods: list[int], tracemalloc_too: bool) -> dict[str, dict]:
    results = {}
    for days in periods:
        label = PERIODS.get(days, f"{days} days")
        result = {"traced_peak_kb": float("nan")}
        for trace in (False, True) if tracemalloc_too else (False,):
            command = [sys.executable, "-m", "bench.console", "--export-child", str(days)]
            command += ["--trace"] if trace else []
            done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"export of {label} failed:\n{done.stdout}{done.stderr}")
            found = json.loads(done.stdout.strip().splitlines()[-1])
            if trace:  # tracemalloc slows Python down: only its peak is kept
                result["traced_peak_kb"] = found["traced_peak_kb"]
            else:
                result.update(found)
        result["rows"] = export_count(days)
        results[label] = result
    return results


def export_count(days: int) -> int:
    today = local_today()
    with psycopg.connect(db_url()) as conn:
        return conn.execute(
            "SELECT count(*) FROM fuel_order o JOIN station s ON s.id = o.station_id "
            "WHERE s.code = 'YN001' AND o.created_at >= (%s::date)::timestamp AT TIME ZONE "
            "'Asia/Shanghai' AND o.created_at < (%s::date)::timestamp AT TIME ZONE "
            "'Asia/Shanghai'",
            [today - timedelta(days=days - 1), today + timedelta(days=1)],
        ).fetchone()[0]


# --- main -----------------------------------------------------------------------------------------


def report(times: dict[str, list[float]], exports: dict[str, dict], requests: int) -> None:
    floor = percentile(times["SELECT 1 page"], 0.5)
    print(f"\n{requests} requests per page, one at a time, pages in turn; load {load_text()}")
    print(f"{'page':<24}{'p50 ms':>9}{'p99 ms':>9}{'x SELECT 1':>12}{'target':>10}")
    for name, values in times.items():
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        target = "" if name.startswith("SELECT") else ("met" if p50 < 100 else "NOT met")
        print(f"{name:<24}{p50:>9.1f}{p99:>9.1f}{p50 / floor:>12.1f}{target:>10}")
    if not exports:
        return
    print("\nExcel export of YN001 by its manager, each in a fresh process")
    print(
        f"{'period':<10}{'rows':>8}{'seconds':>9}{'1st byte s':>11}{'MB':>7}"
        f"{'peak RSS rise MB':>18}{'traced peak MB':>16}"
    )
    for label, r in exports.items():
        print(
            f"{label:<10}{r['rows']:>8}{r['seconds']:>9.2f}{r['first_byte_s']:>11.2f}"
            f"{r['bytes'] / 2**20:>7.2f}{r['peak_rss_rise_kb'] / 1024:>18.1f}"
            f"{r['traced_peak_kb'] / 1024:>16.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2_000_000)
    parser.add_argument("--requests", type=int, default=100, help="per page")
    parser.add_argument("--fresh", action="store_true", help="seed again even if reusable")
    parser.add_argument("--explain", action="store_true", help="print the list pages' plans")
    parser.add_argument(
        "--export-days", default="7,14,30", help="export periods in days; empty: no export"
    )
    parser.add_argument(
        "--no-tracemalloc", action="store_true", help="skip the second export run of each period"
    )
    parser.add_argument("--export-child", type=int, metavar="DAYS", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_child(args.export_child, args.trace)
        return
    prepare(args.orders, args.fresh)
    app = make_app()
    print(f"{os.cpu_count()} CPUs, load {load_text()}", flush=True)
    if args.explain:
        explain(app)
    times = measure(app, args.requests)
    periods = [int(d) for d in args.export_days.split(",") if d]
    exports = export_runs(periods, not args.no_tracemalloc)
    report(times, exports, args.requests)


if __name__ == "__main__":
    main()

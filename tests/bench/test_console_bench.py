"""bench/console.py at a tiny size, so it cannot rot: it seeds, measures every page, explains
the plans and exports a week in a subprocess. Its timings are printed, never asserted."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from bench import console
from tests.conftest import PG_ADMIN_URL, _worker

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def bench_db():
    name = f"jiayou_bench_console_t{_worker()}"
    yield name
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_console_bench_seeds_measures_and_exports(bench_db, monkeypatch):
    env = {**os.environ, "BENCH_DB_NAME": bench_db, "BENCH_PG_ADMIN_URL": PG_ADMIN_URL}
    command = [sys.executable, "-m", "bench.console", "--orders", "2000", "--requests", "2"]
    command += ["--export-days", "7", "--no-tracemalloc", "--explain", "--fresh"]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for page in ("SELECT 1 page", "list, manager", "filtered, head office", "dashboard, manager"):
        assert f"\n{page} " in out, page
    assert "Index Scan" in out and "Execution Time" in out  # the plans
    week = next(line for line in out.splitlines() if line.startswith("1 week"))
    assert int(week.split()[2]) > 0  # rows exported

    with psycopg.connect(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + bench_db) as conn:
        statuses = dict(conn.execute("SELECT status, count(*) FROM fuel_order GROUP BY 1"))
        channels = dict(conn.execute("SELECT channel, count(*) FROM fuel_order GROUP BY 1"))
        stations, members = conn.execute(
            "SELECT count(DISTINCT station_id), count(DISTINCT member_id) FROM fuel_order"
        ).fetchone()
        refunds = conn.execute("SELECT count(*) FROM refund").fetchone()[0]
    assert sum(statuses.values()) == 2000
    assert statuses["settled"] > 0.8 * 2000 and {"cancelled", "expired"} <= set(statuses)
    assert channels["online"] > channels["counter"] > 0
    assert stations > 50 and members > 100 and refunds > 0

    # A second run of the same size would reuse this seed.
    monkeypatch.setattr(console, "DB_NAME", bench_db)
    assert console.seeded_orders() == 2000

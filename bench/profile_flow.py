"""Where one order flow's CPU and SQL go, step by step, in one process (no HTTP, no load).

Runs N flows (place, pay by wallet, attendant lookup, confirm, then the settlement job; with
`--flow one-call`, place and pay in one request) through Flask's test client against a
throwaway PostgreSQL database and prints, per step, the median Python CPU and the number of SQL
statements and commits. Use it before and after a change to the hot path; `bench/order_flow.py`
measures the throughput under load.

Run from the repository root: `.venv/bin/python -m bench.profile_flow [-n 300]`.
"""

import argparse
import statistics
import time
import uuid
from collections import defaultdict

from sqlalchemy import event, select

from app import create_app
from app.config import normalise_db_url
from app.extensions import db
from app.models import OutboxJob, Station
from app.services.platform import outbox
from bench.flow_load import ATTENDANT, FLOWS, FUEL_CODE, ORDER_FEN, STATION_CODE
from bench.order_flow import DB_NAME, add_drivers, admin, app_env, bench_db_url, flask


class Counter:
    def __init__(self):
        self.statements = self.commits = 0
        self.log: list[str] | None = None  # statements' SQL, while a list is set

    def listen(self, engine) -> None:
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, conn, cursor, statement, *args) -> None:
        self.statements += 1
        if self.log is not None:
            self.log.append(" ".join(statement.split())[:160])

    def _commit(self, *args) -> None:
        self.commits += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="flows to run")
    parser.add_argument("--sql", action="store_true", help="print the last flow's statements")
    parser.add_argument("--flow", choices=FLOWS, default="two-step")
    args = parser.parse_args()
    db_url = bench_db_url()
    admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{DB_NAME}"')
    try:
        env = app_env(db_url, "http://127.0.0.1:5000", None)
        flask(env, "db", "upgrade")
        flask(env, "seed-demo")
        token = add_drivers(db_url, 1)["tokens"][0]
        profile(db_url, token, args.n, args.sql, args.flow)
    finally:
        admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def profile(db_url: str, driver_token: str, flows: int, show_sql: bool, flow: str) -> None:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalise_db_url(db_url),
            "JOBS_MODE": "manual",
            "RATELIMIT_ENABLED": False,
            "SANDBOX": False,
        }
    )
    counter = Counter()
    with app.app_context():
        counter.listen(db.engine)
        station_id = db.session.scalar(select(Station.id).where(Station.code == STATION_CODE))
    phone, handheld = app.test_client(), app.test_client()
    answer = handheld.post(
        "/attendant/api/login", json={"username": ATTENDANT, "password": "demo1234"}
    )
    csrf = answer.get_json()["csrf_token"]
    auth = {"Authorization": f"Bearer {driver_token}"}
    samples = defaultdict(list)

    def step(name: str, call, *args, **kwargs):
        if show_sql and n == flows - 1:
            counter.log = []
        before = (time.process_time(), counter.statements, counter.commits)
        result = call(*args, **kwargs)
        cpu, statements, commits = (
            now - then
            for now, then in zip(
                (time.process_time(), counter.statements, counter.commits), before, strict=True
            )
        )
        samples[name].append((cpu * 1000, statements, commits))
        if counter.log is not None:
            print(f"--- {name}", *counter.log, sep="\n  ")
            counter.log = None
        return result

    def settle():
        with app.app_context():
            ran = outbox.run_due(limit=10)
            db.session.remove()
        return ran

    for n in range(flows):
        body = {"station_id": station_id, "fuel": FUEL_CODE, "mode": "amount"}
        body |= {"amount_fen": ORDER_FEN}
        if flow == "one-call":
            paid = step(
                "place_pay",
                phone.post,
                "/api/v1/orders",
                json={**body, "pay_with": "wallet"},
                headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
            )
            assert paid.status_code == 201, paid.get_json()
        else:
            placed = step(
                "place",
                phone.post,
                "/api/v1/orders",
                json=body,
                headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
            )
            assert placed.status_code == 201, placed.get_json()
            paid = step(
                "pay",
                phone.post,
                f"/api/v1/orders/{placed.get_json()['id']}/pay",
                json={"method": "wallet"},
                headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
            )
            assert paid.status_code == 200, paid.get_json()
        token = paid.get_json()["order"]["pickup"]["token"]
        found = step("lookup", handheld.get, f"/attendant/api/orders/lookup?token={token}")
        assert found.status_code == 200, found.get_json()
        dispensed = found.get_json()["max_volume_ml"] * 3 // 4 // 10 * 10
        done = step(
            "confirm",
            handheld.post,
            "/attendant/api/orders/confirm",
            json={"token": token, "dispensed_ml": dispensed},
            headers={"X-CSRFToken": csrf},
        )
        assert done.status_code == 200, done.get_json()
        ran = step("settle", settle)
        assert ran == 1, f"flow {n}: {ran} jobs ran"

    with app.app_context():
        left = db.session.scalar(select(db.func.count()).where(OutboxJob.status != "done"))
    print(f"{flows} {flow} flows; median per step (first 10 flows left out as warm-up):")
    print(f"{'step':<9}{'CPU ms':>9}{'statements':>12}{'commits':>9}")
    total = [0.0, 0, 0]
    for name in (*FLOWS[flow], "settle"):
        rows = samples[name][10:] or samples[name]
        medians = [statistics.median(col) for col in zip(*rows, strict=True)]
        total = [t + m for t, m in zip(total, medians, strict=True)]
        print(f"{name:<9}{medians[0]:>9.2f}{medians[1]:>12.0f}{medians[2]:>9.0f}")
    print(f"{'total':<9}{total[0]:>9.2f}{total[1]:>12.0f}{total[2]:>9.0f}")
    print(f"outbox jobs not done (expiry jobs wait 15 min): {left}")


if __name__ == "__main__":
    main()

"""PostgreSQL dropping every connection of the app (pg_terminate_backend, as an administrator
or a failover does) under a load of drivers: it costs the requests then running and nothing
more. The web process and the worker's relay thread go on, every order comes to an end and the
books balance."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from app.extensions import db
from tests.conftest import PG_ADMIN_URL
from tests.faults.load import Load, assert_ledger_check_passes, wait_all_final
from tests.faults.processes import terminate_backends

DRIVERS = 4


def wallets(load: Load, member_id: int) -> Counter:
    with load.driver(member_id) as phone:
        return Counter(phone.get("/api/v1/wallet").status_code for _ in range(100))


def test_dropped_connections_cost_the_requests_in_flight_only(
    app, world, database_url, worker, web
):
    worker.start()
    load = Load(web.url, world, drivers=DRIVERS).start()
    db.session.remove()  # the test's own session holds no connection across the drops
    load.wait_for_flows(DRIVERS)
    drops = 3
    for _ in range(drops):
        assert terminate_backends(PG_ADMIN_URL, database_url.rsplit("/", 1)[1]) > 0
        load.wait_for_flows(DRIVERS)  # the same processes serve on
    load.stop()
    failed = {outcome: n for outcome, n in load.flows.items() if outcome != "done"}
    assert sum(failed.values()) <= drops * DRIVERS, failed  # one request per driver at most
    assert load.not_json == []  # a failure is the app's own JSON answer
    with ThreadPoolExecutor(DRIVERS) as pool:  # and then every request is answered
        answers = sum(pool.map(lambda member: wallets(load, member), load.tokens), Counter())
    assert answers == {200: 100 * DRIVERS}
    load.bring_to_an_end()
    wait_all_final(seconds=20)  # the worker's relay outlived the drops
    assert_ledger_check_passes(app)
    assert worker.process.poll() is None and "Exception in thread" not in worker.log()
    assert "Traceback" not in web.log() or "PendingRollbackError" not in web.log()

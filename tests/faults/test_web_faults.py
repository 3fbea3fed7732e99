"""A gunicorn worker process killed with -9 in the middle of a request, under a load of
drivers: gunicorn starts another, the request that was running is lost whole (its transaction
with it), the driver's retry with the same Idempotency-Key pays once, every order comes to an
end and the books balance."""

import os
import signal
import uuid

import httpx

from tests.factories import make_member
from tests.faults.load import (
    Load,
    assert_ledger_check_passes,
    driver_token,
    fill,
    wait_all_final,
)
from tests.faults.processes import wait_until
from tests.money.helpers import credit_wallet
from tests.threads import Worker

LOCK_WALLET = "SELECT 1 FROM wallet WHERE member_id = %s FOR UPDATE"


def test_a_web_process_killed_mid_request(app, world, worker, web, lock):
    worker.start()
    load = Load(web.url, world, drivers=2).start()
    member = make_member(world.chain, openid="o-fault-killed-mid-request")
    credit_wallet(member, 100_000)
    phone = httpx.Client(
        base_url=web.url, headers={"Authorization": f"Bearer {driver_token(member)}"}, timeout=30
    )
    body = {"station_id": world.station_a.id, "fuel": "92", "mode": "amount", "amount_fen": 20000}
    placed = phone.post("/api/v1/orders", json=body, headers={"Idempotency-Key": "place-1"})
    assert placed.status_code == 201, placed.text
    pay = f"/api/v1/orders/{placed.json()['id']}/pay"
    key = {"Idempotency-Key": uuid.uuid4().hex}
    lost = []

    def pay_once() -> None:
        try:
            lost.append(phone.post(pay, json={"method": "wallet"}, headers=key))
        except httpx.TransportError as err:
            lost.append(err)

    with lock(LOCK_WALLET, [member.id]) as held:
        paying = Worker(pay_once)
        paying.start()
        held.wait()  # the payment is under way in the web process, waiting on the wallet
        (pid,) = web.worker_pids()
        os.kill(pid, signal.SIGKILL)
        paying.finish()
    assert isinstance(lost[0], httpx.TransportError), lost  # no answer: the driver retries
    wait_until(lambda: web.worker_pids() not in ([], [pid]), 30, "gunicorn starts a new worker")
    load.wait_for_flows(4)
    again = phone.post(pay, json={"method": "wallet"}, headers=key)
    assert again.status_code == 200, again.text
    assert again.json()["order"]["status"] == "paid"
    with load.attendant() as handheld:
        assert fill(handheld, again.json()["order"]["pickup"]["token"]).status_code == 200
    load.stop()
    load.bring_to_an_end()
    wait_all_final(seconds=20)
    assert_ledger_check_passes(app)

"""Each driver and attendant use case commits once (or once per named step around a WeChat
call): a second commit sneaking in, which could leave half a use case behind, fails here."""

import uuid
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.models import Member, Order, OutboxJob, Staff
from app.services.payments import refunds
from app.services.platform import outbox
from tests.api.conftest import Driver
from tests.attendant.conftest import Handheld
from tests.money.helpers import assert_ledger_ok, credit_wallet


@contextmanager
def commits():
    """Counts the COMMITs the database receives inside the block."""
    seen = []

    def count(_connection):
        seen.append(1)

    event.listen(db.engine, "commit", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "commit", count)


@pytest.fixture
def sandbox(live_server):
    httpx.delete(live_server.url + "/sandbox/wechatpay/faults").raise_for_status()
    return live_server.url + "/sandbox/wechatpay"


@pytest.fixture
def api(world, client, live_server):
    token = Driver(client).token("o-commit-driver")
    member = db.session.scalar(select(Member).where(Member.openid == "o-commit-driver"))
    credit_wallet(member, 50_000)
    headers = {"Authorization": f"Bearer {token}"}

    def post(path, body=None):
        keyed = headers | {"Idempotency-Key": str(uuid.uuid4())}
        with commits() as seen:
            answer = client.post("/api/v1" + path, json=body, headers=keyed)
        assert answer.status_code < 500, answer.get_json()
        return answer, len(seen)

    return post


def place(world, api, amount_fen=20000) -> int:
    body = {"station_id": world.station_a.id, "fuel": "92", "mode": "amount"}
    answer, committed = api("/orders", body | {"amount_fen": amount_fen})
    assert (answer.status_code, committed) == (201, 1)
    return answer.get_json()["id"]


def test_place_and_pay_from_the_wallet_commit_once_each(world, api):
    order_id = place(world, api)
    answer, committed = api(f"/orders/{order_id}/pay", {"method": "wallet"})
    assert (answer.status_code, committed) == (200, 1)
    refused, committed = api(f"/orders/{place(world, api, 49_000)}/pay", {"method": "wallet"})
    assert (refused.status_code, committed) == (409, 1)  # the refusal is stored as the answer
    assert_ledger_ok()


def test_wechat_pay_commits_once_per_step(world, api, sandbox):
    order_id = place(world, api)
    answer, committed = api(f"/orders/{order_id}/pay", {"method": "wechat"})
    assert (answer.status_code, committed) == (200, 2)  # before and after WeChat's prepay
    again, committed = api(f"/orders/{order_id}/pay", {"method": "wechat"})
    assert (again.status_code, committed) == (200, 1)  # the prepay is reused
    # From the wallet now: the prepay is closed at WeChat (a step), then the wallet pays.
    switched, committed = api(f"/orders/{order_id}/pay", {"method": "wallet"})
    assert (switched.status_code, committed) == (200, 3)
    assert_ledger_ok()


def test_cancel_commits_once(world, api):
    unpaid = place(world, api)
    answer, committed = api(f"/orders/{unpaid}/cancel")
    assert (answer.status_code, committed) == (200, 1)
    paid = place(world, api)
    api(f"/orders/{paid}/pay", {"method": "wallet"})
    answer, committed = api(f"/orders/{paid}/cancel")
    assert (answer.status_code, answer.get_json()["status"], committed) == (200, "cancelled", 1)
    assert_ledger_ok()


def test_confirm_settle_and_refund_commit_once_each(world, api, client):
    order_id = place(world, api)
    paid, _ = api(f"/orders/{order_id}/pay", {"method": "wallet"})
    handheld = Handheld(client)
    assert handheld.login("attendant_a").status_code == 200
    with commits() as seen:
        answer = handheld.confirm(paid.get_json()["order"]["pickup"]["token"], 20_000)
    assert (answer.status_code, len(seen)) == (200, 1)

    job_id = db.session.scalar(select(OutboxJob.id).where(OutboxJob.kind == "settle_order"))
    job = outbox.claim(job_id)
    with commits() as seen:
        outbox.execute(job)  # the settlement, its refund of the difference and "done"
    assert len(seen) == 1
    assert db.session.get(Order, order_id).status == "settled"

    manager = db.session.scalar(select(Staff).where(Staff.username == "manager_a"))
    with commits() as seen:
        refunds.refund_order(manager, order_id, 100, "油品质量投诉")
    assert len(seen) == 1
    assert_ledger_ok()

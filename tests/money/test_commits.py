"""Each driver and attendant use case commits once (or once per named step around a WeChat
call): a second commit sneaking in, which could leave half a use case behind, fails here."""

import uuid

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Member, Order, OutboxJob, Staff
from app.services.payments import refunds
from app.services.platform import outbox
from tests.api.conftest import Driver
from tests.attendant.conftest import Handheld
from tests.money.helpers import assert_ledger_ok, credit_wallet


def commits_of(transaction_ends, call):
    """call()'s result and how many COMMITs the database received meanwhile."""
    transaction_ends.clear()
    result = call()
    return result, transaction_ends.count("commit")


@pytest.fixture
def api(world, client, live_server, transaction_ends):
    token = Driver(client).token("o-commit-driver")
    member = db.session.scalar(select(Member).where(Member.openid == "o-commit-driver"))
    credit_wallet(member, 50_000)
    headers = {"Authorization": f"Bearer {token}"}

    def post(path, body=None):
        keyed = headers | {"Idempotency-Key": str(uuid.uuid4())}
        answer, committed = commits_of(
            transaction_ends, lambda: client.post("/api/v1" + path, json=body, headers=keyed)
        )
        assert answer.status_code < 500, answer.get_json()
        return answer, committed

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


def test_confirm_settle_and_refund_commit_once_each(world, api, client, transaction_ends):
    order_id = place(world, api)
    paid, _ = api(f"/orders/{order_id}/pay", {"method": "wallet"})
    handheld = Handheld(client)
    assert handheld.login("attendant_a").status_code == 200
    token = paid.get_json()["order"]["pickup"]["token"]
    answer, committed = commits_of(transaction_ends, lambda: handheld.confirm(token, 20_000))
    assert (answer.status_code, committed) == (200, 1)

    job_id = db.session.scalar(select(OutboxJob.id).where(OutboxJob.kind == "settle_order"))
    job = outbox.claim(job_id)
    # The settlement, its refund of the difference and the job marked done: one commit.
    assert commits_of(transaction_ends, lambda: outbox.execute(job))[1] == 1
    assert db.session.get(Order, order_id).status == "settled"

    manager = db.session.scalar(select(Staff).where(Staff.username == "manager_a"))
    transaction_ends.clear()
    refunds.refund_order(manager, order_id, 100, "油品质量投诉")
    assert transaction_ends.count("commit") == 1
    assert_ledger_ok()

"""Jobs that ask WeChat hold no database transaction while it answers, not even the job's own
(the outbox runs each job inside a unit of work): they end the read step first."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Refund, Topup
from app.models.base import utcnow
from app.services.members import top_ups
from app.services.payments import cancellation, refunds
from app.services.platform import gateways
from app.services.platform.unit_of_work import unit_of_work
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok
from tests.money.refund_helpers import wechat_paid, wechat_says
from tests.money.topup_helpers import transaction_for


class Spy:
    """A WeChat Pay client that answers as told and notes whether a transaction was open."""

    def __init__(self, answers: dict):
        self.answers, self.open_transaction = answers, []

    def __getattr__(self, name):
        def call(*args, **kwargs):
            self.open_transaction.append((name, db.session().in_transaction()))
            return self.answers[name]

        return call


@pytest.fixture
def spy(monkeypatch):
    spy = Spy({})
    monkeypatch.setattr(gateways, "wechat_pay", lambda: spy)
    return spy


def test_the_top_up_reconcile_job_asks_wechat_with_no_transaction_open(world, spy):
    member = make_member(world.chain)
    topup = Topup(
        chain_id=world.chain.id,
        member_id=member.id,
        topup_no=top_ups.new_topup_no(),
        channel="wechat",
        principal_fen=50_000,
        bonus_fen=3_000,
        payer_openid=member.openid,
        expires_at=utcnow(),
    )
    db.session.add(topup)
    db.session.commit()
    spy.answers["query"] = transaction_for(topup)
    with unit_of_work():  # as the outbox runs a job
        assert top_ups.reconcile(topup.id) == "credited"
    assert spy.open_transaction == [("query", False)]
    assert db.session.get(Topup, topup.id, populate_existing=True).status == "credited"
    assert_ledger_ok()


def test_the_refund_query_job_asks_wechat_with_no_transaction_open(world, sandbox, monkeypatch):
    member = make_member(world.chain)
    order = wechat_paid(member, world.station_a)
    cancellation.cancel_order(member, order.id)
    refund = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).one()
    assert refunds.apply_result(wechat_says(refund, "PROCESSING")) == "processing"
    spy = Spy({"query_refund": wechat_says(refund, "SUCCESS")})
    monkeypatch.setattr(gateways, "wechat_pay", lambda: spy)
    with unit_of_work():  # as the outbox runs a job
        refunds.query(refund.id)
    assert spy.open_transaction == [("query_refund", False)]
    assert db.session.get(Refund, refund.id, populate_existing=True).status == "SUCCESS"
    assert_ledger_ok()

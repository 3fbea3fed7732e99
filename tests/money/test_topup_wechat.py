"""WeChat top-ups end to end through the fake WeChat Pay over real HTTP: the prepay, the user
pays, the notification (or the query job) credits principal and bonus once; unpaid ones close."""

from datetime import timedelta

import httpx
import pytest
import time_machine
from sqlalchemy import func, select

from app.extensions import db
from app.models import LedgerTransaction, OutboxJob, PaymentEvent, Topup
from app.models.base import utcnow
from app.services.members import top_ups
from app.services.payments.paying import PaymentUnavailable
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, run_jobs
from tests.money.topup_helpers import balances, legs, make_package, paid_topup, user_pays, wait_for


@pytest.fixture
def member(world):
    return make_member(world.chain)


def test_package_topup_credits_principal_and_bonus_on_their_own_accounts(world, member, sandbox):
    package = make_package(world.chain, world.station_a)
    started = top_ups.start_topup(member, package.id)
    topup = started.topup
    assert topup.topup_no.startswith("T") and len(topup.topup_no) == 23
    assert (topup.status, topup.principal_fen, topup.bonus_fen) == ("pending", 50_000, 3_000)
    assert (topup.channel, topup.station_id, topup.prepay_id) == (
        "wechat",
        world.station_a.id,
        started.wechat_pay["package"].removeprefix("prepay_id="),
    )
    assert started.wechat_pay["signType"] == "RSA"
    assert balances(member.id) == (0, 0)
    user_pays(sandbox, started.wechat_pay)
    assert wait_for(lambda: db.session.get(Topup, topup.id).status == "credited")
    topup = db.session.get(Topup, topup.id)
    assert topup.transaction_id and topup.credited_at
    assert balances(member.id) == (50_000, 3_000)
    assert legs(topup.topup_no) == {
        ("wechat_clearing", None): 50_000,
        ("member_wallet", member.id): -50_000,
        ("bonus_expense", world.station_a.id): 3_000,
        ("member_bonus", member.id): -3_000,
    }
    assert db.session.scalar(select(func.count(PaymentEvent.id))) == 1
    run_jobs()  # the reconcile job finds it credited and does nothing
    assert db.session.scalar(select(func.count(LedgerTransaction.id))) == 1
    assert_ledger_ok()


def test_free_amount_topup_has_no_bonus(world, member, sandbox):
    free = make_package(world.chain, kind="free", min_fen=1_000, max_fen=200_000)
    started = top_ups.start_topup(member, amount_fen=12_345, station_id=world.station_b.id)
    assert (started.topup.package_id, started.topup.station_id) == (free.id, world.station_b.id)
    user_pays(sandbox, started.wechat_pay)
    assert wait_for(lambda: db.session.get(Topup, started.topup.id).status == "credited")
    assert balances(member.id) == (12_345, 0)
    assert legs(started.topup.topup_no) == {
        ("wechat_clearing", None): 12_345,
        ("member_wallet", member.id): -12_345,
    }
    assert_ledger_ok()


def test_lost_notification_is_credited_by_the_query_job(world, member, sandbox, app):
    package = make_package(world.chain)
    good_url = app.config["WECHATPAY_NOTIFY_URL"]
    app.config["WECHATPAY_NOTIFY_URL"] = "http://127.0.0.1:9/nowhere"  # every delivery is lost
    try:
        started = top_ups.start_topup(member, package.id)
    finally:
        app.config["WECHATPAY_NOTIFY_URL"] = good_url
    user_pays(sandbox, started.wechat_pay)
    topup_id = started.topup.id
    assert not wait_for(lambda: db.session.get(Topup, topup_id).status != "pending", seconds=1)
    assert run_jobs() == 0  # not due yet
    with time_machine.travel(utcnow() + timedelta(minutes=4), tick=False):
        run_jobs()
    db.session.expire_all()
    assert db.session.get(Topup, topup_id).status == "credited"
    assert balances(member.id) == (50_000, 3_000)
    assert db.session.scalar(select(OutboxJob.status).where(OutboxJob.kind == "reconcile_topup"))
    assert_ledger_ok()


def test_unpaid_topup_is_polled_then_closed_at_wechat_when_it_expires(world, member, sandbox):
    package = make_package(world.chain)
    started = top_ups.start_topup(member, package.id)
    topup_id = started.topup.id
    with time_machine.travel(utcnow() + timedelta(minutes=4), tick=False):
        run_jobs()  # asked WeChat: not paid yet, asks again later
    job = db.session.scalars(select(OutboxJob).where(OutboxJob.kind == "reconcile_topup")).one()
    assert (job.status, db.session.get(Topup, topup_id).status) == ("pending", "pending")
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        run_jobs()
    db.session.expire_all()
    assert db.session.get(Topup, topup_id).status == "closed"
    refused = httpx.post(sandbox + "/pay", json=started.wechat_pay, timeout=10)
    assert refused.status_code == 409  # WeChat takes no money for a closed top-up
    assert balances(member.id) == (0, 0)
    assert_ledger_ok()


def test_money_for_a_topup_we_had_closed_is_credited_anyway(world, member, sandbox, caplog):
    """Our close and the driver's payment crossed (say the close's answer was lost): the driver
    paid, so the money and the promised bonus are theirs."""
    package = make_package(world.chain)
    started = top_ups.start_topup(member, package.id)
    db.session.execute(
        Topup.__table__.update().where(Topup.id == started.topup.id).values(status="closed")
    )
    db.session.commit()
    user_pays(sandbox, started.wechat_pay)
    assert wait_for(lambda: db.session.get(Topup, started.topup.id).status == "credited")
    assert balances(member.id) == (50_000, 3_000)
    assert "paid after it was closed" in caplog.text
    assert_ledger_ok()


def test_prepay_refused_closes_the_topup_and_a_lost_answer_leaves_it_to_the_job(
    world, member, sandbox
):
    package = make_package(world.chain)
    httpx.post(sandbox + "/faults", json={"create": "PARAM_ERROR", "times": 1})
    with pytest.raises(PaymentUnavailable):
        top_ups.start_topup(member, package.id)
    refused = db.session.scalars(select(Topup)).one()
    assert (refused.status, refused.prepay_id) == ("closed", None)
    httpx.post(sandbox + "/faults", json={"create": "SYSTEM_ERROR", "times": 1})
    with pytest.raises(PaymentUnavailable):
        top_ups.start_topup(member, package.id)
    unknown = db.session.scalars(select(Topup).where(Topup.id != refused.id)).one()
    assert unknown.status == "pending"  # WeChat may have it: the job will ask, then close
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        run_jobs()
    db.session.expire_all()
    assert db.session.get(Topup, unknown.id).status == "closed"
    assert balances(member.id) == (0, 0)
    assert_ledger_ok()


def test_paid_topup_helper_runs_the_whole_flow(world, member, sandbox):
    topup = paid_topup(member, sandbox, make_package(world.chain, pay_fen=10_000, bonus_fen=500))
    assert (topup.status, topup.principal_fen, topup.bonus_fen) == ("credited", 10_000, 500)
    assert balances(member.id) == (10_000, 500)
    assert_ledger_ok()

"""A top-up's principal refund that WeChat did not pay out is owed like an order's: listed for
the staff who may act on it, re-issued against the top-up's own payment, or paid back into the
wallet (a chain-wide top-up's, by a chain admin)."""

import httpx
from sqlalchemy import select

from app.extensions import db
from app.models import Refund, RefundFollowup
from app.services.members.topup_refunds import approve_refund_request, request_refund
from app.services.payments import refund_followup
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, run_jobs
from tests.money.topup_helpers import balances, make_package, paid_topup, wait_for


def refunded_at_wechat(sandbox, member, package, staff, outcome):
    """A paid top-up whose principal refund WeChat ends with `outcome`."""
    topup = paid_topup(member, sandbox, package)
    approved = approve_refund_request(staff, request_refund(member, topup.id, "不用了").id)
    httpx.post(sandbox + "/faults", json={"refund_outcome": outcome, "times": 1})
    run_jobs()
    assert wait_for(lambda: db.session.get(Refund, approved.refund_id).status == outcome)
    return topup, db.session.get(Refund, approved.refund_id)


def test_closed_topup_refund_is_reissued_against_the_topup(world, sandbox):
    member = make_member(world.chain)
    package = make_package(world.chain, world.station_a)
    topup, closed = refunded_at_wechat(sandbox, member, package, world.manager_a, "CLOSED")
    listed = refund_followup.owed_refunds(world.manager_a)
    assert [(o.refund.id, o.order_no, o.member.id) for o in listed] == [
        (closed.id, topup.topup_no, member.id)
    ]
    assert refund_followup.owed_refunds(world.manager_b) == []
    assert refund_followup.count_owed(world.manager_a) == 1
    new = refund_followup.reissue(world.manager_a, closed.id)
    assert (new.out_refund_no, new.topup_id, new.order_id) == (
        topup.topup_no + "R02",
        topup.id,
        None,
    )
    run_jobs()
    assert wait_for(lambda: db.session.get(Refund, new.id).status == "SUCCESS")
    assert balances(member.id) == (0, 0)
    assert_ledger_ok()


def test_chain_wide_topup_refund_goes_to_the_wallet_by_a_chain_admin(world, sandbox):
    member = make_member(world.chain)
    package = make_package(world.chain)  # chain-wide: no station
    topup, abnormal = refunded_at_wechat(sandbox, member, package, world.admin, "ABNORMAL")
    assert abnormal.station_id is None
    assert refund_followup.owed_refunds(world.manager_a) == []
    assert refund_followup.count_owed(world.manager_a) == 0
    [owed] = refund_followup.owed_refunds(world.admin)
    assert (owed.order_no, owed.station_name) == (topup.topup_no, "全部油站")
    new = refund_followup.return_to_wallet(world.admin, abnormal.id, "phone", "电话联系，同意")
    assert (new.method, new.status, new.amount_fen) == ("wallet", "SUCCESS", 50_000)
    followup = db.session.scalars(select(RefundFollowup)).one()
    assert (followup.station_id, followup.refund_id) == (None, abnormal.id)
    assert balances(member.id) == (50_000, 0)  # the principal back; the revoked bonus stays so
    assert_ledger_ok()

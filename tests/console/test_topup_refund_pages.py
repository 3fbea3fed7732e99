"""What the existing console pages show of top-ups: a top-up's principal refund that WeChat
closed waits under 待处理退款 like an order's, and the audit log tells packages and approvals in
words."""

from sqlalchemy import select

from app.extensions import db
from app.models import Refund
from app.services.members import packages
from app.services.members.topup_refunds import (
    approve_refund_request,
    reject_refund_request,
    request_refund,
)
from app.services.payments import refunds
from tests.console.conftest import page
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok
from tests.money.refund_helpers import wechat_says
from tests.money.topup_helpers import credited_topup


def test_a_closed_topup_refund_waits_for_its_station_and_is_reissued(as_staff, world):
    member = make_member(world.chain)
    topup = credited_topup(member, world.station_a)
    asked = request_refund(member, topup.id, "不用了")
    approved = approve_refund_request(world.manager_a, asked.id)
    refund = db.session.get(Refund, approved.refund_id)
    assert refunds.apply_result(wechat_says(refund, "CLOSED")) == "closed"

    assert topup.topup_no not in page(as_staff("manager_b").get("/console/refunds"))
    console = as_staff("manager_a")
    html = page(console.get("/console/refunds"))
    assert f'充值 <span class="mono">{topup.topup_no}</span>' in html
    assert "充值本金退款" in html
    assert console.post(f"/console/refunds/{refund.id}/reissue").status_code == 303
    reissued = db.session.scalars(select(Refund).where(Refund.id != refund.id)).one()
    assert reissued.out_refund_no == topup.topup_no + "R02"
    assert_ledger_ok()


def test_the_audit_log_tells_packages_and_decisions_in_words(as_staff, world):
    package = packages.create_package(
        world.manager_a,
        world.station_a.id,
        name="充500送30",
        kind="fixed",
        pay_fen=50_000,
        bonus_fen=3_000,
    )
    packages.disable_package(world.manager_a, package.id)
    member = make_member(world.chain)
    topup = credited_topup(member, world.station_a)
    reject_refund_request(world.manager_a, request_refund(member, topup.id, "不用了").id, "活动期")
    approve_refund_request(world.manager_a, request_refund(member, topup.id, "还是退").id)
    html = page(as_staff("manager_a").get("/console/audit"))
    for words in (
        "新建充值套餐",
        "停用充值套餐",
        "充值套餐「充500送30」",
        "固定金额",
        "500.00 元",
        "驳回充值退款",
        "同意充值退款",
        f"充值 {topup.topup_no} 的退款申请",
        "钱包本金",
        "已同意",
    ):
        assert words in html, words
    assert_ledger_ok()

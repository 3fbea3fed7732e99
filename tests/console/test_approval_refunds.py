"""审核, the drivers' refund requests (members.topup_refunds): listed beside the counter
top-ups, counted in the menu, approved or rejected with a reason; who may; CSRF."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Refund, TopupRefundRequest
from app.services import ledger
from app.services.members import topup_refund_queue, topup_refunds
from tests.console.conftest import page
from tests.console.member_helpers import driver, pending
from tests.money import topup_helpers as helpers

QUEUE = "/console/approvals"
REQUEST_IDS = re.compile(r'id="refund-request-\d+"')


@pytest.fixture
def asked(world):
    """张师傅 topped up 500 (+30) by WeChat at station A and asks for it back; a counter
    top-up of 李姐 waits too."""
    zhang = driver(world, "张师傅", "13812345678")
    topup = helpers.credited_topup(zhang, world.station_a)
    request = topup_refunds.request_refund(zhang, topup.id, "搬家了，不在本地加油")
    pending(world, driver(world, "李姐", "13987655678"), 20000)
    return zhang, topup, request


def test_both_kinds_wait_in_the_queue_and_the_menu_counts_both(as_staff, asked):
    request = asked[2]
    html = page(as_staff("manager_a").get(QUEUE))
    assert '<span id="nav-approvals-count" class="nav-count">2' in html
    assert "柜台充值" in html and "充值退款" in html
    assert f'id="refund-request-{request.id}"' in html
    assert "可退 ¥500.00" in html and "扣回赠送金 ¥30.00" in html and "搬家了" in html
    assert "138****5678" in html
    assert ledger.check() == []


def test_manager_approves_a_refund_request(as_staff, asked):
    zhang, topup, request = asked
    console = as_staff("manager_a")
    html = page(console.post(f"{QUEUE}/refund-requests/{request.id}/approve", htmx=True))
    assert "已同意退款：500.00 元本金将原路退回车主微信，扣回赠送金 30.00 元" in html
    assert 'id="refund-requests"' in html and "暂无待审核的充值退款" in html
    assert 'id="nav-approvals-count" class="nav-count" hx-swap-oob="true">1' in html
    db.session.expire_all()
    assert db.session.get(TopupRefundRequest, request.id).status == "approved"
    assert db.session.scalars(select(Refund).where(Refund.topup_id == topup.id)).one()
    assert helpers.balances(zhang.id) == (0, 0)
    again = console.post(f"{QUEUE}/refund-requests/{request.id}/approve")
    assert "已处理" in page(console.get(again.headers["Location"]))
    assert ledger.check() == []


def test_one_stations_requests_are_paged_by_the_database(as_staff, world, asked):
    """A station's requests fill their own pages, however many other stations' come first."""
    request = asked[2]
    for n in range(topup_refund_queue.PER_PAGE + 1):
        other = driver(world, f"车队{n:02d}", f"139000000{n:02d}")
        topup = helpers.credited_topup(other, world.station_b)
        topup_refunds.request_refund(other, topup.id, "不用了")
    console = as_staff("admin")
    a = page(console.get(QUEUE, query_string={"station_id": world.station_a.id}))
    assert REQUEST_IDS.findall(a) == [f'id="refund-request-{request.id}"']
    b = page(console.get(QUEUE, query_string={"station_id": world.station_b.id}))
    assert len(REQUEST_IDS.findall(b)) == topup_refund_queue.PER_PAGE
    assert f'id="refund-request-{request.id}"' not in b
    other_station = {"station_id": world.station_b.id}
    assert as_staff("manager_a").get(QUEUE, query_string=other_station).status_code == 403
    assert ledger.check() == []


def test_reject_needs_a_reason(as_staff, asked):
    zhang, _, request = asked
    console = as_staff("manager_a")
    url = f"{QUEUE}/refund-requests/{request.id}/reject"
    missing = console.post(url, {"reason": " "}, htmx=True)
    assert missing.status_code == 400 and "请填写驳回原因" in page(missing)
    done = page(console.post(url, {"reason": "已用于加油"}, htmx=True))
    assert "已驳回退款申请：已用于加油" in done
    db.session.expire_all()
    assert db.session.get(TopupRefundRequest, request.id).status == "rejected"
    assert helpers.balances(zhang.id) == (50000, 3000)
    assert ledger.check() == []


def test_cashier_and_other_station_are_refused_and_csrf_is_required(as_staff, asked):
    zhang, _, request = asked
    approve = f"{QUEUE}/refund-requests/{request.id}/approve"
    assert as_staff("cashier_a").post(approve).status_code == 403
    other = as_staff("manager_b")
    assert f'id="refund-request-{request.id}"' not in page(other.get(QUEUE))
    assert other.post(approve).status_code == 403
    manager = as_staff("manager_a")
    assert manager.post(approve, csrf=False).status_code == 303
    db.session.expire_all()
    assert db.session.get(TopupRefundRequest, request.id).status == "requested"
    assert helpers.balances(zhang.id) == (50000, 3000)
    assert ledger.check() == []

"""Drivers' refund requests in the console: in the same queue as counter refunds (订单退款, and
审核), counted in the menu, approved (the money back the way it was paid) or rejected with a
reason by a manager of the station or a chain admin; who may see and decide, and CSRF. The
ledger check runs after every test (conftest)."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, CounterRefundRequest, Member, Order, Refund, Staff
from app.services import ledger
from app.services.payments import driver_refunds
from tests.console.conftest import page
from tests.console.counter_refund_helpers import pending_request, set_threshold
from tests.factories import PASSWORD, make_member
from tests.money.helpers import credit_wallet
from tests.money.tier_helpers import SPENT_FEN, settled_order

LIST = "/console/counter-refunds"
COUNT = '<span id="nav-order-refunds-count" class="nav-count">'


@pytest.fixture
def member(world) -> Member:
    member = make_member(world.chain, "o-driver-refund-page")
    member.nickname, member.phone = "王师傅", "13912345678"
    db.session.commit()
    credit_wallet(member, 100_000)
    return member


@pytest.fixture
def asked(world, member) -> CounterRefundRequest:
    """A settled order of station A (149.60 元 charged) whose driver asks for 30 元 back."""
    order = settled_order(world, member)
    return driver_refunds.request_refund(member, order.id, 3000, "short_fuel", "只加了 16 升")


def only(request_id: int) -> CounterRefundRequest:
    db.session.expire_all()
    return db.session.get(CounterRefundRequest, request_id)


def test_the_manager_sees_it_counted_and_approves_it(as_staff, world, member, asked):
    manager = as_staff("manager_a")
    listed = page(manager.get(LIST))
    card = listed[listed.index(f'id="counter-refund-{asked.id}"') :]
    for text in ("待审批", "车主申请", "¥30.00", "王师傅", "139****5678", "未加到油或加油量不符"):
        assert text in card[:4000], text
    assert "13912345678" not in listed  # the phone is masked in the queue
    assert f"{COUNT}1" in listed  # the menu's count of requests waiting for this manager
    assert '<span id="nav-approvals-count" class="nav-count">1' in listed
    queue = page(manager.get("/console/approvals"))
    assert f'id="counter-refund-{asked.id}"' in queue and "同意退款" in queue
    only_drivers = page(manager.get(LIST, query_string={"channel": "driver"}))
    assert f'id="counter-refund-{asked.id}"' in only_drivers
    assert f'id="counter-refund-{asked.id}"' not in page(
        manager.get(LIST, query_string={"channel": "counter"})
    )
    before = ledger.wallet_balance(member.id)

    answer = manager.post(f"{LIST}/{asked.id}/approve", htmx=True)
    html = page(answer)
    assert answer.status_code == 200 and "已同意车主申请的退款 30.00 元" in html
    assert "已退款" in html and "manager_a" in html
    assert 'id="nav-order-refunds-count" class="nav-count" hx-swap-oob="true" hidden' in html
    assert 'id="nav-approvals-count" class="nav-count" hx-swap-oob="true" hidden' in html
    decided = only(asked.id)
    assert (decided.status, decided.decided_by_id) == ("sent", world.manager_a.id)
    refund = db.session.get(Refund, decided.refund_id)
    assert (refund.amount_fen, refund.method, refund.kind) == (3000, "wallet", "manual")
    assert refund.actor_staff_id == world.manager_a.id
    assert ledger.wallet_balance(member.id) == before + 3000
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "driver_refund.approve"))
    assert (entry.actor_staff_id, entry.station_id) == (world.manager_a.id, world.station_a.id)
    assert entry.before["asked_by"] == "driver"
    shown = page(manager.get("/console/audit"))
    assert "同意车主退款申请" in shown
    again = manager.post(f"{LIST}/{asked.id}/approve", htmx=True)
    assert "该退款申请已处理" in page(again)
    assert ledger.wallet_balance(member.id) == before + 3000


def test_the_manager_rejects_it_with_a_reason(as_staff, world, member, asked):
    manager = as_staff("manager_a")
    manager.get(LIST)
    url = f"{LIST}/{asked.id}/reject"
    blank = manager.post(url, {"reason": " "}, htmx=True)
    assert blank.status_code == 400 and "请填写驳回原因" in page(blank)
    before = ledger.wallet_balance(member.id)
    done = page(manager.post(url, {"reason": "油机记录显示加满 20 升"}, htmx=True))
    assert "已驳回退款 30.00 元：油机记录显示加满 20 升" in done
    rejected = only(asked.id)
    assert (rejected.status, rejected.reject_reason) == ("rejected", "油机记录显示加满 20 升")
    assert ledger.wallet_balance(member.id) == before
    assert db.session.get(Order, asked.order_id).refunded_fen == 20_000 - SPENT_FEN
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "driver_refund.reject"))


def test_the_orders_refund_page_shows_the_request_and_what_it_holds(as_staff, world, asked):
    cashier = as_staff("cashier_a")
    shown = page(cashier.get(f"/console/orders/{asked.order_id}/refund"))
    assert "本订单的退款申请" in shown and "车主申请" in shown and "只加了 16 升" in shown
    assert "待审批" in shown and "¥30.00（审批前不能再退这部分）" in shown
    # The driver's request holds its 30 元: the counter may refund the rest only.
    refused = cashier.post(
        f"/console/orders/{asked.order_id}/refund",
        {"amount": "149.60", "reason": "overcharged", "note": "", "secret": PASSWORD},
    )
    assert refused.status_code == 400 and "最多还可申请 119.60 元" in page(refused)


def test_the_order_page_lists_its_requests_with_their_outcome(as_staff, world, asked):
    manager = as_staff("manager_a")
    url = f"/console/orders/{asked.order_id}"
    section = page(manager.get(url)).split('id="requests-title"')[1].split("</section>")[0]
    for text in ("退款申请", "车主申请", "30.00", "只加了 16 升", "待审批", "去处理"):
        assert text in section, text
    manager.post(f"{LIST}/{asked.id}/reject", {"reason": "油机记录显示加满 20 升"}, htmx=True)
    section = page(manager.get(url)).split('id="requests-title"')[1].split("</section>")[0]
    assert "已驳回" in section and "油机记录显示加满 20 升" in section and "manager_a" in section


def test_who_may_see_and_decide(as_staff, world, asked):
    cashier = as_staff("cashier_a")
    listed = page(cashier.get(LIST))
    assert f'id="counter-refund-{asked.id}"' in listed and "等待站长或总部审核" in listed
    assert f"/counter-refunds/{asked.id}/approve" not in listed
    assert 'id="nav-order-refunds-count" class="nav-count" hidden' in listed  # decides nothing
    assert cashier.post(f"{LIST}/{asked.id}/approve").status_code == 403
    assert cashier.post(f"{LIST}/{asked.id}/reject", {"reason": "不行"}).status_code == 403
    other = as_staff("manager_b")
    assert f'id="counter-refund-{asked.id}"' not in page(other.get(LIST))
    assert 'nav-order-refunds-count" class="nav-count" hidden' in page(other.get(LIST))
    assert other.post(f"{LIST}/{asked.id}/approve").status_code == 403
    assert other.post(f"{LIST}/{asked.id}/reject", {"reason": "不行"}).status_code == 403
    assert as_staff("attendant_a").get(LIST).status_code == 403
    assert only(asked.id).status == "pending"
    admin = as_staff("admin")
    assert f"{COUNT}1" in page(admin.get(LIST))
    assert admin.post(f"{LIST}/{asked.id}/approve").status_code == 303
    assert only(asked.id).status == "sent"


def test_posts_without_the_csrf_token_are_refused(as_staff, world, member, asked):
    manager = as_staff("manager_a")
    before = ledger.wallet_balance(member.id)
    assert manager.post(f"{LIST}/{asked.id}/approve", csrf=False).status_code == 303
    assert manager.post(f"{LIST}/{asked.id}/reject", {"reason": "x"}, csrf=False).status_code == 303
    assert only(asked.id).status == "pending"
    assert ledger.wallet_balance(member.id) == before


def test_the_count_adds_the_counters_waiting_refunds(as_staff, world, member, asked):
    set_threshold(world.station_a, 0)
    order = settled_order(world, member)
    pending_request(db.session.get(Staff, world.cashier_a.id), order, 5000)
    listed = page(as_staff("manager_a").get(LIST))
    assert f"{COUNT}2" in listed
    # A manager's own counter refund is not theirs to decide: not counted for them.
    pending_request(db.session.get(Staff, world.manager_a.id), order, 1000)
    assert f"{COUNT}2" in page(as_staff("manager_a").get(LIST))

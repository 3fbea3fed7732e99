"""柜台退款's list (every state, attention first, filters), the station's approval threshold on
its settings page, finding an order by its number, and the links to the refund form."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Refund, Staff, Station
from app.services.payments import counter_refunds, refunds
from app.services.platform.errors import Invalid
from tests.console.conftest import page
from tests.console.counter_refund_helpers import driver, paid_order, pending_request, set_threshold
from tests.console.test_stations import PROFILE
from tests.factories import PASSWORD
from tests.money.refund_helpers import wechat_paid, wechat_says

LIST = "/console/counter-refunds"
CARD_IDS = re.compile(r'id="counter-refund-(\d+)"')


def test_every_state_is_listed_with_those_needing_attention_first(as_staff, world, live_server):
    """Sent (wallet), rejected, failed (WeChat closed it) and pending, at two stations."""
    member = driver(world)
    cashier = db.session.get(Staff, world.cashier_a.id)
    sent = counter_refunds.request_refund(
        cashier, paid_order(world, member).id, 1000, "overcharged", "", PASSWORD
    )
    wechat = wechat_paid(member, world.station_a)
    failed = counter_refunds.request_refund(cashier, wechat.id, 2000, "duplicate", "", PASSWORD)
    refund = db.session.get(Refund, failed.refund_id)
    assert refunds.apply_result(wechat_says(refund, "CLOSED")) == "closed"
    set_threshold(world.station_a, 0)
    rejected = pending_request(cashier, paid_order(world, member), 3000)
    counter_refunds.reject(db.session.get(Staff, world.manager_a.id), rejected.id, "不符合规定")
    waiting = pending_request(cashier, paid_order(world, member), 4000)
    order_b = paid_order(world, member, world.station_b)
    at_b = counter_refunds.request_refund(
        db.session.get(Staff, world.manager_b.id), order_b.id, 500, "other", "测试", PASSWORD
    )
    admin = as_staff("admin")
    html = page(admin.get(LIST))
    ids = [int(i) for i in CARD_IDS.findall(html)]
    assert ids[:2] == [waiting.id, failed.id]  # attention first
    assert set(ids) == {sent.id, failed.id, rejected.id, waiting.id, at_b.id}
    assert "待审批" in html and "退款失败" in html and "已驳回" in html and "不符合规定" in html
    assert "待处理退款" in html  # where a failed one is followed up
    only = page(admin.get(LIST, query_string={"state": "rejected"}))
    assert [int(i) for i in CARD_IDS.findall(only)] == [rejected.id]
    failed_only = page(admin.get(LIST, query_string={"state": "failed"}))
    assert [int(i) for i in CARD_IDS.findall(failed_only)] == [failed.id]
    station_b = admin.get(LIST, query_string={"station_id": world.station_b.id}, htmx=True)
    assert [int(i) for i in CARD_IDS.findall(page(station_b))] == [at_b.id]
    assert "<!doctype" not in page(station_b)  # a fragment for HTMX
    cashier_view = page(as_staff("cashier_a").get(LIST))
    assert at_b.id not in [int(i) for i in CARD_IDS.findall(cashier_view)]
    assert "同意退款" not in cashier_view
    assert '>订单退款<span id="nav-order-refunds-count"' in cashier_view  # the menu


def test_the_manager_sets_the_stations_threshold(as_staff, world):
    assert db.session.get(Station, world.station_a.id).refund_approval_threshold_fen == 20000
    manager = as_staff("manager_a")
    url = f"/console/stations/{world.station_a.id}"
    shown = page(manager.get(url))
    assert "柜台退款审批金额（元）" in shown and 'value="200.00"' in shown
    saved = manager.post(url, data={**PROFILE, "refund_approval_threshold": "88.50"})
    assert saved.status_code == 303
    db.session.expire_all()
    assert db.session.get(Station, world.station_a.id).refund_approval_threshold_fen == 8850
    refused = manager.post(url, data={**PROFILE, "refund_approval_threshold": "-1"})
    assert refused.status_code == 400 and "退款审批金额应在 0 到 10000 元之间" in page(refused)
    db.session.expire_all()
    assert db.session.get(Station, world.station_a.id).refund_approval_threshold_fen == 8850
    assert manager.post(url, data=PROFILE).status_code == 303  # not posted: kept
    db.session.expire_all()
    assert db.session.get(Station, world.station_a.id).refund_approval_threshold_fen == 8850
    assert as_staff("cashier_a").post(url, data=PROFILE).status_code == 403


def test_a_lower_threshold_makes_the_same_refund_wait(world):
    member = driver(world)
    cashier = db.session.get(Staff, world.cashier_a.id)
    set_threshold(world.station_a, 999)
    waits = counter_refunds.request_refund(
        cashier, paid_order(world, member).id, 1000, "overcharged", "", PASSWORD
    )
    goes = counter_refunds.request_refund(
        cashier, paid_order(world, member).id, 999, "overcharged", "", PASSWORD
    )
    assert (waits.status, goes.status) == ("pending", "sent")


def test_finding_an_order_by_its_number(as_staff, world):
    member = driver(world)
    order = paid_order(world, member)
    order_b = paid_order(world, member, world.station_b)
    cashier = as_staff("cashier_a")
    found = cashier.get(f"{LIST}/find", query_string={"order_no": f" {order.order_no} "})
    assert found.headers["Location"] == f"/console/orders/{order.id}/refund"
    missing = cashier.get(f"{LIST}/find", query_string={"order_no": "NO-SUCH"})
    assert "没有这个订单号" in page(cashier.get(missing.headers["Location"]))
    assert (
        cashier.get(f"{LIST}/find", query_string={"order_no": order_b.order_no}).status_code == 403
    )


def test_the_members_orders_link_to_the_refund_form(as_staff, world):
    member = driver(world)
    order = paid_order(world, member)
    html = page(as_staff("cashier_a").get(f"/console/members/{member.id}/orders"))
    assert f'href="/console/orders/{order.id}/refund"' in html


def test_a_cancelled_order_cannot_be_refunded_again(as_staff, world):
    member = driver(world)
    order = paid_order(world, member)
    cashier = db.session.get(Staff, world.cashier_a.id)
    counter_refunds.request_refund(cashier, order.id, 20000, "driver_cancelled", "", PASSWORD)
    with pytest.raises(Invalid) as refused:
        counter_refunds.request_refund(cashier, order.id, 100, "overcharged", "", PASSWORD)
    assert refused.value.fields == {"amount_fen": "订单已取消，不能退款"}
    html = page(as_staff("cashier_a").get(f"/console/orders/{order.id}/refund"))
    assert "该订单已全部退款" in html and "确认退款" not in html
    assert db.session.scalar(select(Refund.amount_fen)) == 20000

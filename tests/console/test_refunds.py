"""待处理退款 in the console: who sees which refunds, the two actions, CSRF, bad input."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Order, Refund, RefundFollowup
from app.services import ledger
from tests.console.conftest import page
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok
from tests.money.refund_helpers import owed_refund

URL = "/console/refunds"
NOTE = "14:20 电话联系车主，同意退回钱包"


@pytest.fixture
def member(world, live_server):  # live_server: the prepay goes to the fake WeChat Pay
    driver = make_member(world.chain)
    driver.nickname, driver.phone = "张师傅", "13800001234"
    db.session.commit()
    return driver


@pytest.fixture
def owed(world, member):
    """A CLOSED refund at station A and an ABNORMAL one at station B."""
    closed = owed_refund(member, world.station_a, "CLOSED", amount_fen=20000)
    abnormal = owed_refund(member, world.station_b, "ABNORMAL", amount_fen=15000)
    return closed, abnormal


def order_no(refund: Refund) -> str:
    return db.session.get(Order, refund.order_id).order_no


def test_manager_sees_own_station_with_driver_state_and_actions(as_staff, owed):
    closed, abnormal = owed
    html = page(as_staff("manager_a").get(URL))
    assert "待处理退款" in html
    assert order_no(closed) in html and order_no(abnormal) not in html
    assert "张师傅" in html and "13800001234" in html
    assert "¥200.00" in html and "退款关闭" in html and "取消订单退款" in html
    assert "重新发起微信退款" in html and "退回车主钱包" in html
    assert '<span id="nav-refunds-count" class="nav-count">1' in html


def test_chain_admin_sees_every_station(as_staff, owed):
    closed, abnormal = owed
    html = page(as_staff("admin").get(URL))
    assert order_no(closed) in html and order_no(abnormal) in html
    assert "退款异常" in html and "¥150.00" in html
    assert html.count("重新发起微信退款</button>") == 1  # ABNORMAL: the wallet only
    assert '<span id="nav-refunds-count" class="nav-count">2' in html
    one = page(as_staff("admin").get(f"{URL}?station_id={abnormal.station_id}"))
    assert order_no(abnormal) in one and order_no(closed) not in one


@pytest.mark.parametrize("username", ["cashier_a", "attendant_a"])
def test_cashier_and_attendant_cannot_see_or_act(as_staff, owed, username):
    closed, _ = owed
    console = as_staff(username)
    assert "待处理退款" not in page(console.get("/console/"))
    assert console.get(URL).status_code == 403
    assert console.post(f"{URL}/{closed.id}/reissue").status_code == 403
    wallet = {"consent_channel": "phone", "consent_note": NOTE}
    assert console.post(f"{URL}/{closed.id}/wallet", wallet).status_code == 403
    assert db.session.scalar(select(func.count(RefundFollowup.id))) == 0


def test_manager_of_another_station_is_refused(as_staff, owed, world):
    closed, abnormal = owed
    console = as_staff("manager_b")
    html = page(console.get(URL))
    assert order_no(abnormal) in html and order_no(closed) not in html
    assert console.get(f"{URL}?station_id={world.station_a.id}").status_code == 403
    assert console.post(f"{URL}/{closed.id}/reissue").status_code == 403
    wallet = {"consent_channel": "phone", "consent_note": NOTE}
    assert console.post(f"{URL}/{closed.id}/wallet", wallet).status_code == 403
    assert console.post(f"{URL}/{closed.id + 999}/reissue").status_code == 404
    db.session.expire_all()
    assert db.session.get(Refund, closed.id).followup is None


def test_post_without_csrf_token_changes_nothing(as_staff, owed):
    closed, _ = owed
    console = as_staff("manager_a")
    # Refused, and back to the page with the reason (a stale page, not a bare 400).
    response = console.post(f"{URL}/{closed.id}/reissue", csrf=False)
    assert (response.status_code, response.headers["Location"]) == (303, "/console/")
    wallet = {"consent_channel": "phone", "consent_note": NOTE}
    response = console.post(f"{URL}/{closed.id}/wallet", wallet, csrf=False)
    assert response.status_code == 303
    assert "页面已过期，请重新操作" in page(console.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(Refund, closed.id).followup is None


def test_reissue_then_a_second_click_is_told_it_is_done(as_staff, owed):
    closed, _ = owed
    console = as_staff("manager_a")
    response = console.post(f"{URL}/{closed.id}/reissue")
    assert response.status_code == 303
    html = page(console.get(response.headers["Location"]))
    assert "已重新向微信发起退款 200.00 元" in html
    assert f'id="refund-{closed.id}"' not in html and "暂无待处理退款" in html
    again = console.post(f"{URL}/{closed.id}/reissue")
    assert again.status_code == 303
    assert "已经处理过了" in page(console.get(again.headers["Location"]))
    assert (
        len(db.session.scalars(select(Refund).where(Refund.order_id == closed.order_id)).all()) == 2
    )
    assert_ledger_ok()


def test_wallet_needs_the_consent_and_keeps_what_was_typed(as_staff, owed, member):
    closed, _ = owed
    console = as_staff("manager_a")
    response = console.post(f"{URL}/{closed.id}/wallet", {"consent_note": "  已联系 "})
    assert response.status_code == 400
    html = page(response)
    assert "请选择车主同意的方式" in html and "已联系" in html
    assert '<details class="wallet" open>' in html
    response = console.post(f"{URL}/{closed.id}/wallet", {"consent_channel": "phone"})
    assert response.status_code == 400 and "请写明与车主沟通的情况" in page(response)
    assert ledger.wallet_balance(member.id) == 0

    response = console.post(
        f"{URL}/{closed.id}/wallet", {"consent_channel": "phone", "consent_note": NOTE}
    )
    assert response.status_code == 303
    assert "已将 200.00 元退回车主钱包" in page(console.get(response.headers["Location"]))
    assert ledger.wallet_balance(member.id) == 20000
    followup = db.session.scalars(select(RefundFollowup)).one()
    assert (followup.consent_channel, followup.consent_note) == ("phone", NOTE)
    audit = page(console.get("/console/audit"))
    assert "退款退回钱包" in audit and NOTE in audit
    assert_ledger_ok()


def test_htmx_actions_answer_with_the_list_the_flash_and_the_count(as_staff, owed):
    closed, abnormal = owed
    console = as_staff("admin")
    response = console.post(f"{URL}/{closed.id}/reissue", htmx=True)
    assert response.status_code == 200
    html = page(response)
    assert 'id="refund-list"' in html and "<html" not in html
    assert f'id="refund-{closed.id}"' not in html and f'id="refund-{abnormal.id}"' in html
    assert 'id="flash" class="flash-area" hx-swap-oob="true"' in html
    assert 'hx-swap-oob="true">1' in html  # the navigation's count, now 1
    response = console.post(f"{URL}/{abnormal.id}/wallet", {"consent_channel": "x"}, htmx=True)
    assert response.status_code == 400 and "请选择车主同意的方式" in page(response)
    response = console.post(
        f"{URL}/{abnormal.id}/wallet",
        {"consent_channel": "in_person", "consent_note": NOTE},
        htmx=True,
    )
    assert "暂无待处理退款" in page(response) and "退回车主钱包（退款单号" in page(response)
    assert_ledger_ok()

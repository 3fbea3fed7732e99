"""柜台退款: a cashier refunds a paid order at the counter, re-entering their password or PIN; above
the station's threshold a manager other than the requester approves or rejects; who may, CSRF,
over-refunds and two cashiers at once. The ledger check runs after every test (conftest)."""

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import AuditLog, CounterRefundRequest, Order, Refund, Staff
from app.services import ledger
from app.services.payments import counter_refunds
from app.services.platform.errors import Invalid
from app.services.staff import pin_lock
from tests.console.conftest import page
from tests.console.counter_refund_helpers import (
    driver,
    form,
    money_state,
    paid_order,
    pending_request,
    set_threshold,
)
from tests.factories import PASSWORD, make_staff
from tests.threads import run_together, start_line

LIST = "/console/counter-refunds"


def refund_url(order) -> str:
    return f"/console/orders/{order.id}/refund"


@pytest.fixture
def member(world):
    return driver(world)


@pytest.fixture
def order(world, member):
    return paid_order(world, member)  # 200 元 from the wallet, at station A


def only_request() -> CounterRefundRequest:
    db.session.expire_all()
    return db.session.scalars(select(CounterRefundRequest)).one()


def test_partial_then_full_refund_at_the_counter(as_staff, member, order):
    cashier = as_staff("cashier_a")
    shown = page(cashier.get(refund_url(order)))
    assert order.order_no in shown and "¥200.00" in shown and "退款金额（元）" in shown
    assert "油品问题" in shown and "车主取消" in shown and "登录密码或 PIN" in shown
    note = "92# 油品有杂质"
    done = cashier.post(refund_url(order), form("30.00", "fuel_quality", note))
    assert done.status_code == 303
    after = page(cashier.get(done.headers["Location"]))
    assert "已退款 30.00 元" in after and "油品问题：92# 油品有杂质" in after
    made = only_request()
    refund = db.session.get(Refund, made.refund_id)
    assert (made.status, made.amount_fen, made.decided_by_id) == ("sent", 3000, None)
    assert (refund.amount_fen, refund.method, refund.status) == (3000, "wallet", "SUCCESS")
    assert refund.reason == "油品问题：92# 油品有杂质"
    assert ledger.wallet_balance(member.id) == 100_000 - 20000 + 3000
    assert db.session.get(Order, order.id).status == "paid"  # still to be fuelled, for less
    # The rest: 30 + 170 reaches the default threshold (200 元) without passing it.
    rest = cashier.post(refund_url(order), form("170.00", "driver_cancelled"))
    assert rest.status_code == 303
    db.session.expire_all()
    refunded = db.session.get(Order, order.id)
    assert (refunded.status, refunded.refunded_fen) == ("cancelled", 20000)
    assert ledger.wallet_balance(member.id) == 100_000
    actions = db.session.scalars(
        select(AuditLog.action).where(AuditLog.entity_type == "counter_refund_request")
    ).all()
    assert actions == ["counter_refund.request", "counter_refund.request"]
    assert "该订单已全部退款" in page(cashier.get(refund_url(order)))


def test_wrong_password_or_pin_refuses_and_changes_nothing(as_staff, world, member, order):
    cashier = as_staff("cashier_a")
    before = money_state(order.id, member.id)
    wrong = cashier.post(refund_url(order), form("50.00", secret="Wrong-2026"))
    assert wrong.status_code == 400
    assert "密码不正确，未退款；还可再试 4 次" in page(wrong)
    assert money_state(order.id, member.id) == before
    pin_lock.set_pin(db.session.get(Staff, world.cashier_a.id), "2580")  # the count starts again
    bad_pin = cashier.post(refund_url(order), form("50.00", secret="2581"))
    assert bad_pin.status_code == 400 and "PIN不正确，未退款；还可再试 4 次" in page(bad_pin)
    assert money_state(order.id, member.id) == before
    no_secret = cashier.post(refund_url(order), form("50.00", secret=""))
    assert no_secret.status_code == 400 and "请输入您的登录密码或 PIN" in page(no_secret)
    good = cashier.post(refund_url(order), form("50.00", secret="2580"))
    assert good.status_code == 303
    assert only_request().status == "sent"
    db.session.expire_all()
    assert db.session.get(Staff, world.cashier_a.id).pin_failures == 0  # a right one resets


def test_five_wrong_secrets_end_the_session(as_staff, world, member, order):
    cashier = as_staff("cashier_a")
    before = money_state(order.id, member.id)
    for _ in range(pin_lock.MAX_FAILURES - 1):
        assert cashier.post(refund_url(order), form("50.00", secret="Nope12345")).status_code == 400
    last = cashier.post(refund_url(order), form("50.00", secret="Nope12345"))
    assert last.status_code == 303 and last.headers["Location"].startswith("/console/login")
    assert "连续输错 5 次" in page(cashier.get(last.headers["Location"]))
    assert money_state(order.id, member.id) == before
    again = cashier.get(refund_url(order))  # every session of the account has ended
    assert again.status_code == 302 and "/console/login" in again.headers["Location"]


def test_over_refund_is_refused_naming_the_field(as_staff, world, member, order):
    cashier = as_staff("cashier_a")
    before = money_state(order.id, member.id)
    refused = cashier.post(refund_url(order), form("200.01", secret="Mistyped-1"))
    assert refused.status_code == 400
    assert '<p class="field-error">退款金额应在 0.01 到 200.00 元之间</p>' in page(refused)
    assert "密码不正确" not in page(refused)  # the amount is checked first: no try spent
    assert db.session.get(Staff, world.cashier_a.id).pin_failures == 0
    zero = cashier.post(refund_url(order), form("0"))
    assert zero.status_code == 400 and "退款金额必须大于 0" in page(zero)
    other = cashier.post(refund_url(order), form("10.00", reason="other"))
    assert other.status_code == 400 and "选择“其他”时请在说明中写明原因" in page(other)
    assert money_state(order.id, member.id) == before
    with pytest.raises(Invalid, match="退款金额"):
        counter_refunds.request_refund(
            db.session.get(Staff, world.cashier_a.id), order.id, 30000, "duplicate", "", PASSWORD
        )
    assert money_state(order.id, member.id) == before


def test_above_threshold_waits_and_a_manager_approves(as_staff, world, member, order):
    set_threshold(world.station_a, 5000)  # 50 元
    cashier = as_staff("cashier_a")
    before = money_state(order.id, member.id)
    asked = cashier.post(refund_url(order), form("80.00", "overcharged", "多扣了 80 元"))
    after = page(cashier.get(asked.headers["Location"]))
    assert "退款 80.00 元超过本站审批金额，已提交站长审批" in after
    waiting = only_request()
    assert waiting.status == "pending" and waiting.refund_id is None
    assert money_state(order.id, member.id)[:3] == before[:3]  # no money moved
    assert money_state(order.id, member.id)[5] == before[5]
    queue = page(as_staff("manager_a").get("/console/approvals"))
    assert f'id="counter-refund-{waiting.id}"' in queue and "同意退款" in queue
    assert '<span id="nav-approvals-count" class="nav-count">1' in queue
    manager = as_staff("manager_a")
    manager.get(LIST)
    answer = manager.post(f"{LIST}/{waiting.id}/approve", htmx=True)
    html = page(answer)
    assert answer.status_code == 200 and "已同意退款 80.00 元" in html
    assert "已退款" in html and "manager_a" in html
    assert 'id="nav-approvals-count" class="nav-count" hx-swap-oob="true" hidden' in html
    decided = only_request()
    assert (decided.status, decided.decided_by_id) == ("sent", world.manager_a.id)
    refund = db.session.get(Refund, decided.refund_id)
    assert (refund.amount_fen, refund.actor_staff_id) == (8000, world.manager_a.id)
    assert ledger.wallet_balance(member.id) == 100_000 - 20000 + 8000
    again = manager.post(f"{LIST}/{waiting.id}/approve", htmx=True)
    assert "该退款申请已处理" in page(again)
    assert db.session.scalar(select(Order.refunded_fen).where(Order.id == order.id)) == 8000


def test_the_threshold_counts_the_orders_earlier_counter_refunds(world, member):
    """120 元 then 80.01 元 of a 500 元 order against a 200 元 threshold: the second waits (a
    refund split in two does not pass unapproved)."""
    order = paid_order(world, member, amount_fen=50000)
    cashier = db.session.get(Staff, world.cashier_a.id)
    first = counter_refunds.request_refund(cashier, order.id, 12000, "overcharged", "", PASSWORD)
    second = counter_refunds.request_refund(cashier, order.id, 8001, "overcharged", "", PASSWORD)
    assert (first.status, second.status) == ("sent", "pending")


def test_a_waiting_request_holds_its_amount(world, member, order):
    """200 元 paid: 150 元 waits for approval, so a second request of 60 元 is refused; 50 元
    still may be asked."""
    set_threshold(world.station_a, 0)  # every refund waits
    cashier = db.session.get(Staff, world.cashier_a.id)
    counter_refunds.request_refund(cashier, order.id, 15000, "overcharged", "", PASSWORD)
    with pytest.raises(Invalid) as refused:
        counter_refunds.request_refund(cashier, order.id, 6000, "overcharged", "", PASSWORD)
    assert refused.value.fields == {
        "amount_fen": "该订单已有待审批的退款 150.00 元，最多还可申请 50.00 元"
    }
    counter_refunds.request_refund(cashier, order.id, 5000, "overcharged", "", PASSWORD)
    db.session.expire_all()
    waiting = db.session.scalars(select(CounterRefundRequest.amount_fen)).all()
    assert sorted(waiting) == [5000, 15000]
    assert db.session.scalar(select(Order.refunded_fen).where(Order.id == order.id)) == 0


def test_requester_cannot_approve_their_own(as_staff, world, member, order):
    set_threshold(world.station_a, 0)  # every refund waits
    manager = db.session.get(Staff, world.manager_a.id)
    own = pending_request(manager, order, 5000)
    console = as_staff("manager_a")
    listed = page(console.get(LIST))
    assert f'id="counter-refund-{own.id}"' in listed and "等待其他站长或总部审批" in listed
    assert f"/counter-refunds/{own.id}/approve" not in listed
    refused = console.post(f"{LIST}/{own.id}/approve")
    assert refused.status_code == 403 and "不能审批自己发起的退款" in page(refused)
    assert console.post(f"{LIST}/{own.id}/reject", {"reason": "撤回"}).status_code == 403
    assert only_request().status == "pending"
    with pytest.raises(IntegrityError):  # the database's backstop
        db.session.execute(
            update(CounterRefundRequest)
            .where(CounterRefundRequest.id == own.id)
            .values(decided_by_id=world.manager_a.id)
        )
    db.session.rollback()
    admin = as_staff("admin")
    admin.get(LIST)
    assert admin.post(f"{LIST}/{own.id}/approve").status_code == 303
    assert only_request().status == "sent"


def test_rejecting_records_why_and_moves_nothing(as_staff, world, member, order):
    set_threshold(world.station_a, 0)
    waiting = pending_request(db.session.get(Staff, world.cashier_a.id), order, 5000)
    before = money_state(order.id, member.id)
    manager = as_staff("manager_a")
    manager.get(LIST)
    url = f"{LIST}/{waiting.id}/reject"
    blank = manager.post(url, {"reason": " "}, htmx=True)
    assert blank.status_code == 400 and "请填写驳回原因" in page(blank)
    done = page(manager.post(url, {"reason": "油品检测合格"}, htmx=True))
    assert "已驳回退款 50.00 元：油品检测合格" in done and "已驳回" in done
    rejected = only_request()
    assert (rejected.status, rejected.reject_reason) == ("rejected", "油品检测合格")
    assert rejected.decided_by_id == world.manager_a.id
    assert money_state(order.id, member.id) == before
    late = manager.post(f"{LIST}/{waiting.id}/approve", htmx=True)
    assert "该退款申请已处理" in page(late)
    assert money_state(order.id, member.id) == before


def test_other_stations_orders_and_refunds_are_refused(as_staff, world, member, order):
    order_b = paid_order(world, member, world.station_b)
    set_threshold(world.station_a, 0)
    waiting = pending_request(db.session.get(Staff, world.cashier_a.id), order, 5000)
    cashier = as_staff("cashier_a")
    assert cashier.get(refund_url(order_b)).status_code == 403
    cashier.get(refund_url(order))
    assert cashier.post(refund_url(order_b), form("10.00")).status_code == 403
    assert (
        cashier.post(f"{LIST}/{waiting.id}/approve").status_code == 403
    )  # a cashier decides nothing
    assert cashier.get(LIST, query_string={"station_id": world.station_b.id}).status_code == 403
    other = as_staff("manager_b")
    assert f'id="counter-refund-{waiting.id}"' not in page(other.get(LIST))
    assert other.get(refund_url(order)).status_code == 403
    assert other.post(f"{LIST}/{waiting.id}/approve").status_code == 403
    assert other.post(f"{LIST}/{waiting.id}/reject", {"reason": "不行"}).status_code == 403
    assert as_staff("attendant_a").get(LIST).status_code == 403
    db.session.expire_all()
    assert db.session.get(Order, order_b.id).refunded_fen == 0
    assert only_request().status == "pending"


def test_posts_without_the_csrf_token_are_refused(as_staff, world, member, order):
    set_threshold(world.station_a, 5000)
    waiting = pending_request(db.session.get(Staff, world.cashier_a.id), order, 8000)
    before = money_state(order.id, member.id)
    cashier = as_staff("cashier_a")
    refused = cashier.post(refund_url(order), form("10.00"), csrf=False)
    assert refused.status_code == 303 and "页面已过期" in page(
        cashier.get(refused.headers["Location"])
    )
    manager = as_staff("manager_a")
    assert manager.post(f"{LIST}/{waiting.id}/approve", csrf=False).status_code == 303
    assert (
        manager.post(f"{LIST}/{waiting.id}/reject", {"reason": "x"}, csrf=False).status_code == 303
    )
    assert money_state(order.id, member.id) == before
    assert only_request().status == "pending"


def test_two_cashiers_refunding_one_order_at_once_never_refund_more_than_paid(app, world, member):
    """Each of two cashiers refunds 150 元 of a 200 元 order at the same moment: one wins."""
    make_staff(world.chain, "cashier", [world.station_a], "cashier_a2")
    db.session.commit()
    cashier_ids = [
        world.cashier_a.id,
        db.session.scalar(select(Staff.id).where(Staff.username == "cashier_a2")),
    ]
    for _ in range(5):
        order_id = paid_order(world, member).id
        barrier, outcomes = start_line(2), []

        def refund(staff_id, order_id=order_id, barrier=barrier, outcomes=outcomes):
            with app.app_context():
                staff = db.session.get(Staff, staff_id)
                barrier.wait()
                try:
                    counter_refunds.request_refund(
                        staff, order_id, 15000, "duplicate", "", PASSWORD
                    )
                    outcomes.append("refunded")
                except Invalid as err:
                    assert "退款金额" in err.fields["amount_fen"]
                    outcomes.append("refused")
                finally:
                    db.session.remove()

        run_together(*(lambda s=s: refund(s) for s in cashier_ids), barrier=barrier)
        assert sorted(outcomes) == ["refunded", "refused"]
        db.session.expire_all()
        refunded = db.session.get(Order, order_id)
        assert refunded.refunded_fen == 15000 <= refunded.paid_fen
        sent = db.session.scalars(
            select(CounterRefundRequest.status).where(CounterRefundRequest.order_id == order_id)
        ).all()
        assert sent == ["sent"]

"""Counter top-ups with approval: the service's rules, the race of two managers, the queue."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import AuditLog, LedgerEntry, Staff, Topup, Wallet
from app.services import ledger
from app.services.members import counter_topups, wallet_admin
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from tests.console.conftest import page
from tests.console.member_helpers import driver, package, pending
from tests.factories import make_staff
from tests.threads import run_together, start_line

QUEUE = "/console/approvals"


@pytest.fixture
def member(world):
    return driver(world, "张师傅", "13812345678", ("云A12345",))


def balances(member) -> tuple[int, int]:
    db.session.expire_all()
    wallet = db.session.scalars(select(Wallet).where(Wallet.member_id == member.id)).one_or_none()
    return (wallet.principal_fen, wallet.bonus_fen) if wallet else (0, 0)


def entries(account: str) -> list[tuple[int | None, int | None, int]]:
    query = select(LedgerEntry.station_id, LedgerEntry.member_id, LedgerEntry.amount_fen)
    return [tuple(row) for row in db.session.execute(query.where(LedgerEntry.account == account))]


def actions() -> list[tuple[str, int | None]]:
    query = select(AuditLog.action, AuditLog.station_id).order_by(AuditLog.id)
    return [tuple(row) for row in db.session.execute(query)]


def test_cash_topup_moves_money_only_once_a_manager_approves(world, member):
    topup = pending(world, member, 50000)
    assert (topup.status, topup.requested_by_id, topup.station_id) == (
        "pending",
        world.cashier_a.id,
        world.station_a.id,
    )
    assert balances(member) == (0, 0) and entries("cash_drawer") == []

    approved = counter_topups.approve_counter_topup(world.manager_a, topup.id)
    assert (approved.status, approved.decided_by_id) == ("credited", world.manager_a.id)
    assert approved.credited_at is not None
    assert balances(member) == (50000, 0)
    assert entries("cash_drawer") == [(world.station_a.id, None, 50000)]
    assert entries("member_wallet") == [(None, member.id, -50000)]
    assert actions() == [
        ("topup.request", world.station_a.id),
        ("topup.approve", world.station_a.id),
    ]
    approve = db.session.scalars(select(AuditLog).where(AuditLog.action == "topup.approve")).one()
    assert approve.before["status"] == "pending" and approve.after["status"] == "credited"
    assert approve.after["principal_fen"] == 50000
    assert ledger.check() == []


def test_bank_card_topup_with_a_package_brings_its_bonus(world, member):
    offer = package(world, 50000, 3000)
    topup = pending(world, member, None, "pos", package_id=offer.id)
    assert (topup.principal_fen, topup.bonus_fen, topup.pos_reference) == (
        50000,
        3000,
        "POS-889901",
    )
    counter_topups.approve_counter_topup(world.admin, topup.id)
    assert balances(member) == (50000, 3000)
    assert entries("card_clearing") == [(world.station_a.id, None, 50000)]
    assert entries("bonus_expense") == [(world.station_a.id, None, 3000)]
    assert entries("member_bonus") == [(None, member.id, -3000)]
    assert ledger.check() == []


def test_request_is_checked_field_by_field(world, member):
    def ask(**how):
        values = {"channel": "pos", "amount_fen": 50000, "pos_reference": " ", "note": ""} | how
        return counter_topups.request_counter_topup(
            world.cashier_a, world.station_a.id, member.id, **values
        )

    with pytest.raises(Invalid) as err:
        ask()
    assert err.value.fields == {"pos_reference": "银行卡付款请填写 POS 签购单上的参考号"}
    with pytest.raises(Invalid) as err:
        ask(channel="alipay", amount_fen=None)
    assert set(err.value.fields) == {"channel", "amount"}
    with pytest.raises(Invalid) as err:
        ask(channel="cash", amount_fen=99)
    assert err.value.fields == {"amount": "充值金额应在 1 到 10000 元之间"}
    other = package(world, 100000, 8000, station=world.station_b)
    with pytest.raises(Invalid) as err:
        ask(channel="cash", amount_fen=None, package_id=other.id)
    assert "package_id" in err.value.fields
    offer = package(world, 50000, 3000)
    with pytest.raises(Invalid) as err:
        ask(channel="cash", amount_fen=20000, package_id=offer.id)
    assert err.value.fields == {"amount": "所选套餐的充值金额是 500.00 元"}
    assert db.session.scalar(select(func.count(Topup.id))) == 0
    assert ledger.check() == []


def test_cashier_records_only_at_own_station_and_never_approves(world, member):
    with pytest.raises(PermissionDenied):
        counter_topups.request_counter_topup(
            world.cashier_a, world.station_b.id, member.id, "cash", 10000, "", ""
        )
    with pytest.raises(PermissionDenied):
        counter_topups.request_counter_topup(
            world.attendant_a, world.station_a.id, member.id, "cash", 10000, "", ""
        )
    topup = pending(world, member, 10000)
    for who in (world.cashier_a, world.attendant_a, world.manager_b):
        with pytest.raises(PermissionDenied):
            counter_topups.approve_counter_topup(who, topup.id)
        with pytest.raises(PermissionDenied):
            counter_topups.reject_counter_topup(who, topup.id, "不对")
    assert balances(member) == (0, 0)
    assert ledger.check() == []


def test_requester_can_never_decide_their_own_topup(world, member):
    topup = pending(world, member, 20000, by=world.manager_a)
    with pytest.raises(PermissionDenied, match="不能审核自己发起的充值"):
        counter_topups.approve_counter_topup(world.manager_a, topup.id)
    with pytest.raises(PermissionDenied):
        counter_topups.reject_counter_topup(world.manager_a, topup.id, "撤回")
    assert counter_topups.count_pending(world.manager_a) == 0  # nothing for them to decide
    assert counter_topups.count_pending(world.admin) == 1
    counter_topups.approve_counter_topup(world.admin, topup.id)
    assert balances(member) == (20000, 0)
    assert ledger.check() == []


def test_the_database_refuses_a_requester_deciding_even_past_the_service(world, member):
    topup = pending(world, member, 20000)
    with pytest.raises(IntegrityError, match="four_eyes"):
        db.session.execute(
            text("UPDATE topup SET decided_by_id = requested_by_id WHERE id = :id"),
            {"id": topup.id},
        )
    db.session.rollback()
    assert ledger.check() == []


def test_reject_needs_a_reason_and_moves_nothing(world, member):
    topup = pending(world, member, 30000)
    for reason in (None, "", "   "):
        with pytest.raises(Invalid) as err:
            counter_topups.reject_counter_topup(world.manager_a, topup.id, reason)
        assert err.value.fields == {"reason": "请填写驳回原因"}
    rejected = counter_topups.reject_counter_topup(world.manager_a, topup.id, " 钱箱少 100 元 ")
    assert (rejected.status, rejected.reject_reason) == ("rejected", "钱箱少 100 元")
    with pytest.raises(Conflict):
        counter_topups.approve_counter_topup(world.admin, topup.id)
    assert balances(member) == (0, 0) and entries("cash_drawer") == []
    reject = db.session.scalars(select(AuditLog).where(AuditLog.action == "topup.reject")).one()
    assert reject.after == reject.before | {"status": "rejected", "reason": "钱箱少 100 元"}
    assert ledger.check() == []


def test_approving_twice_or_someone_elses_chain_is_refused(world, member):
    topup = pending(world, member, 30000)
    counter_topups.approve_counter_topup(world.manager_a, topup.id)
    with pytest.raises(Conflict, match="已经被审核过了"):
        counter_topups.approve_counter_topup(world.admin, topup.id)
    with pytest.raises(NotFound):
        counter_topups.approve_counter_topup(world.admin, topup.id + 999)
    assert balances(member) == (30000, 0)
    assert ledger.check() == []


def test_two_managers_approving_at_once_credit_the_wallet_once(app, world, member):
    second = make_staff(world.chain, "manager", [world.station_a], "manager_a2")
    db.session.commit()
    topups = [pending(world, member, 10000 + n).id for n in range(5)]
    deciders, outcomes, barrier = [world.manager_a.id, second.id], [], start_line(2)

    def approve(staff_id):
        def run():
            with app.app_context():
                staff = db.session.get(Staff, staff_id)
                for topup_id in topups:
                    barrier.wait()
                    try:
                        counter_topups.approve_counter_topup(staff, topup_id)
                        outcomes.append("credited")
                    except Conflict:
                        outcomes.append("conflict")
                db.session.remove()

        return run

    run_together(*(approve(s) for s in deciders), barrier=barrier)
    assert sorted(outcomes) == ["conflict"] * 5 + ["credited"] * 5
    assert balances(member) == (sum(10000 + n for n in range(5)), 0)
    assert len(entries("cash_drawer")) == 5
    assert ledger.check() == []


def test_the_same_form_sent_twice_records_one_topup(world, member):
    number = counter_topups.new_request_no()
    first = pending(world, member, 40000, request_no=number)
    again = pending(world, member, 40000, request_no=number)
    assert again.id == first.id
    with pytest.raises(Conflict):
        pending(world, member, 50000, request_no=number)
    with pytest.raises(Invalid):
        pending(world, member, 50000, request_no="1 OR 1=1")
    assert db.session.scalar(select(func.count(Topup.id))) == 1
    assert [a for a, _ in actions()] == ["topup.request"]
    assert ledger.check() == []


def test_a_frozen_wallet_still_receives_an_approved_topup(world, member):
    wallet_admin.freeze_wallet(world.manager_a, member.id, "车主挂失手机")
    counter_topups.approve_counter_topup(world.manager_a, pending(world, member, 10000).id)
    assert balances(member) == (10000, 0)
    assert ledger.check() == []


# The approvals queue in the console


def test_manager_sees_the_queue_with_its_count_and_masked_phones(as_staff, world, member):
    pending(world, member, 50000)
    pending(world, member, 20000, "pos")
    html = page(as_staff("manager_a").get(QUEUE))
    assert '<span id="nav-approvals-count" class="nav-count">2' in html
    assert "¥500.00" in html and "¥200.00" in html and "POS-889901" in html
    assert "138****5678" in html and "13812345678" not in html
    assert html.count(">审核通过</button>") == 2


def test_cashier_and_other_station_manager_are_refused(as_staff, world, member):
    topup = pending(world, member, 50000)
    cashier = as_staff("cashier_a")
    assert (
        "审核" not in page(cashier.get("/console/")).split('class="sidebar"')[1].split("</nav>")[0]
    )
    assert cashier.get(QUEUE).status_code == 403
    assert cashier.get(f"{QUEUE}?station_id={world.station_b.id}").status_code == 403
    assert cashier.post(f"{QUEUE}/topups/{topup.id}/approve").status_code == 403
    other = as_staff("manager_b")
    assert topup.topup_no not in page(other.get(QUEUE))
    assert other.get(f"{QUEUE}?station_id={world.station_a.id}").status_code == 403
    assert other.post(f"{QUEUE}/topups/{topup.id}/approve").status_code == 403
    assert other.post(f"{QUEUE}/topups/{topup.id}/reject", {"reason": "x"}).status_code == 403
    assert balances(member) == (0, 0)
    assert ledger.check() == []


def test_queue_refuses_posts_without_the_csrf_token(as_staff, world, member):
    topup = pending(world, member, 50000)
    console = as_staff("manager_a")
    response = console.post(f"{QUEUE}/topups/{topup.id}/approve", csrf=False)
    assert response.status_code == 303
    assert "页面已过期" in page(console.get(response.headers["Location"]))
    response = console.post(f"{QUEUE}/topups/{topup.id}/reject", {"reason": "x"}, csrf=False)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Topup, topup.id).status == "pending"
    assert balances(member) == (0, 0)
    assert ledger.check() == []


def test_htmx_approve_and_reject_answer_with_the_queue_flash_and_count(as_staff, world, member):
    first, second = pending(world, member, 50000), pending(world, member, 20000)
    console = as_staff("manager_a")
    html = page(console.post(f"{QUEUE}/topups/{first.id}/approve", htmx=True))
    assert "已审核通过：500.00 元已充入会员钱包" in html
    assert f'id="topup-{first.id}"' not in html and f'id="topup-{second.id}"' in html
    assert 'id="nav-approvals-count" class="nav-count" hx-swap-oob="true">1' in html
    response = console.post(f"{QUEUE}/topups/{second.id}/reject", {"reason": ""}, htmx=True)
    assert response.status_code == 400 and "请填写驳回原因" in page(response)
    html = page(
        console.post(f"{QUEUE}/topups/{second.id}/reject", {"reason": "重复提交"}, htmx=True)
    )
    assert "已驳回充值 200.00 元：重复提交" in html and "暂无待审核的柜台充值" in html
    assert 'hx-swap-oob="true" hidden>0' in html
    again = console.post(f"{QUEUE}/topups/{first.id}/approve")
    assert "已经被审核过了" in page(console.get(again.headers["Location"]))
    assert balances(member) == (50000, 0)
    assert ledger.check() == []


def test_own_request_shows_in_the_queue_without_buttons(as_staff, world, member):
    topup = pending(world, member, 50000, by=world.manager_a)
    console = as_staff("manager_a")
    html = page(console.get(QUEUE))
    assert "这是您发起的充值" in html and ">审核通过</button>" not in html
    assert console.post(f"{QUEUE}/topups/{topup.id}/approve").status_code == 403
    assert ">审核通过</button>" in page(as_staff("admin").get(QUEUE))
    assert ledger.check() == []


def test_the_audit_log_tells_the_topup_in_words(as_staff, world, member):
    topup = pending(world, member, 50000, "pos")
    counter_topups.approve_counter_topup(world.manager_a, topup.id)
    wallet_admin.freeze_wallet(world.manager_a, member.id, "车主挂失手机")
    html = page(as_staff("manager_a").get("/console/audit"))
    assert "提交柜台充值" in html and "审核通过充值" in html and "冻结钱包" in html
    assert f"张师傅 的充值 {topup.topup_no}" in html and "张师傅 的钱包" in html
    assert "待审核" in html and "已到账" in html and "银行卡" in html and "500.00 元" in html
    assert "车主挂失手机" in html
    assert ledger.check() == []


def test_queue_pages_and_filters_by_station(as_staff, world, member):
    for n in range(22):
        pending(world, member, 1000 + n)
    cashier_b = make_staff(world.chain, "cashier", [world.station_b], "cashier_b")
    db.session.commit()
    at_b = pending(world, member, 7700, by=cashier_b, station_id=world.station_b.id)
    admin = as_staff("admin")
    first = page(admin.get(QUEUE))
    assert first.count('<article class="card owed approval"') == 20 and "下一页" in first
    assert '<span id="nav-approvals-count" class="nav-count">23' in first
    second = page(admin.get(f"{QUEUE}?topups_page=2"))
    assert second.count('<article class="card owed approval"') == 3 and "¥77.00" in second
    only_b = page(admin.get(f"{QUEUE}?station_id={world.station_b.id}", htmx=True))
    assert 'id="approval-sections"' in only_b and "<html" not in only_b
    assert only_b.count('<article class="card owed approval"') == 1
    assert f'id="topup-{at_b.id}"' in only_b
    assert ledger.check() == []


def test_approve_and_reject_at_once_decide_once(app, world, member):
    topups = [pending(world, member, 10000 + n).id for n in range(5)]
    outcomes, barrier = [], start_line(2)

    def decide(staff_id, action):
        def run():
            with app.app_context():
                staff = db.session.get(Staff, staff_id)
                for topup_id in topups:
                    barrier.wait()
                    try:
                        outcomes.append(action(staff, topup_id).status)
                    except Conflict:
                        outcomes.append("conflict")
                db.session.remove()

        return run

    def reject(staff, topup_id):
        return counter_topups.reject_counter_topup(staff, topup_id, "钱箱不符")

    run_together(
        decide(world.manager_a.id, counter_topups.approve_counter_topup),
        decide(world.admin.id, reject),
        barrier=barrier,
    )
    assert outcomes.count("conflict") == 5
    db.session.expire_all()
    credited = [t for t in db.session.scalars(select(Topup)) if t.status == "credited"]
    assert balances(member) == (sum(t.principal_fen for t in credited), 0)
    assert len(entries("cash_drawer")) == len(credited)
    assert ledger.check() == []


def test_two_managers_freezing_at_once_freeze_once(app, world, member):
    outcomes, barrier = [], start_line(2)

    def freeze(staff_id, reason):
        def run():
            with app.app_context():
                staff = db.session.get(Staff, staff_id)
                barrier.wait()
                try:
                    wallet_admin.freeze_wallet(staff, member_id, reason)
                    outcomes.append(reason)
                except Conflict:
                    outcomes.append("conflict")
                db.session.remove()

        return run

    member_id = member.id
    run_together(freeze(world.manager_a.id, "甲"), freeze(world.admin.id, "乙"), barrier=barrier)
    assert sorted(outcomes)[0] == "conflict" and len(outcomes) == 2
    db.session.expire_all()
    wallet = db.session.scalars(select(Wallet).where(Wallet.member_id == member.id)).one()
    assert wallet.frozen_reason == next(o for o in outcomes if o != "conflict")
    freezes = select(func.count(AuditLog.id)).where(AuditLog.action == "wallet.freeze")
    assert db.session.scalar(freezes) == 1
    assert ledger.check() == []

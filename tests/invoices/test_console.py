"""开票 in the console: the requests of one's stations, waiting first, filtered and paged; marked
issued with the invoice's number or rejected with a reason (HTMX, CSRF, audited, decided once);
who may (roles, stations) and the Excel export."""

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, Staff
from app.models.base import utcnow
from app.services import invoices
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict
from tests.console.conftest import page
from tests.invoices.helpers import (
    ask,
    buyer,
    cash_sale,
    company,
    refund_at_counter,
    requests_of,
    wallet_sale,
)
from tests.threads import run_together, start_line

pytestmark = pytest.mark.travel(hour=10)  # 10:00 in Shanghai, the clock stopped
LIST = "/console/invoices"


def today() -> str:
    from app.models.base import utcnow

    return to_local(utcnow()).date().isoformat()


def issue(console, request_id: int, number="25532000000012345678", day=None, **kw):
    form = {"invoice_no": number, "issued_on": day or today()}
    return console.post(f"{LIST}/{request_id}/issue", form, **kw)


def test_the_list_shows_waiting_requests_first_with_the_menu_count(as_staff, world):
    first = ask(cash_sale(world), company())
    second = ask(cash_sale(world), buyer(buyer_name="李四", phone="13900001111"))
    invoices.reject(world.manager_a, second.id, "重复申请")
    third = ask(cash_sale(world), buyer(buyer_name="王五"))
    shown = page(as_staff("cashier_a").get(LIST))
    assert "开票" in shown and 'id="nav-invoices-count"' in shown
    assert shown.index("王五") < shown.index("云南某某物流有限公司") < shown.index("李四")
    assert "91530100MA6K0A1B2C" in shown and "zhangsan@example.com" in shown
    assert "139****1111" in shown and "13900001111" not in shown
    assert "标记已开票" in shown and "重复申请" in shown and "共 3 条" in shown
    assert first.id and third.id


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("status=requested", ["张三"]),
        ("status=issued", ["云南某某物流有限公司"]),
        ("status=rejected", ["李四"]),
        ("q=1111", ["李四"]),
        ("q=物流", ["云南某某物流有限公司"]),
        ("q=91530100ma6k", ["云南某某物流有限公司"]),
    ],
)
def test_the_filters(as_staff, world, query, names):
    ask(cash_sale(world))
    issued = ask(cash_sale(world), company())
    invoices.mark_issued(
        world.cashier_a, issued.id, "12345678", to_local(issued.requested_at).date()
    )
    rejected = ask(cash_sale(world), buyer(buyer_name="李四", phone="13900001111"))
    invoices.reject(world.manager_a, rejected.id, "重复申请")
    shown = page(as_staff("manager_a").get(f"{LIST}?{query}", htmx=True))
    everyone = ["张三", "李四", "云南某某物流有限公司"]
    assert [name for name in everyone if f"<span>{name}</span>" in shown] == [
        name for name in everyone if name in names
    ]


def test_the_filters_refuse_wrong_values_with_chinese_messages(as_staff, world):
    console = as_staff("cashier_a")
    answer = console.get(f"{LIST}?day_from=2019-13-01&status=x")  # no 13th month
    assert answer.status_code == 400
    shown = page(answer)
    assert "日期应为 年-月-日" in shown and "请选择状态" in shown


def test_a_request_is_marked_issued_with_its_number(as_staff, world, client):
    order = cash_sale(world)
    made = ask(order)
    cashier = as_staff("cashier_a")
    cashier.get(LIST)
    answer = issue(cashier, made.id, number=" 2553 2000 0000 1234 5678 ", htmx=True)
    assert answer.status_code == 200
    shown = page(answer)
    assert "已开具" in shown and "25532000000012345678" in shown and "标记已开票" not in shown
    assert "已标记开票：发票号码 25532000000012345678，金额 230.40 元" in shown
    assert 'id="nav-invoices-count"' in shown and "hx-swap-oob" in shown
    (done,) = requests_of()
    assert (done.status, done.invoice_no, done.handled_by_id) == (
        "issued",
        "25532000000012345678",
        world.cashier_a.id,
    )
    assert done.issued_on.isoformat() == today() and done.handled_at is not None
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "invoice.issue"))
    assert (entry.entity_id, entry.station_id) == (made.id, order.station_id)
    assert entry.before == {"status": "requested", "amount_fen": 23_040}
    assert entry.after["invoice_no"] == "25532000000012345678"
    with pytest.raises(Conflict):  # decided once
        invoices.reject(world.manager_a, made.id, "晚了")


@pytest.mark.parametrize(
    ("number", "day", "field_words"),
    [
        ("", None, "请填写发票号码"),
        ("12-34", None, "发票号码应为 8 到 40 位数字或字母"),
        ("25532000000012345678", "tomorrow", "开票日期不能晚于今天"),
        ("25532000000012345678", "2000-01-01", "开票日期不能早于加油日期"),
        ("25532000000012345678", "昨天", "开票日期应为 年-月-日"),
    ],
)
def test_marking_issued_needs_a_number_and_a_sensible_date(
    as_staff, world, number, day, field_words
):
    made = ask(cash_sale(world))
    console = as_staff("cashier_a")
    if day == "tomorrow":
        day = (to_local(utcnow()).date() + timedelta(days=1)).isoformat()
    answer = issue(console, made.id, number=number, day=day, htmx=True)
    assert answer.status_code == 400 and field_words in page(answer)
    assert requests_of()[0].status == "requested"


def test_a_request_is_rejected_with_a_reason(as_staff, world):
    made = ask(cash_sale(world), company())
    manager = as_staff("manager_a")
    refused = manager.post(f"{LIST}/{made.id}/reject", {"reason": " "}, htmx=True)
    assert refused.status_code == 400 and "请填写驳回原因" in page(refused)
    answer = manager.post(f"{LIST}/{made.id}/reject", {"reason": "税号有误"}, htmx=True)
    assert answer.status_code == 200 and "已驳回" in page(answer) and "税号有误" in page(answer)
    (done,) = requests_of()
    assert (done.status, done.reject_reason, done.handled_by_id) == (
        "rejected",
        "税号有误",
        world.manager_a.id,
    )
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "invoice.reject"))
    assert entry.after == {"status": "rejected", "reject_reason": "税号有误"}


def test_without_htmx_a_decision_goes_back_to_the_list(as_staff, world):
    made = ask(cash_sale(world))
    console = as_staff("cashier_a")
    answer = issue(console, made.id)
    assert answer.status_code == 303 and answer.headers["Location"].endswith(LIST)
    assert "已标记开票" in page(console.get(LIST))


def test_the_amount_issued_follows_a_refund_since_the_request(as_staff, world):
    order = wallet_sale(world, litres=30_000, principal_fen=50_000)  # 224.40 元
    made = ask(order)
    refund_at_counter(world, order, 2_000)
    console = as_staff("cashier_a")
    assert "现可开票 ¥204.40" in page(console.get(LIST))
    assert issue(console, made.id, htmx=True).status_code == 200
    assert requests_of()[0].amount_fen == 20_440
    refund_at_counter(world, order, 5_000)  # after the invoice: a red one is needed
    assert "需在税务平台开具红字发票冲红" in page(console.get(LIST))


def test_an_order_refunded_in_full_since_the_request_cannot_be_marked_issued(as_staff, world):
    order = wallet_sale(world, litres=10_000, principal_fen=20_000)  # 74.80 元
    made = ask(order)
    refund_at_counter(world, order, 7_480)
    answer = issue(as_staff("cashier_a"), made.id, htmx=True)
    assert "该订单已全部退款，不能开票，请驳回该申请" in page(answer)
    assert requests_of()[0].status == "requested"


def race(app, world) -> list[str]:
    """A cashier marks a request issued while a manager rejects it, at the same moment."""
    made = ask(cash_sale(world))
    day = to_local(made.requested_at).date()
    cashier, manager = world.cashier_a.id, world.manager_a.id
    barrier, outcomes = start_line(2), []

    def decide(staff_id, act):
        with app.app_context():
            staff = db.session.get(Staff, staff_id)
            barrier.wait()
            try:
                act(staff, made.id)
                outcomes.append("decided")
            except Conflict:
                outcomes.append("refused")
            finally:
                db.session.remove()

    run_together(
        lambda: decide(cashier, lambda s, r: invoices.mark_issued(s, r, "12345678", day)),
        lambda: decide(manager, lambda s, r: invoices.reject(s, r, "抬头有误")),
        barrier=barrier,
    )
    audited = select(AuditLog.action).where(
        AuditLog.entity_type == "invoice_request", AuditLog.entity_id == made.id
    )
    return [*sorted(outcomes), *db.session.scalars(audited).all()]


def test_two_staff_deciding_at_once_decide_once(app, world):
    for _ in range(3):
        outcome = race(app, world)
        assert outcome[:2] == ["decided", "refused"] and len(outcome) == 3


@pytest.mark.parametrize("who", ["attendant_a"])
def test_an_attendant_may_not_handle_invoices(as_staff, world, who):
    made = ask(cash_sale(world))
    console = as_staff(who)
    assert "/console/invoices" not in page(console.get("/console/"))
    assert console.get(LIST).status_code == 403
    assert console.get(f"{LIST}/export.xlsx").status_code == 403
    assert issue(console, made.id).status_code == 403
    assert console.post(f"{LIST}/{made.id}/reject", {"reason": "x"}).status_code == 403
    assert requests_of()[0].status == "requested"


def test_a_cashier_of_a_cannot_handle_station_bs_requests(as_staff, world):
    theirs = ask(cash_sale(world, station=world.station_b), buyer(buyer_name="大理车主"))
    ours = ask(cash_sale(world))
    cashier = as_staff("cashier_a")
    shown = page(cashier.get(LIST))
    assert "大理车主" not in shown and "张三" in shown
    assert issue(cashier, theirs.id).status_code == 403
    assert cashier.post(f"{LIST}/{theirs.id}/reject", {"reason": "x"}).status_code == 403
    assert cashier.get(f"{LIST}?station_id={world.station_b.id}").status_code == 403
    assert [r.status for r in requests_of()] == ["requested", "requested"]
    assert ours.id


def test_a_chain_admin_sees_every_station(as_staff, world):
    ask(cash_sale(world, station=world.station_b), buyer(buyer_name="大理车主"))
    ask(cash_sale(world))
    shown = page(as_staff("admin").get(LIST))
    assert "大理车主" in shown and "张三" in shown and "大理古城加油站" in shown


def test_decisions_need_the_csrf_token(as_staff, world):
    made = ask(cash_sale(world))
    console = as_staff("cashier_a")
    assert issue(console, made.id, csrf=False).status_code == 303  # back to the page, flashed
    refused = console.post(f"{LIST}/{made.id}/reject", {"reason": "x"}, csrf=False, htmx=True)
    assert refused.status_code == 204 and refused.headers["HX-Redirect"]
    assert requests_of()[0].status == "requested"
    assert not db.session.scalars(select(AuditLog).where(AuditLog.action.like("invoice.%"))).all()


def test_the_export_lists_the_requests_as_filtered(as_staff, world):
    made = ask(cash_sale(world), company(phone="13900001111"))
    ask(cash_sale(world), buyer(buyer_name="李四"))
    invoices.mark_issued(
        world.cashier_a, made.id, "25532000000012345678", to_local(made.requested_at).date()
    )
    console = as_staff("manager_a")
    answer = console.get(f"{LIST}/export.xlsx?status=issued")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    rows = list(load_workbook(io.BytesIO(answer.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("申请时间", "状态", "订单号") and len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["状态"], row["发票抬头"], row["纳税人识别号"]) == (
        "已开具",
        "云南某某物流有限公司",
        "91530100MA6K0A1B2C",
    )
    assert (row["开票金额（元）"], row["发票号码"], row["手机号"]) == (
        230.4,
        "25532000000012345678",
        "139****1111",
    )
    assert (row["升数"], row["处理人"], row["抬头类型"]) == (30.0, "cashier_a", "单位")
    assert console.get(f"{LIST}/export.xlsx?day_from=x").status_code == 400

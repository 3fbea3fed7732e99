"""The audit log page: the actor's stations only, in words people read, filtered and paged."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, Nozzle
from app.services.catalogue import nozzles, pricing, stations
from app.services.orders import pickup
from app.services.payments import refunds
from app.services.platform import audit, clock
from app.services.staff import accounts
from tests.attendant.conftest import paid_order
from tests.console.conftest import page
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok, credit_wallet, run_jobs


def make_changes(world):
    pricing.schedule_price(world.admin, world.station_a.id, world.fuels["92"].id, 790, 770)
    nozzles.add_nozzle(world.admin, world.station_b.id, 9, world.fuels["0"].id)


def rows(html: str) -> str:
    return html[html.index('<section id="audit-rows"') :]


def count(html: str) -> int:
    """Entries listed on the page."""
    return html.count('data-label="时间"')


def words(html: str) -> str:
    """The text people see, without the markup, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("：", " ").split())


def test_manager_sees_own_station_entries_only(as_staff, world):
    make_changes(world)
    html = rows(page(as_staff("manager_a").get("/console/audit")))
    assert "调价" in html and "92#汽油 价格" in html
    assert re.search(r"挂牌价：</span>7.68 元/升\s*<span[^>]*>→</span>\s*7.90 元/升", html)
    assert "添加油枪" not in html
    assert "admin" in html


def test_admin_sees_all_and_filters_by_station(as_staff, world):
    make_changes(world)
    console = as_staff("admin")
    html = rows(page(console.get("/console/audit")))
    assert "调价" in html and "添加油枪" in html and "9号枪" in html
    html = rows(page(console.get(f"/console/audit?station_id={world.station_b.id}")))
    assert "添加油枪" in html and "调价" not in html
    response = console.get(f"/console/audit?station_id={world.station_a.id}", htmx=True)
    html = page(response)
    assert html.lstrip().startswith('<div id="audit-log"') and "添加油枪" not in rows(html)


def test_times_are_in_shanghai(as_staff, world):
    make_changes(world)
    entry = db.session.query(AuditLog).first()
    html = page(as_staff("admin").get("/console/audit"))
    assert clock.to_local(entry.created_at).strftime("%Y-%m-%d %H:%M:%S") in html


def every_kind_of_change(world, png: bytes):
    """One of each catalogue and staff action, as the console makes them."""
    a, admin = world.station_a, world.admin
    fields = {key: getattr(a, key) for key in stations.PROFILE_FIELDS}
    stations.update_station(admin, a.id, {**fields, "is_active": False, "max_order_fen": 300_000})
    stations.set_hours(admin, a.id, {day: (360, 1320) for day in range(7)})
    photo = stations.add_photo(admin, a.id, png, "站容站貌")
    stations.delete_photo(admin, a.id, photo.id)
    pricing.set_fuel_enabled(admin, a.id, world.fuels["98"].id, False)
    later = clock.utcnow() + timedelta(days=2)
    price = pricing.schedule_price(admin, a.id, world.fuels["95"].id, 850, 830, later)
    pricing.cancel_price(admin, a.id, price.id)
    nozzle = db.session.scalars(
        select(Nozzle).where(Nozzle.station_id == a.id).order_by(Nozzle.number)
    ).first()
    nozzles.update_nozzle(admin, a.id, nozzle.id, 12, world.fuels["0"].id, False)
    person = accounts.create_staff(
        admin, "wang_cashier", "王收银", "", "cashier", [a.id, world.station_b.id], "Start2026x"
    )
    accounts.set_enabled(admin, person.id, False)
    accounts.reset_password(admin, world.cashier_a.id)


RAW = [
    r"_fen",
    r"_ml",
    r"_ids?\b",
    r"\bTrue\b",
    r"\bFalse\b",
    r"\[",
    r"[0-9a-f]{32}",  # a hash
    r"#\d",  # an object by its id
    r"\bis_active\b",
    r"\benabled\b",
    r"\bmust_change_password\b",
    r"\b(lat|lng|caption|role|number)\b",
]


def test_every_change_reads_as_words(as_staff, world, png_bytes):
    every_kind_of_change(world, png_bytes)
    html = rows(page(as_staff("admin").get("/console/audit")))
    shown = words(html)
    for pattern in RAW:
        assert not re.search(pattern, shown), pattern
    for text in (
        "修改油站资料",
        "单笔订单上限 2000.00 元 → 3000.00 元",
        "小程序展示 展示（营业中） → 不展示（已停用）",
        "修改营业时间",
        "周一 24小时营业 → 06:00-22:00",
        "删除照片",
        "照片「站容站貌」",
        "停售油品",
        "98#汽油",
        "状态 在售 → 停售",
        "取消调价",
        "95#汽油 价格",
        "挂牌价 8.50 元/升",
        "12号枪",
        "枪号 1 → 12",
        "油品 92#汽油 → 0#柴油",
        "状态 启用 → 停用",
        "王收银（wang_cashier）",
        "所属油站 昆明北京路加油站、大理古城加油站",
        "角色 收银员",
        "状态 正常 → 已停用",
        "重置密码",
        "cashier_a（cashier_a）",
        "登录后需修改密码 是",
    ):
        assert text in shown, text


def test_before_of_a_scheduled_price_is_the_price_in_force(as_staff, world):
    """Two pending changes: the second one's "before" is what drivers pay now."""
    a, fuel = world.station_a, world.fuels["92"]
    soon, later = clock.utcnow() + timedelta(days=1), clock.utcnow() + timedelta(days=2)
    pricing.schedule_price(world.admin, a.id, fuel.id, 800, 780, soon)
    pricing.schedule_price(world.admin, a.id, fuel.id, 820, 800, later)
    entry = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert entry.before["list_price_fen"] == 768 and entry.after["list_price_fen"] == 820
    html = rows(page(as_staff("admin").get("/console/audit")))
    assert re.search(r"挂牌价：</span>7.68 元/升\s*<span[^>]*>→</span>\s*8.20 元/升", html)


@pytest.mark.travel(hour=10)  # the world is made at 10:00 on day one
def test_filter_by_person_action_and_date(as_staff, world, travel):
    a = world.station_a
    day_one = clock.to_local(clock.utcnow()).date()
    nozzles.add_nozzle(world.admin, a.id, 7, world.fuels["92"].id)
    travel.shift(timedelta(days=2))
    day_two = clock.to_local(clock.utcnow()).date()
    pricing.schedule_price(world.manager_a, a.id, world.fuels["92"].id, 790, 770)
    nozzles.add_nozzle(world.manager_a, a.id, 8, world.fuels["92"].id)
    travel.shift(timedelta(days=1))  # today: a job's entry, then the admin looks
    after = {"order_no": "JY0001", "amount_fen": 500, "kind": "stray"}
    audit.record(None, "refund.create", "refund", 1, chain_id=world.chain.id, after=after)
    db.session.commit()
    console = as_staff("admin")

    html = page(console.get("/console/audit"))
    assert f'<option value="{world.manager_a.id}">manager_a（manager_a）</option>' in html
    assert '<option value="system">系统（自动任务）</option>' in html
    html = rows(page(console.get(f"/console/audit?person={world.manager_a.id}")))
    assert count(html) == 2 and "7号枪" not in html
    html = rows(page(console.get("/console/audit?action=nozzle.add")))
    assert count(html) == 2 and "7号枪" in html and "8号枪" in html
    html = rows(page(console.get(f"/console/audit?day_from={day_one}&day_to={day_one}")))
    assert count(html) == 1 and "7号枪" in html
    query = f"person={world.manager_a.id}&action=nozzle.add&day_from={day_two}"
    html = rows(page(console.get(f"/console/audit?{query}")))
    assert count(html) == 1 and "8号枪" in html
    html = rows(page(console.get("/console/audit?person=system")))
    assert count(html) == 1 and "订单 JY0001 的退款" in html
    assert "金额 5.00 元" in words(html) and "退款类型 重复支付" in words(html)


def test_manager_filters_offer_only_their_stations_and_people(as_staff, world):
    make_changes(world)
    html = page(as_staff("manager_a").get("/console/audit"))
    assert "大理古城加油站" not in html and "manager_b" not in html
    assert "admin（admin）" in html and "cashier_a（cashier_a）" in html
    assert '<option value="nozzle.add">添加油枪</option>' in html


def test_pages_of_fifty(as_staff, world):
    for number in range(120):
        audit.record(
            world.admin,
            "nozzle.update",
            "nozzle",
            None,
            chain_id=world.chain.id,
            station_id=world.station_a.id,
            before={"number": number},
            after={"number": number + 1},
        )
    db.session.commit()
    console = as_staff("admin")
    html = page(console.get("/console/audit?action=nozzle.update"))
    assert "第 1 页" in html and count(html) == 50
    assert "枪号 119 → 120" in words(html) and "枪号 69 → 70" not in words(html)
    assert 'href="/console/audit?action=nozzle.update&amp;page=2"' in html
    assert "上一页" not in html
    html = page(console.get("/console/audit?action=nozzle.update&page=3"))
    assert "第 3 页" in html and count(html) == 20 and "枪号 0 → 1" in words(html)
    assert "上一页" in html and "下一页" not in html
    html = page(console.get("/console/audit?action=nozzle.update&page=99"))
    assert count(html) == 0 and "暂无记录" in html and "上一页" in html


@pytest.mark.parametrize(
    "query, message",
    [
        ("day_from=2000-13-01", "不是有效的日期值"),
        ("day_from=yesterday", "不是有效的日期值"),
        ("day_from=2000-05-02&day_to=2000-05-01", "结束日期不能早于开始日期"),
        ("page=0", "页码"),
        ("page=abc", "不是有效的整数"),
        ("page=99999999999999999999", "页码"),
        ("action=drop.table", "不是有效的选择"),
        ("person=abc", "不是有效的选择"),
        ("station_id=abc", "不是有效的选择"),
    ],
)
def test_bad_filters_are_a_clear_400(as_staff, world, query, message):
    response = as_staff("admin").get(f"/console/audit?{query}")
    assert response.status_code == 400
    html = page(response)
    assert message in html and "筛选条件有误" in html


def test_another_managers_station_is_refused(as_staff, world):
    console = as_staff("manager_a")
    assert console.get(f"/console/audit?station_id={world.station_b.id}").status_code == 403


def test_a_fuelling_and_a_refund_read_as_words(as_staff, world):
    member = make_member(world.chain)
    credit_wallet(member, 100_000)
    db.session.commit()
    order, token = paid_order(world, member)
    pickup.confirm_fueling(world.attendant_a, token, 10_000)
    run_jobs()
    refunds.refund_order(world.manager_a, order.id, 500, "油枪计量误差")
    run_jobs()
    html = rows(page(as_staff("manager_a").get("/console/audit")))
    shown = words(html)
    for text in (
        f"确认加油 订单 {order.order_no}",
        "加油量 10.00 升",
        "加油金额 74.80 元",
        f"发起退款 订单 {order.order_no} 的退款",
        "金额 5.00 元",
        "退款方式 退回钱包",
        "退款类型 人工退款",
        "原因 油枪计量误差",
    ):
        assert text in shown, text
    for pattern in RAW:
        assert not re.search(pattern, shown), pattern
    assert_ledger_ok()

"""首页's figures of the day: every figure against a hand-worked expectation and against the
ledger's own sums for the day; who sees which station's figures; the polled block alone; bad
station filters."""

import json
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import LedgerEntry, LedgerTransaction, Order
from app.services import orders, payments
from app.services.orders import pickup
from app.services.payments import cancellation, refund_followup, refunds, settlement
from app.services.platform import clock
from app.services.platform.money import round_half_up
from app.services.reports import dashboard
from tests.console.conftest import page
from tests.factories import make_member
from tests.money.helpers import credit_wallet, place, run_jobs
from tests.money.refund_helpers import digits, owed_refund, wechat_paid

ORDER_ACCOUNTS = ("prepaid_orders", "fuel_revenue", "promotion_expense")


def _wallet_order(member, station, fuel, nozzle, amount_fen, channel="online"):
    order = orders.place_order(
        member,
        station.id,
        fuel_code=fuel,
        nozzle_number=nozzle,
        mode="amount",
        amount_fen=amount_fen,
        plate="",
        channel=channel,
    )
    return payments.pay_with_wallet(member, order.id)


def _fuel(world, order, litres):
    """The attendant confirms the litres; the settlement (its job) books the difference back."""
    token = pickup.token_for(db.session.get(Order, order.id))
    pickup.confirm_fueling(world.attendant_a, token, litres * 1000)
    assert settlement.settle_order(order.id)


@pytest.fixture
def day(world, travel, sandbox):
    """A week ago at 09:00 the clock starts (the test is marked travel(hour=9)).

    A week ago, at A: 100 元 at 09:05, 50 元 at 14:00. Yesterday 22:30 at A: li's 200 元 (paid).
    Today at A: 09:00 zhang 300 元 wallet, 30 L of 92# at 7.48 (22440), 75.60 back;
    09:20 li 200 元 WeChat, 20 L of 92# (14960), 50.40 back to WeChat; 09:40 wang
    100 元 wallet, cancelled at 09:45 (refunded in full); 10:05 zhang 150 元 of 0# at the
    counter, paid, not yet fuelled; 10:10 manager_a refunds 50 元 of yesterday's order. At B,
    10:15 li 80 元. Now: 10:20."""
    zhang, li = make_member(world.chain, "o-zhang"), make_member(world.chain, "o-li")
    wang = make_member(world.chain, "o-wang")
    for member in (zhang, li, wang):
        credit_wallet(member, 200_000)
    a, b = world.station_a, world.station_b
    _wallet_order(zhang, a, "92", 1, 10_000)
    travel.shift(timedelta(hours=5))
    _wallet_order(li, a, "92", 1, 5_000)
    travel.shift(timedelta(days=6, hours=8, minutes=30))  # yesterday 22:30
    yesterday = _wallet_order(li, a, "95", 2, 20_000)
    travel.shift(timedelta(hours=10, minutes=30))  # today 09:00
    start = clock.utcnow()
    o1 = _wallet_order(zhang, a, "92", 1, 30_000)
    travel.shift(timedelta(minutes=10))
    _fuel(world, o1, 30)
    travel.shift(timedelta(minutes=10))
    o2 = wechat_paid(li, a, 20_000)  # 92#
    travel.shift(timedelta(minutes=5))
    _fuel(world, o2, 20)
    travel.shift(timedelta(minutes=15))
    o3 = _wallet_order(wang, a, "98", 3, 10_000)
    travel.shift(timedelta(minutes=5))
    cancellation.cancel_order(wang, o3.id)
    travel.shift(timedelta(minutes=20))  # 10:05
    _wallet_order(zhang, a, "0", 4, 15_000, channel="counter")
    travel.shift(timedelta(minutes=5))
    refunds.refund_order(world.manager_a, yesterday.id, 5_000, "油品投诉")
    travel.shift(timedelta(minutes=5))
    _wallet_order(li, b, "92", 1, 8_000)
    travel.shift(timedelta(minutes=5))
    db.session.expire_all()
    return SimpleNamespace(start=start, end=start + timedelta(days=1), o1=o1, o2=o2)


def ledger_day(station_ids, start, end) -> SimpleNamespace:
    """The ledger's own sums of the day at these stations, on the order accounts."""
    posted_today = (
        LedgerEntry.account.in_(ORDER_ACCOUNTS),
        LedgerEntry.station_id.in_(station_ids),
        LedgerTransaction.created_at >= start,
        LedgerTransaction.created_at < end,
    )

    def total(*where) -> int:
        query = select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0)).join(
            LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id
        )
        return db.session.scalar(query.where(*posted_today, *where))

    refund_kinds = LedgerTransaction.kind.like("refund.%")
    refund_count = db.session.scalar(
        select(func.count(func.distinct(LedgerTransaction.id)))
        .join(LedgerEntry, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(*posted_today, refund_kinds)
    )
    return SimpleNamespace(
        net=-total(),
        paid=-total(LedgerTransaction.kind.like("order.pay.%")),
        refunded=total(refund_kinds),
        refund_count=refund_count,
    )


def held_by_orders(order_ids) -> int:
    """What the ledger holds for these orders on the order accounts (paid - refunded each)."""
    query = select(-func.sum(LedgerEntry.amount_fen)).where(
        LedgerEntry.account.in_(ORDER_ACCOUNTS), LedgerEntry.order_id.in_(order_ids)
    )
    return db.session.scalar(query)


@pytest.mark.travel(hour=9)
def test_figures_for_a_manager_by_hand_and_by_the_ledger(world, day):
    a = world.station_a
    assert (day.o1.unit_price_fen, day.o2.unit_price_fen) == (748, 748)  # member prices
    f = dashboard.today(world.manager_a)
    assert f.day == clock.to_local(day.start).date()
    assert f.paid_fen == 30_000 + 20_000 + 10_000 + 15_000
    assert (f.refund_count, f.refund_fen) == (4, 7_560 + 5_040 + 10_000 + 5_000)
    assert f.revenue_fen == 75_000 - 27_600 == 47_400
    assert (f.orders_online, f.orders_counter, f.orders) == (2, 1, 3)
    assert f.average_fen == 17_467  # (22440 + 14960 + 15000) / 3 = 17466.67, half-up
    assert f.members == 2  # zhang and li; wang cancelled
    assert [(x.fuel, x.ml) for x in f.litres] == [("92#汽油", 50_000)]
    today, week = [0] * 24, [0] * 24
    today[9] = 30_000 - 7_560 + 20_000 - 5_040 + 10_000 - 10_000
    today[10] = 15_000 - 5_000
    week[9], week[14] = 10_000, 5_000
    assert (f.today_by_hour, f.last_week_by_hour) == (today, week)
    assert sum(f.today_by_hour) == f.revenue_fen
    assert f.last_week_so_far_fen == 10_000  # until 10:20 a week ago

    books = ledger_day({a.id}, day.start, day.end)
    assert (books.net, books.paid, books.refunded) == (f.revenue_fen, f.paid_fen, f.refund_fen)
    assert books.refund_count == f.refund_count
    kept = db.session.scalars(
        select(Order.id).where(
            Order.station_id == a.id,
            Order.paid_at >= day.start,
            Order.status != "cancelled",
        )
    ).all()
    assert len(kept) == f.orders
    assert held_by_orders(kept) == 52_400
    assert f.average_fen == round_half_up(52_400, len(kept))


@pytest.mark.travel(hour=9)
def test_head_office_sees_every_station_and_filters_by_one(world, day):
    a, b = world.station_a, world.station_b
    every = dashboard.today(world.admin)
    assert every.paid_fen == 75_000 + 8_000
    assert every.revenue_fen == 47_400 + 8_000 == ledger_day({a.id, b.id}, day.start, day.end).net
    assert (every.orders_online, every.orders_counter, every.members) == (3, 1, 2)
    assert every.average_fen == 15_100  # (52400 + 8000) / 4
    assert every.today_by_hour[10] == 10_000 + 8_000
    assert every.litres == dashboard.today(world.manager_a).litres  # B fuelled nothing
    only_b = dashboard.today(world.admin, b.id)
    assert (only_b.revenue_fen, only_b.orders, only_b.refund_count) == (8_000, 1, 0)
    assert only_b.revenue_fen == ledger_day({b.id}, day.start, day.end).net
    assert only_b.last_week_by_hour == [0] * 24
    assert dashboard.today(world.admin, a.id) == dashboard.today(world.manager_a, a.id)


@pytest.mark.travel(hour=9)
def test_a_followed_up_refund_is_counted_once(world, sandbox):
    """A WeChat refund that ended CLOSED, then paid into the wallet: one refund of the day."""
    driver = make_member(world.chain)
    start = clock.utcnow()
    refund = owed_refund(driver, world.station_a, "CLOSED", 12_000)
    refund_followup.return_to_wallet(world.manager_a, refund.id, "phone", "车主电话同意退回钱包")
    f = dashboard.today(world.manager_a)
    assert (f.paid_fen, f.refund_count, f.refund_fen, f.revenue_fen) == (12_000, 1, 12_000, 0)
    assert (f.orders, f.members, f.today_by_hour[9]) == (0, 0, 0)
    books = ledger_day({world.station_a.id}, start, start + timedelta(days=1))
    assert (books.net, books.refunded, books.refund_count) == (0, 12_000, 1)


@pytest.mark.travel(hour=9)
def test_wechat_money_sent_straight_back_is_no_refund_of_the_day(world, sandbox, app, travel):
    """WeChat money for an order that had expired goes straight back: the order never took
    it, the order accounts never moved."""
    driver = make_member(world.chain)
    start = clock.utcnow()
    order = place(driver, world.station_a, amount_fen=20_000)
    payments.pay_with_wechat(driver, order.id)
    travel.shift(timedelta(minutes=16))
    run_jobs()  # the order expires, its prepay is closed at WeChat
    late = {
        "appid": app.config["WECHATPAY_APPID"],
        "mchid": app.config["WECHATPAY_MCHID"],
        "out_trade_no": order.order_no,
        "transaction_id": "4200" + digits(24),
        "trade_state": "SUCCESS",
        "amount": {"total": 20_000, "payer_total": 20_000, "currency": "CNY"},
    }
    assert payments.apply_transaction(late) == "refunded_late_payment"
    f = dashboard.today(world.manager_a)
    assert (f.paid_fen, f.refund_count, f.refund_fen, f.revenue_fen) == (0, 0, 0, 0)
    books = ledger_day({world.station_a.id}, start, start + timedelta(days=1))
    assert (books.net, books.refunded, books.refund_count) == (0, 0, 0)


def card(html: str, name: str) -> str:
    """The text of one figure card of the page."""
    match = re.search(rf'data-figure="{name}">(.*?)</div>', html, re.S)
    assert match, f"no {name} card"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.mark.travel(hour=9)
def test_home_shows_the_cards_litres_and_chart_data(as_staff, world, day):
    html = page(as_staff("manager_a").get("/console/"))
    assert "今日净收入 ¥474.00" in card(html, "revenue")
    assert "收款 ¥750.00，退款 ¥276.00" in card(html, "revenue")
    assert "3 笔" in card(html, "orders") and "小程序 2 笔，柜台 1 笔" in card(html, "orders")
    assert "¥174.67" in card(html, "average")
    assert "2 人" in card(html, "members")
    assert "4 笔" in card(html, "refunds") and "¥276.00" in card(html, "refunds")
    assert re.search(
        r'data-fuel="92#汽油"><th scope="row">92#汽油</th><td class="num">50.00 升', html
    )
    assert 'id="dash-chart"' in html and "vendor/echarts.min.js" in html
    assert 'name="station_id"' not in html  # one station: no filter
    for link in ("油站管理", "员工管理", "操作日志", "账号安全"):  # the tiles stay
        assert link in html
    chart = json.loads(re.search(r'id="dash-data">(.*?)</script>', html, re.S).group(1))
    assert chart["today"][9:12] == [37_400, 10_000, None]  # no bars after the hour it is
    assert chart["lastWeek"][14] == 5_000


@pytest.mark.travel(hour=9)
def test_the_polled_block_comes_alone(as_staff, world, day, app):
    console = as_staff("admin")
    response = console.get(f"/console/dashboard?station_id={world.station_b.id}", htmx=True)
    assert response.status_code == 200
    html = page(response).strip()
    assert html.startswith('<div id="dash-figures"') and html.endswith("</div>")
    assert "<html" not in html and "油站管理" not in html and 'id="dash-chart"' not in html
    assert 'hx-trigger="every 15s"' in html
    assert f'hx-get="/console/dashboard?station_id={world.station_b.id}"' in html
    assert "¥80.00" in card(html, "revenue")
    app.config["DASHBOARD_REFRESH_S"] = 2
    try:
        assert 'hx-trigger="every 2s"' in page(console.get("/console/dashboard", htmx=True))
    finally:
        app.config["DASHBOARD_REFRESH_S"] = 15


@pytest.mark.travel(hour=9)
def test_who_sees_which_station(as_staff, world, day):
    a, b = world.station_a, world.station_b
    console = as_staff("manager_b")
    assert "¥80.00" in card(page(console.get("/console/")), "revenue")
    for url in (f"/console/dashboard?station_id={a.id}", f"/console/?station_id={a.id}"):
        refused = console.get(url, htmx="dashboard" in url)
        assert refused.status_code == 403
        assert "您无权查看该油站的经营数据" in page(refused) and "¥474.00" not in page(refused)
    cashier = page(as_staff("cashier_a").get("/console/"))
    assert "¥474.00" in card(cashier, "revenue") and 'name="station_id"' not in cashier
    admin = as_staff("admin")
    html = page(admin.get("/console/"))
    assert "¥554.00" in card(html, "revenue")
    assert re.search(rf'<option value="{b.id}"\s*>大理古城加油站', html)
    assert "¥474.00" in card(page(admin.get(f"/console/?station_id={a.id}")), "revenue")


@pytest.mark.travel(hour=9)
def test_an_attendant_has_the_tiles_but_no_figures(as_staff, world, day):
    console = as_staff("attendant_a")
    html = page(console.get("/console/"))
    assert "账号安全" in html and "dash-figures" not in html and "echarts" not in html
    refused = console.get("/console/dashboard", htmx=True)
    assert refused.status_code == 403 and "只有收银员、站长和总部管理员可以查看经营数据" in page(
        refused
    )


@pytest.mark.parametrize(
    ("value", "status", "message"),
    [
        ("abc", 400, "油站参数无效，请从列表中选择油站"),
        ("-1", 400, "油站参数无效，请从列表中选择油站"),
        ("99999999999", 400, "油站参数无效，请从列表中选择油站"),
        ("999999", 404, "油站不存在"),
    ],
)
def test_a_bad_station_filter_is_refused_in_chinese(as_staff, world, value, status, message):
    console = as_staff("admin")
    polled = console.get(f"/console/dashboard?station_id={value}", htmx=True)
    assert polled.status_code == status
    block = page(polled).strip()
    assert message in block and block.startswith('<div id="dash-figures"')
    assert "hx-trigger" not in block  # a refused block stops polling
    whole = console.get(f"/console/?station_id={value}")
    assert whole.status_code == status and message in page(whole)


def test_a_day_with_nothing_shows_zeros(as_staff, world):
    html = page(as_staff("manager_a").get("/console/"))
    assert "¥0.00" in card(html, "revenue") and "0 笔" in card(html, "orders")
    assert "今天还没有加油记录" in html

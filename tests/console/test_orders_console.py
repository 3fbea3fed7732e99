"""订单 in the console: the filters, totals over every match, paging, who sees which orders
(list, page, export), the export against the list, bad filter values, one order's page."""

import io
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from app.extensions import db
from app.models import Order
from app.services import orders, payments
from app.services.orders import order_search, pickup
from app.services.payments import refunds
from app.services.platform import clock
from tests.console.conftest import page
from tests.factories import make_member
from tests.money.helpers import credit_wallet, run_jobs

URL = "/console/orders"
ORDER_NO = re.compile(r"JY\d{22}")


def _place(member, station, fuel, nozzle, amount_fen, plate="", channel="online", pay=True):
    order = orders.place_order(
        member,
        station.id,
        fuel_code=fuel,
        nozzle_number=nozzle,
        mode="amount",
        amount_fen=amount_fen,
        plate=plate,
        channel=channel,
    )
    if pay:
        order = payments.pay_with_wallet(member, order.id)
    return order


@pytest.fixture
def shop(world, travel):
    """Five orders over three local days (a test marked travel(hour=10) starts at 10:00):
    day 1: o1 zhang at A, fuelled by attendant_a and settled; o2 li at B, paid (code live).
    day 2: o3 zhang at A at the counter, partly refunded by manager_a; o4 li at A, unpaid.
    day 3 00:30 (16:30 UTC the day before): o5 zhang at B, diesel, paid."""
    zhang, li = make_member(world.chain, "o-zhang"), make_member(world.chain, "o-li")
    zhang.phone, li.phone = "13800005678", "13900001111"
    db.session.commit()
    credit_wallet(zhang, 100_000)
    credit_wallet(li, 100_000)
    a, b = world.station_a, world.station_b
    day1 = clock.to_local(clock.utcnow()).date()
    o1 = _place(zhang, a, "92", 1, 10_000, plate="云A12345")
    o2 = _place(li, b, "95", 2, 5_000, plate="云B67890")
    token = pickup.token_for(db.session.get(Order, o1.id))
    pickup.confirm_fueling(world.attendant_a, token, 10_000)
    run_jobs()  # settles o1: the difference goes back to the wallet
    travel.shift(timedelta(days=1))
    o3 = _place(zhang, a, "98", 3, 20_000, plate="云A12399", channel="counter")
    refunds.refund_order(world.manager_a, o3.id, 5_000, "油品投诉")
    o4 = _place(li, a, "92", 1, 3_000, pay=False)
    travel.shift(timedelta(hours=14, minutes=30))
    o5 = _place(zhang, b, "0", 4, 8_000)
    db.session.expire_all()
    found = {n: db.session.get(Order, o.id) for n, o in enumerate((o1, o2, o3, o4, o5), 1)}
    return SimpleNamespace(
        **{f"o{n}": o for n, o in found.items()},
        day1=day1,
        day2=day1 + timedelta(days=1),
        day3=day1 + timedelta(days=2),
        zhang=zhang,
        li=li,
    )


def shown(html: str) -> list[str]:
    """The order numbers of the list's rows, in order."""
    return ORDER_NO.findall(html.split('id="order-rows"', 1)[1])


def nos(*found) -> set[str]:
    return {o.order_no for o in found}


@pytest.mark.travel(hour=10)
def test_each_filter_narrows_the_list(as_staff, world, shop):
    s, f = shop, world.fuels
    console = as_staff("admin")
    code = pickup.live_token(s.o5).code  # o5: the only code still live
    cases = {
        "": nos(s.o1, s.o2, s.o3, s.o4, s.o5),
        f"day_from={s.day1}&day_to={s.day1}": nos(s.o1, s.o2),
        f"day_from={s.day2}&day_to={s.day2}": nos(s.o3, s.o4),
        f"day_from={s.day3}": nos(s.o5),  # local day 3 began at 16:00 UTC on day 2
        f"day_to={s.day2}": nos(s.o1, s.o2, s.o3, s.o4),
        f"station_id={world.station_b.id}": nos(s.o2, s.o5),
        "status=settled": nos(s.o1),
        "status=paid": nos(s.o2, s.o3, s.o5),
        "status=created": nos(s.o4),
        "channel=counter": nos(s.o3),
        "channel=online": nos(s.o1, s.o2, s.o4, s.o5),
        "payment_method=wallet": nos(s.o1, s.o2, s.o3, s.o5),
        "payment_method=wechat": set(),
        f"fuel_id={f['95'].id}": nos(s.o2),
        f"fuel_id={f['0'].id}": nos(s.o5),
        "nozzle=1": nos(s.o1, s.o4),
        "plate=A123": nos(s.o1, s.o3),
        "plate=云a 12345": nos(s.o1),
        f"order_no={s.o3.order_no}": nos(s.o3),
        f"order_no={s.o2.order_no[-8:]}": nos(s.o2),
        f"pickup_code={code}": nos(s.o5),
        "phone=13900001111": nos(s.o2, s.o4),
        "phone=5678": nos(s.o1, s.o3, s.o5),
        f"station_id={world.station_a.id}&status=paid&channel=counter": nos(s.o3),
    }
    for query, expected in cases.items():
        response = console.get(f"{URL}?{query}")
        assert response.status_code == 200, query
        assert set(shown(page(response))) == expected, query


@pytest.mark.travel(hour=10)
def test_totals_cover_every_match_and_equal_the_sum_of_the_rows(as_staff, world, shop, monkeypatch):
    s = shop
    every = [s.o1, s.o2, s.o3, s.o4, s.o5]
    assert s.o1.status == "settled" and s.o1.refunded_fen == 2_520  # 100 元 paid, 74.80 fuelled
    assert s.o3.refunded_fen == 5_000 and s.o4.paid_fen == 0
    sums = order_search.totals(world.admin, order_search.Filters())
    assert sums.count == 5
    assert sums.paid_fen == sum(o.paid_fen for o in every) == 43_000
    assert sums.refunded_fen == sum(o.refunded_fen for o in every) == 7_520
    assert sums.net_fen == 35_480 and sums.dispensed_ml == 10_000
    monkeypatch.setattr(order_search, "PER_PAGE", 2)  # totals still over all five, not the page
    html = page(as_staff("admin").get(URL))
    foot = html.split("<tfoot>", 1)[1]
    assert "合计（全部 5 笔）" in foot
    assert ">10.00</td>" in foot and ">430.00<br>" in foot and "已退 75.20" in foot
    assert "<strong>354.80</strong>" in foot
    html = page(as_staff("admin").get(f"{URL}?station_id={world.station_a.id}"))
    foot = html.split("<tfoot>", 1)[1]  # o1, o3, o4: 100 + 200 paid, 25.20 + 50 back
    assert "合计（全部 3 笔）" in foot and ">300.00<br>" in foot and "已退 75.20" in foot
    assert "<strong>224.80</strong>" in foot


@pytest.mark.travel(hour=10)
def test_pages_are_newest_first_and_stable(as_staff, shop, monkeypatch):
    s = shop
    monkeypatch.setattr(order_search, "PER_PAGE", 2)
    console = as_staff("admin")
    first = page(console.get(URL))
    # o3 and o4 were placed at the same (frozen) moment, as were o1 and o2: the later id first.
    assert shown(first) == [s.o5.order_no, s.o4.order_no]
    week = f"day_from={s.day3 - timedelta(days=6)}&amp;day_to={s.day3}"  # a first visit's
    assert "第 1 / 3 页" in first and f'href="{URL}?{week}&amp;page=2"' in first
    assert shown(page(console.get(f"{URL}?page=2"))) == [s.o3.order_no, s.o2.order_no]
    last = page(console.get(f"{URL}?page=3", htmx=True))
    assert shown(last) == [s.o1.order_no] and "下一页" not in last and "<html" not in last
    filtered = page(console.get(f"{URL}?phone=5678&page=2"))
    assert shown(filtered) == [s.o1.order_no]
    assert f'href="{URL}?phone=5678"' in filtered  # the pager keeps the filters
    assert f'href="{URL}/{s.o1.id}?phone=5678"' in filtered  # and the order's page, to go back
    assert f'<a href="{URL}?phone=5678">订单</a> /' in page(
        console.get(f"{URL}/{s.o1.id}?phone=5678")
    )
    assert page(console.get(f"{URL}?page=9")).count("没有符合条件的订单") == 1


@pytest.mark.travel(hour=10)
def test_a_first_visit_opens_on_the_last_week(as_staff, world, shop, travel):
    s = shop
    travel.shift(timedelta(days=5))  # day 8: day 1 is out of the last seven days, day 2 in
    console = as_staff("admin")
    html = page(console.get(URL))
    week = (s.day3 + timedelta(days=5) - timedelta(days=6)).isoformat()
    assert f'name="day_from" value="{week}"' in html
    assert shown(html) == [s.o5.order_no, s.o4.order_no, s.o3.order_no]
    every_day = page(console.get(f"{URL}?day_from=&day_to="))  # the dates cleared: all of it
    assert len(shown(every_day)) == 5 and 'name="day_from" value=""' in every_day


@pytest.mark.travel(hour=10)
def test_cashier_of_a_sees_only_station_a(as_staff, world, shop):
    s = shop
    console = as_staff("cashier_a")
    assert set(shown(page(console.get(URL)))) == nos(s.o1, s.o3, s.o4)
    assert shown(page(console.get(f"{URL}?phone=13900001111"))) == [s.o4.order_no]
    assert console.get(f"{URL}?station_id={world.station_b.id}").status_code == 403
    assert console.get(f"{URL}/{s.o2.id}").status_code == 403
    assert console.get(f"{URL}/{s.o5.id}").status_code == 403
    assert console.get(f"{URL}/{s.o1.id}").status_code == 200
    assert console.get(f"{URL}/999999").status_code == 404
    assert console.get(f"{URL}/export.xlsx?station_id={world.station_b.id}").status_code == 403
    sheet = load_workbook(io.BytesIO(console.get(f"{URL}/export.xlsx").data)).active
    cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row}
    assert nos(s.o1, s.o3, s.o4) <= cells and not nos(s.o2, s.o5) & cells
    html = page(console.get(f"{URL}/{s.o1.id}"))
    assert "138****5678" in html and "13800005678" not in html  # a cashier sees it masked


@pytest.mark.travel(hour=10)
def test_who_sees_what(as_staff, world, shop):
    s = shop
    assert set(shown(page(as_staff("admin").get(URL)))) == nos(s.o1, s.o2, s.o3, s.o4, s.o5)
    assert set(shown(page(as_staff("manager_b").get(URL)))) == nos(s.o2, s.o5)
    assert as_staff("manager_b").get(f"{URL}/{s.o1.id}").status_code == 403
    attendant = as_staff("attendant_a")
    assert attendant.get(URL).status_code == 403
    assert attendant.get(f"{URL}/{s.o1.id}").status_code == 403
    assert attendant.get(f"{URL}/export.xlsx").status_code == 403
    assert f'href="{URL}"' not in page(attendant.get("/console/"))
    for username in ("cashier_a", "manager_a", "admin"):
        assert f'<a href="{URL}" class="">订单</a>' in page(as_staff(username).get("/console/"))
    assert f'<a href="{URL}" class="active">订单</a>' in page(as_staff("admin").get(URL))


@pytest.mark.travel(hour=10)
def test_export_holds_the_list_and_its_totals(as_staff, world, shop):
    console = as_staff("admin")
    query = f"day_to={shop.day2}"
    listed = shown(page(console.get(f"{URL}?{query}")))
    response = console.get(f"{URL}/export.xlsx?{query}")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header[:3] == ("下单时间", "订单号", "油站") and header[11] == "实付（元）"
    assert [row[1] for row in body] == listed
    o1 = next(row for row in body if row[1] == shop.o1.order_no)
    assert o1[11] == 100 and o1[12] == 25.2 and o1[13] == 74.8 and o1[14] == 10
    assert o1[16] == "attendant_a" and o1[6] == "138****5678" and o1[9] == "已完成"
    sums = order_search.totals(world.admin, order_search.read_filters({"day_to": str(shop.day2)}))
    assert total[0] == f"合计 {sums.count} 笔" == "合计 4 笔"
    assert total[11:15] == (sums.paid_fen / 100, sums.refunded_fen / 100, sums.net_fen / 100, 10)
    assert total[11] == sum(row[11] for row in body)
    assert round(total[13], 2) == round(sum(row[13] for row in body), 2)


@pytest.mark.travel(hour=10)
def test_bad_filter_values_are_said_in_chinese(as_staff, shop):
    console = as_staff("admin")
    bad = {
        "day_from=昨天": "开始日期应为 年-月-日",
        f"day_from={shop.day2}&day_to={shop.day1}": "结束日期不能早于开始日期",
        "station_id=abc": "请选择油站",
        "station_id=999999": "油站不存在",
        "status=refunding": "请选择订单状态",
        "channel=phone": "请选择下单渠道",
        "payment_method=cheque": "请选择支付方式",  # cash is a counter method now
        "fuel_id=-1": "请选择油品",
        "nozzle=100": "枪号应为 1 到 99 的整数",
        "plate=云": "车牌号至少输入 2 位",
        "order_no=JY%25": "订单号为字母和数字",
        "pickup_code=1234": "取油码为 8 位数字",
        "phone=138": "手机号请输入完整的 11 位或后 4 位",
        "phone=%00": "手机号含有无效字符或过长",
        "page=0": "页码应为 1 到 100000 的整数",
    }
    for query, message in bad.items():
        for htmx in (False, True):
            response = console.get(f"{URL}?{query}", htmx=htmx)
            assert response.status_code in (400, 404), query
            assert message in page(response), query
        if query.startswith("page"):
            continue
        response = console.get(f"{URL}/export.xlsx?{query}")
        assert response.status_code in (400, 404) and message in page(response), query
    html = page(console.get(f"{URL}?nozzle=abc&phone=12", htmx=True))
    assert 'id="order-list"' in html and "枪号应为" in html and "手机号请输入" in html
    assert 'value="abc"' in html  # what was typed stays in the form


@pytest.mark.travel(hour=10)
def test_order_page_tells_the_whole_story(as_staff, shop):
    console = as_staff("manager_a")
    html = page(console.get(f"{URL}/{shop.o1.id}"))
    for words in ("下单", "支付", "加油确认", "10.00 升，74.80 元，attendant_a", "结算完成"):
        assert words in html, words
    assert "加油差额退款 25.20 元，退回钱包" in html and "退款已到账" in html
    assert "钱包支付" in html and "预付订单" in html and "油品收入" in html  # ledger legs
    assert "确认加油" in html  # the audit entry
    assert "13800005678" in html  # a manager sees the whole number
    html = page(console.get(f"{URL}/{shop.o3.id}"))
    assert "柜台下单" in html and "人工退款" in html and "油品投诉" in html and "manager_a" in html
    html = page(console.get(f"{URL}/{shop.o4.id}"))
    assert "尚未支付" in html and "没有账务分录" in html


def test_wechat_orders_show_their_transaction(as_staff, world, live_server):
    from tests.money.refund_helpers import wechat_paid

    member = make_member(world.chain)
    paid = wechat_paid(member, world.station_a, 6_000)
    transaction = db.session.scalar(
        select(payments.paying.WeChatPayment.transaction_id).where(
            payments.paying.WeChatPayment.order_id == paid.id
        )
    )
    console = as_staff("cashier_a")
    assert shown(page(console.get(f"{URL}?payment_method=wechat"))) == [paid.order_no]
    assert shown(page(console.get(f"{URL}?payment_method=wallet"))) == []
    html = page(console.get(f"{URL}/{paid.id}"))
    assert transaction and html.count(transaction) == 2 and "微信支付" in html


@pytest.mark.travel(hour=10)
def test_the_export_reads_through_a_server_side_cursor(world, shop, monkeypatch):
    """Rows come in batches from a named cursor, never all at once into memory."""
    cursors = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "FROM fuel_order" in statement and "ORDER BY" in statement:
            cursors.append(type(cursor).__name__)

    monkeypatch.setattr(order_search, "STREAM_BATCH", 2)
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        rows = order_search.export_rows(world.admin, order_search.Filters(), limit=100)
        first = next(rows)
        assert first.order_no == shop.o5.order_no and cursors == ["ServerCursor"]
        assert [r.order_no for r in rows] == [
            o.order_no for o in (shop.o4, shop.o3, shop.o2, shop.o1)
        ]
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)

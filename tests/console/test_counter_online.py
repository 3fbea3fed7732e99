"""线上订单: the station's paid online orders live from the events feed, and the walk-in
driver's order confirmed by its short code through the handheld's pickup service."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Order, PickupCodeGuard
from app.services.orders import fueling, pickup
from tests.attendant.conftest import paid_order, reload
from tests.console.conftest import page
from tests.console.test_orders_console import _place
from tests.factories import make_member
from tests.money.helpers import credit_wallet, run_jobs

URL = "/console/counter/online"


@pytest.fixture
def member(world):
    member = make_member(world.chain)
    credit_wallet(member, 100_000)
    return member


def code_of(order: Order) -> str:
    return pickup.live_token(reload(order)).code


def rows(html: str) -> list[str]:
    """The list's order ids, top to bottom."""
    return re.findall(r'<tr data-order-id="(\d+)"', html)


def poll_url(html: str) -> str:
    return re.search(r'hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")


def test_cashier_sees_the_online_orders_waiting_newest_first(world, member, as_staff):
    first, _ = paid_order(
        world, member, nozzle=3, fuel="98", mode="amount", amount_fen=20000, plate="云A12345"
    )
    second, _ = paid_order(world, member, mode="amount", amount_fen=5000)
    _place(member, world.station_a, "92", 1, 3000, channel="counter")  # taken at the counter
    paid_order(world, member, station=world.station_b)  # another station's
    html = page(as_staff("cashier_a").get(URL))
    assert rows(html) == [str(second.id), str(first.id)]
    assert "3号枪" in html and "任意油枪" in html and "云A12345" in html
    assert code_of(first) in html and code_of(second) in html
    assert "¥200.00" in html and "¥50.00" in html
    assert 'href="/console/counter/online"' in html  # the menu entry


def test_the_list_answers_204_until_an_event_comes(world, member, as_staff):
    console = as_staff("manager_a")
    html = page(console.get(URL))
    assert rows(html) == []
    url = poll_url(html)
    assert console.get(url, htmx=True).status_code == 204
    order, _ = paid_order(world, member, nozzle=2, fuel="95", mode="amount", amount_fen=20000)
    news = console.get(url, htmx=True)
    assert news.status_code == 200
    assert rows(page(news)) == [str(order.id)]
    # The list carries the new cursor: nothing new after it.
    assert console.get(poll_url(page(news)), htmx=True).status_code == 204


def test_cashier_of_a_is_refused_station_b(world, member, as_staff):
    order, _ = paid_order(world, member, station=world.station_b)
    console = as_staff("cashier_a")
    b = world.station_b.id
    assert console.get(f"{URL}?station_id={b}").status_code == 403
    refused = console.get(f"{URL}/list?station_id={b}&since=0", htmx=True)
    assert refused.status_code == 403 and "hx-get" not in page(refused)  # stops polling
    code = code_of(order)
    posted = console.post(f"{URL}/code", {"station_id": b, "code": code}, htmx=True)
    assert posted.status_code == 403
    assert reload(order).status == "paid"


def test_head_office_picks_a_station_and_an_attendant_has_no_page(world, member, as_staff):
    order, _ = paid_order(world, member, station=world.station_b)
    admin = as_staff("admin")
    assert rows(page(admin.get(f"{URL}?station_id={world.station_a.id}"))) == []
    picked = page(admin.get(f"{URL}?station_id={world.station_b.id}"))
    assert rows(picked) == [str(order.id)] and "大理古城加油站" in picked
    assert as_staff("attendant_a").get(URL).status_code == 403


def test_a_post_without_csrf_changes_nothing(world, member, as_staff):
    order, token = paid_order(world, member)
    console = as_staff("cashier_a")
    a = world.station_a.id
    posted = console.post(f"{URL}/code", {"station_id": a, "code": "12345678"}, csrf=False)
    assert posted.status_code == 303
    body = {"station_id": a, "token": token, "dispensed_ml": 10000, "confirmation_id": "x1"}
    assert console.post(f"{URL}/confirm", body, csrf=False).status_code == 303
    assert reload(order).status == "paid"
    assert db.session.scalar(select(PickupCodeGuard)) is None  # not even a miss counted


def test_confirm_a_walk_in_driver_by_short_code(world, member, as_staff):
    order, token = paid_order(world, member, nozzle=3, fuel="98", mode="amount", amount_fen=20000)
    console = as_staff("cashier_a")
    a = world.station_a.id
    code = code_of(order)

    found = console.post(f"{URL}/code", {"station_id": a, "code": f"{code[:4]} {code[4:]}"}, True)
    html = page(found)
    assert found.status_code == 200
    assert "3号枪" in html and "¥200.00" in html and "测试车主" in html
    assert f'name="token" value="{token}"' in html

    litres = {"station_id": a, "token": token, "litres": "20"}
    preview = console.post(f"{URL}/preview", litres, htmx=True)
    html = page(preview)
    assert preview.status_code == 200 and "确认加油" in html
    assert reload(order).status == "paid"  # a preview changes nothing
    dispensed = fueling.price_fueling(reload(order), 20000)
    assert f"¥{dispensed.dispensed_fen / 100:.2f}" in html
    assert f"¥{dispensed.refund_fen / 100:.2f}" in html
    confirm = dict(re.findall(r'name="(token|dispensed_ml|confirmation_id)" value="([^"]+)"', html))
    assert confirm["dispensed_ml"] == "20000"

    done = console.post(f"{URL}/confirm", {"station_id": a, **confirm}, htmx=True)
    html = page(done)
    assert done.status_code == 200 and "已确认加油" in html
    assert "20.00 升" in html and f"¥{dispensed.refund_fen / 100:.2f}" in html
    fueled = reload(order)
    assert (fueled.status, fueled.dispensed_ml, fueled.fueled_by_id) == (
        "fueled",
        20000,
        world.cashier_a.id,
    )
    # The same form sent again shows the first result; nothing happens twice.
    again = console.post(f"{URL}/confirm", {"station_id": a, **confirm}, htmx=True)
    assert again.status_code == 200 and "已确认加油" in page(again)
    # The used code no longer finds it.
    used = console.post(f"{URL}/code", {"station_id": a, "code": code}, htmx=True)
    assert used.status_code == 404 and "本站没有这个取油码" in page(used)
    run_jobs()
    assert reload(order).status == "settled"


def test_bad_codes_and_litres_answer_the_services_message(world, member, as_staff):
    order, token = paid_order(world, member)
    other, _ = paid_order(world, member, station=world.station_b)
    console = as_staff("cashier_a")
    a = world.station_a.id

    def lookup(code):
        return console.post(f"{URL}/code", {"station_id": a, "code": code}, htmx=True)

    short = lookup("1234")
    assert short.status_code == 400 and "取油码为 8 位数字" in page(short)
    wrong = lookup(f"{(int(code_of(order)) + 1) % 10**8:08d}")
    assert wrong.status_code == 404 and "再错 4 次将暂停手动输入" in page(wrong)
    elsewhere = lookup(code_of(other))  # station B's order, typed at A
    assert elsewhere.status_code == 404 and "本站没有这个取油码" in page(elsewhere)

    too_much = {"station_id": a, "token": token, "litres": "500"}
    over = console.post(f"{URL}/preview", too_much, htmx=True)
    assert over.status_code == 400 and "超过已付" in page(over)
    assert f'name="token" value="{token}"' in page(over)  # the same order, to type again
    nonsense = console.post(f"{URL}/preview", {**too_much, "litres": "abc"}, htmx=True)
    assert nonsense.status_code == 400 and "请输入升数" in page(nonsense)
    confirm = {"station_id": a, "token": token, "dispensed_ml": 500000, "confirmation_id": "c1"}
    refused = console.post(f"{URL}/confirm", confirm, htmx=True)
    assert refused.status_code == 400 and "超过已付" in page(refused)
    assert (reload(order).status, reload(other).status) == ("paid", "paid")

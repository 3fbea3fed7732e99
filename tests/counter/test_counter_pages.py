"""The 收银 page, its live figures, the sale posted from it and the receipt (小票) printed."""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, Order
from app.services.counter import receipts
from tests.console.conftest import Console, page
from tests.counter.helpers import code_for, member_with_wallet, saved

pytestmark = pytest.mark.travel(hour=10)  # 10:00 in Shanghai, the clock stopped
SALE, QUOTE = "/console/counter/sale", "/console/counter/sale/quote"


def sale_form(world, html: str, **more) -> dict:
    """30.00 L at nozzle 1 (92#) of station A, 300 元 cash, with the page's sale key."""
    key = re.search(r'name="sale_key" value="([^"]+)"', html).group(1)
    data = {"station_id": world.station_a.id, "sale_key": key, "nozzle": "1"}
    return data | {"entered": "litres", "shown": "30", "method": "cash", "received": "300"} | more


def the_order() -> Order:
    db.session.expire_all()
    return db.session.scalars(select(Order)).one()


def test_the_page_shows_the_nozzles_with_their_prices_and_the_menu_entry(as_staff):
    html = page(as_staff("cashier_a").get(SALE))
    assert "收银</a>" in html and "昆明北京路加油站" in html
    assert "1 号枪" in html and "92#汽油" in html and "¥7.68/升" in html
    assert "会员价 ¥7.48" in html and "4 号枪" in html and 'name="csrf_token"' in html


@pytest.mark.parametrize("who", ["attendant_a", "admin"])
def test_other_roles_may_not_sell(as_staff, who):
    assert as_staff(who).get(SALE).status_code == 403


def test_the_live_figures_come_from_the_server(as_staff, world):
    console = as_staff("cashier_a")
    form = sale_form(world, page(console.get(SALE)))
    html = page(console.post(QUOTE, form, htmx=True))
    assert "230.40" in html and "30.00 升" in html and "找零" in html and "69.60" in html
    by_amount = page(
        console.post(QUOTE, form | {"entered": "amount", "shown": "200.64"}, htmx=True)
    )
    assert "26.13 升" in by_amount and "200.64" in by_amount
    short = page(console.post(QUOTE, form | {"received": "200"}, htmx=True))
    assert "实收不足，还差 ¥30.40" in short
    wrong = page(console.post(QUOTE, form | {"nozzle": "9"}, htmx=True))
    assert "本站没有9号枪" in wrong


def test_the_live_figures_show_the_member_without_using_the_code(as_staff, world):
    member = member_with_wallet(world)
    code = code_for(member)
    console = as_staff("cashier_a")
    form = sale_form(world, page(console.get(SALE)), code=code, method="wallet")
    html = page(console.post(QUOTE, form, htmx=True))
    assert "李师傅" in html and "享会员价" in html and "¥7.48/升" in html and "224.40" in html
    response = console.post(SALE, form)  # the code still works for the sale itself
    assert response.status_code == 303
    assert the_order().member_id == member.id


def test_a_sale_posted_opens_its_receipt_for_printing(as_staff, world):
    console = as_staff("cashier_a")
    response = console.post(SALE, sale_form(world, page(console.get(SALE))))
    assert response.status_code == 303
    order = the_order()
    target = urlsplit(response.headers["Location"])
    assert target.path == f"/console/orders/{order.id}/receipt"
    assert target.query == "width=58&autoprint=1"
    assert (order.amount_fen, order.payment_method, order.channel) == (23_040, "cash", "counter")


def test_a_refused_sale_shows_the_field_and_saves_nothing(as_staff, world):
    console = as_staff("cashier_a")
    response = console.post(SALE, sale_form(world, page(console.get(SALE)), received="200"))
    assert response.status_code == 400
    assert "实收现金不足：应收 230.40 元，实收 200.00 元" in page(response)
    blank = console.post(SALE, sale_form(world, page(console.get(SALE)), shown=""))
    assert "请输入加油机显示的升数或金额" in page(blank)
    assert saved() == (0, 0, 0)


def test_the_same_form_posted_twice_records_one_sale(as_staff, world):
    console = as_staff("cashier_a")
    form = sale_form(world, page(console.get(SALE)))
    first, second = console.post(SALE, form), console.post(SALE, form)
    assert first.headers["Location"] == second.headers["Location"]
    assert saved()[:2] == (1, 1)


def test_a_cashier_of_station_a_cannot_sell_on_station_bs_nozzles(as_staff, world):
    console = as_staff("cashier_a")
    form = sale_form(world, page(console.get(SALE)), station_id=world.station_b.id)
    assert console.post(SALE, form).status_code == 403
    assert console.get(f"{SALE}?station_id={world.station_b.id}").status_code == 403
    assert console.post(QUOTE, form, htmx=True).status_code == 403
    assert saved() == (0, 0, 0)


def test_a_sale_without_the_csrf_token_is_refused(as_staff, world):
    console = as_staff("cashier_a")
    form = sale_form(world, page(console.get(SALE)))
    response = console.post(SALE, form, csrf=False)
    assert response.status_code in (302, 303)
    assert "页面已过期" in page(console.get(response.headers["Location"]))
    assert saved() == (0, 0, 0)


def sold(as_staff, world, **more) -> tuple:
    console = as_staff("cashier_a")
    console.post(SALE, sale_form(world, page(console.get(SALE)), **more))
    return console, the_order()


@pytest.mark.parametrize("width", [58, 80])
def test_the_receipt_shows_every_field(as_staff, world, width):
    console, order = sold(as_staff, world, received="300")
    html = page(console.get(f"/console/orders/{order.id}/receipt?width={width}"))
    assert f"receipt-{width}.css" in html and f'class="paper w{width}"' in html
    for text in (
        "昆明北京路加油站",
        order.order_no,
        "10:00:00",
        "92#汽油 · 1号枪",
        "30.00 升",
        "7.68 元/升",
        "¥230.40",
        "现金",
        "实收现金",
        "¥300.00",
        "找零",
        "¥69.60",
        "扫码申请开具发票",
        "<svg",
        "cashier_a",
    ):
        assert text in html, text
    assert "重打" not in html.split('id="receipt"')[1]


def test_the_receipt_of_a_member_sale_shows_the_saving(as_staff, world):
    member = member_with_wallet(world)
    console, order = sold(as_staff, world, code=code_for(member), method="wallet", received="")
    html = page(console.get(f"/console/orders/{order.id}/receipt"))
    # 30.00 L at 7.48 = 224.40; at the list price 230.40: 6 元 saved.
    assert "会员钱包" in html and "¥224.40" in html and "已省 ¥6.00" in html
    assert "挂牌价" in html and "7.68 元/升" in html


def test_the_first_print_is_the_original_and_every_later_one_says_reprint(as_staff, world):
    console, order = sold(as_staff, world)
    url = f"/console/orders/{order.id}/receipt/print?width=80"
    first = console.post(url, htmx=True)
    assert first.headers["HX-Trigger-After-Settle"] == "receipt-printed"
    assert "重打" not in page(first) and order.order_no in page(first)
    second = page(console.post(url, htmx=True))
    assert "重打（第 2 次打印）" in second
    assert "重打（第 2 次打印）" not in page(console.post(url, htmx=True))  # the third copy
    assert "重打小票" in page(console.get(f"/console/orders/{order.id}/receipt"))
    prints = select(func.count(AuditLog.id)).where(AuditLog.action == "order.receipt_print")
    assert db.session.scalar(prints) == 3
    assert console.post(url).status_code == 400  # not from the page's button: nothing printed
    assert db.session.scalar(prints) == 3


def test_staff_of_another_station_cannot_print_its_receipts(as_staff, world, app):
    _, order = sold(as_staff, world)
    other = Console(app.test_client())
    assert other.login("manager_b").status_code == 303
    assert other.get(f"/console/orders/{order.id}/receipt").status_code == 403
    assert other.post(f"/console/orders/{order.id}/receipt/print", htmx=True).status_code == 403


def test_the_invoice_link_in_the_qr_is_signed(as_staff, world, client):
    _, order = sold(as_staff, world)
    with client.application.test_request_context():
        url = receipts.invoice_url(order.order_no)
    path = url[url.index("/invoice") :]
    answer = client.get(path)
    assert answer.status_code == 200 and "填写开票信息" in page(answer)
    assert order.order_no in page(answer)
    assert client.get(path[:-1] + ("0" if path[-1] != "0" else "1")).status_code == 404


def test_any_order_has_its_receipt_from_the_orders_page(as_staff, world):
    console, order = sold(as_staff, world)
    html = page(console.get(f"/console/orders/{order.id}"))
    assert "打印小票" in html and "散客" in html and "柜台" in html
    listing = page(console.get("/console/orders"))
    assert order.order_no in listing and "现金" in listing

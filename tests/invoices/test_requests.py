"""申请开票 from the receipt's QR: the page on the driver's phone and the service behind it. The
link's signature, which orders may be invoiced and for how much, once per order (also when sent
twice at once), again after a rejection, CSRF and the rate limit. The ledger check runs after
every test (conftest)."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import InvoiceRequest
from app.services import invoices
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid, NotFound
from tests.console.conftest import page
from tests.invoices.helpers import (
    Phone,
    ask,
    buyer,
    cash_sale,
    company,
    link,
    refund_at_counter,
    requests_of,
    sig,
    wallet_sale,
)
from tests.money.helpers import assert_ledger_ok
from tests.threads import run_together, start_line

pytestmark = pytest.mark.travel(hour=10)  # 10:00 in Shanghai, the clock stopped


@pytest.fixture
def phone(client):
    return Phone(client)


def test_a_walk_in_sale_is_invoiced_from_its_receipt(world, phone):
    order = cash_sale(world)  # 30.00 L of 92# at 7.68: 230.40 元
    shown = page(phone.get(link(order)))
    assert "昆明北京路加油站" in shown and "92#汽油" in shown and "30.00 升" in shown
    assert "¥230.40" in shown and order.order_no in shown and "提交申请" in shown
    assert "即将上线" not in shown
    sent = phone.post(link(order), buyer(phone="139 0000 1111"))
    assert sent.status_code == 303
    after = page(phone.get(sent.headers["Location"]))
    assert "已提交开票申请" in after and "已申请" in after and "提交申请" not in after
    assert "zh***@example.com" in after and "zhangsan@example.com" not in after
    (made,) = requests_of(order)
    assert (made.buyer_type, made.buyer_name, made.tax_number) == ("personal", "张三", "")
    assert (made.email, made.phone, made.amount_fen) == (
        "zhangsan@example.com",
        "13900001111",
        23_040,
    )
    assert (made.status, made.chain_id, made.station_id) == (
        "requested",
        world.chain.id,
        order.station_id,
    )
    assert_ledger_ok()


def test_a_company_gives_its_tax_number(world):
    order = cash_sale(world)
    made = ask(order, company(tax_number=" 91530100ma6k0a1b2c "))
    assert (made.buyer_type, made.tax_number) == ("company", "91530100MA6K0A1B2C")
    # A person's invoice carries no tax number, even if one was typed.
    other = cash_sale(world)
    assert ask(other, buyer(tax_number="91530100MA6K0A1B2C")).tax_number == ""


def test_a_bad_signature_is_not_found_and_stores_nothing(world, phone):
    order = cash_sale(world)
    good = sig(order)
    forged = link(order, good[:-1] + ("0" if good[-1] != "0" else "1"))
    assert phone.get(forged).status_code == 404
    phone.get(link(order))  # a real page's token: only the signature is wrong
    answer = phone.post(forged, buyer())
    assert answer.status_code == 404 and "开票链接无效" in page(answer)
    with pytest.raises(NotFound):
        invoices.request_invoice(order.order_no, "0" * 32, buyer())
    with pytest.raises(NotFound):  # a bad link says nothing about the form
        invoices.request_invoice(order.order_no, "0" * 32, {})
    assert requests_of() == []


def test_a_company_without_its_tax_number_is_refused_naming_the_field(world, phone):
    order = cash_sale(world)
    phone.get(link(order))
    answer = phone.post(link(order), company(tax_number=""))
    assert answer.status_code == 400
    shown = page(answer)
    assert "单位开票请填写纳税人识别号（统一社会信用代码）" in shown
    assert "云南某某物流有限公司" in shown  # what was typed stays in the form
    with pytest.raises(Invalid) as wrong:
        ask(order, company(tax_number="9153-0100"))
    assert "15 到 20 位" in wrong.value.fields["tax_number"]
    assert requests_of() == []


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        (buyer(buyer_name=" "), "buyer_name", "请填写发票抬头"),
        (buyer(email=""), "email", "请填写电子邮箱"),
        (buyer(email="zhangsan@example"), "email", "电子邮箱格式不正确"),
        (buyer(phone="0871-6555"), "phone", "手机号应为 11 位数字"),
        (buyer(buyer_type="vip"), "buyer_type", "请选择抬头类型"),
        (buyer(buyer_name="张\x00三"), "buyer_name", "含有无效字符"),
    ],
)
def test_each_wrong_field_is_named(world, form, field, words):
    order = cash_sale(world)
    with pytest.raises(Invalid) as refused:
        ask(order, form)
    assert words in refused.value.fields[field]
    assert requests_of() == []


def test_an_order_not_yet_settled_is_refused(world, phone):
    from tests.console.counter_refund_helpers import driver, paid_order

    order = paid_order(world, driver(world))  # paid online, not fuelled yet
    shown = page(phone.get(link(order)))
    assert "该订单尚未加油结算，加油完成后才能申请开票" in shown and "提交申请" not in shown
    with pytest.raises(Invalid) as refused:
        ask(order)
    assert refused.value.message == "该订单尚未加油结算，加油完成后才能申请开票"
    assert requests_of() == []


def test_an_order_refunded_in_full_is_refused(world, phone):
    order = wallet_sale(world, litres=10_000, principal_fen=20_000)  # 10 L at 7.48: 74.80 元
    refund_at_counter(world, order, 7_480)
    assert "该订单已全部退款，不能开票" in page(phone.get(link(order)))
    with pytest.raises(Invalid) as refused:
        ask(order)
    assert refused.value.message == "该订单已全部退款，不能开票"
    assert requests_of() == []


def test_the_invoicing_window_is_90_days_from_the_sale(world, travel, phone):
    early, late = cash_sale(world), cash_sale(world)
    travel.shift(timedelta(days=invoices.WINDOW_DAYS))  # the last moment still inside
    assert ask(early).amount_fen == 23_040
    travel.shift(timedelta(seconds=1))
    with pytest.raises(Invalid) as refused:
        ask(late)
    assert "已超过开票期限（加油后 90 天内可申请）" in refused.value.message
    assert "已超过开票期限" in page(phone.get(link(late)))
    assert [r.order_id for r in requests_of()] == [early.id]


def test_the_amount_is_what_was_paid_net_of_a_partial_refund(world, phone):
    order = wallet_sale(world, litres=30_000, principal_fen=50_000)  # 30 L at 7.48: 224.40 元
    refund_at_counter(world, order, 2_000)
    assert "¥204.40" in page(phone.get(link(order)))
    assert ask(order).amount_fen == 20_440
    assert_ledger_ok()


def test_the_wallets_bonus_is_not_invoiced(world):
    # 40 L at 7.48 = 299.20 元: 200 元 of principal, 99.20 元 of bonus. A 50 元 refund gives
    # back bonus in proportion to what is left: 50 x 99.20 / 299.20 = 16.58 元 of bonus, 33.42
    # of principal. The driver paid 200 - 33.42 = 166.58 元 of their own money.
    order = wallet_sale(world, litres=40_000, principal_fen=20_000, bonus_fen=15_000)
    assert (order.paid_fen, order.bonus_paid_fen) == (29_920, 9_920)
    refund_at_counter(world, order, 5_000)
    assert ask(order).amount_fen == 16_658
    assert_ledger_ok()


def test_an_order_is_asked_once(world, phone):
    order = cash_sale(world)
    phone.get(link(order))  # the form, open on the phone while the request is made
    ask(order)
    with pytest.raises(Conflict) as again:
        ask(order, company())
    assert again.value.message == "该订单已申请开票，请勿重复提交"
    answer = phone.post(link(order), buyer(buyer_name="李四"))  # from the page opened before
    assert answer.status_code == 303
    shown = page(phone.get(answer.headers["Location"]))
    assert "该订单已申请开票，请勿重复提交" in shown and "提交申请" not in shown
    assert [r.buyer_name for r in requests_of()] == ["张三"]


def test_the_database_allows_one_open_request_per_order(world):
    order = cash_sale(world)
    first = ask(order)
    twin = {c.key: getattr(first, c.key) for c in InvoiceRequest.__table__.c if c.key != "id"}
    db.session.add(InvoiceRequest(**twin))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_two_submits_at_once_make_one_request(app, world):
    for _ in range(3):
        order = cash_sale(world)
        order_no, signature = order.order_no, sig(order)
        barrier, outcomes = start_line(2), []

        def submit(
            name, order_no=order_no, signature=signature, barrier=barrier, outcomes=outcomes
        ):
            with app.app_context():
                barrier.wait()
                try:
                    invoices.request_invoice(order_no, signature, buyer(buyer_name=name))
                    outcomes.append("asked")
                except Conflict:
                    outcomes.append("refused")
                finally:
                    db.session.remove()

        run_together(lambda: submit("张三"), lambda: submit("李四"), barrier=barrier)
        assert sorted(outcomes) == ["asked", "refused"]
        assert len(requests_of(order)) == 1


def test_after_a_rejection_the_driver_may_ask_again(world, phone):
    order = cash_sale(world)
    first = ask(order, company(buyer_name="云南某某物流公司"))
    invoices.reject(world.cashier_a, first.id, "单位名称与税号不一致")
    shown = page(phone.get(link(order)))
    assert "已驳回" in shown and "单位名称与税号不一致" in shown and "提交申请" in shown
    assert 'value="云南某某物流公司"' in shown  # the form starts from the buyer as sent
    assert 'value="91530100MA6K0A1B2C"' in shown and "zhangsan@example.com" not in shown
    again = phone.post(link(order), company())
    assert again.status_code == 303
    assert [(r.status, r.buyer_name) for r in requests_of(order)] == [
        ("rejected", "云南某某物流公司"),
        ("requested", "云南某某物流有限公司"),
    ]
    assert "已申请" in page(phone.get(link(order)))


def test_the_form_needs_its_csrf_token(world, phone):
    order = cash_sale(world)
    phone.get(link(order))
    answer = phone.post(link(order), buyer(), csrf=False)
    assert answer.status_code == 400 and "页面已过期，请核对后重新提交" in page(answer)
    assert requests_of() == []
    assert phone.post(link(order), buyer()).status_code == 303  # the page's new token


def test_posting_is_rate_limited_per_address(world, phone):
    order = cash_sale(world)
    phone.get(link(order))
    for _ in range(10):
        assert phone.post(link(order), buyer(email="")).status_code == 400
    answer = phone.post(link(order), buyer())
    assert answer.status_code == 429 and "提交过于频繁" in page(answer)
    assert requests_of() == []


def test_the_page_sends_no_referrer_and_is_not_kept(world, phone):
    order = cash_sale(world)
    answer = phone.get(link(order))
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


def test_an_issued_invoice_shows_its_number(world, phone):
    order = cash_sale(world)
    made = ask(order)
    day = to_local(order.settled_at).date()
    invoices.mark_issued(world.cashier_a, made.id, "25532000000012345678", day)
    shown = page(phone.get(link(order)))
    assert "已开具" in shown and "25532000000012345678" in shown and "提交申请" not in shown

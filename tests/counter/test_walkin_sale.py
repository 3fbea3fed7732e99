"""收银 (walk-in sales) through the service: each payment method on its accounts, the member
price by member code, the pump's rounding, refusals that save nothing, one sale per form."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, CounterSale, Member, Order, Wallet
from app.services.catalogue import nozzles
from app.services.counter import sale_quote, walkin_sale
from app.services.counter.walkin_sale import Payment
from app.services.platform.errors import Invalid, PermissionDenied
from tests.counter.helpers import code_for, legs, member_with_wallet, order_of, saved, sell
from tests.money.tier_helpers import add_tier

pytestmark = pytest.mark.travel(hour=10)  # 10:00 in Shanghai, the clock stopped


def test_a_cash_sale_records_the_change_and_fills_the_drawer(world):
    # 92# at 7.68 元/L (list price: no member), 30.00 L on the pump: 230.40 元; 300 元 given.
    sale = sell(world, Payment("cash", received_fen=30_000), litres=30_000)
    order = order_of(sale)
    assert (order.amount_fen, order.dispensed_ml, order.unit_price_fen) == (23_040, 30_000, 768)
    assert (order.channel, order.status, order.payment_method) == ("counter", "settled", "cash")
    assert order.member_id is None and order.paid_fen == order.dispensed_fen == 23_040
    assert (sale.received_fen, sale.change_fen, sale.cashier_id) == (
        30_000,
        6_960,
        world.cashier_a.id,
    )
    assert legs(order) == {"cash_drawer": 23_040, "fuel_revenue": -23_040}
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "order.counter_sale"))
    assert entry.entity_id == order.id and entry.after["change_fen"] == 6_960


def test_a_bank_card_sale_goes_to_card_clearing(world):
    # 200 元 on the pump at nozzle 2 (95#, 8.21 元/L): 20000 / 821 = 24.3605 -> 24.36 L.
    sale = sell(world, Payment("pos", reference=" 6217 "), nozzle=2, amount=20_000)
    order = order_of(sale)
    assert (order.amount_fen, order.dispensed_ml, order.mode) == (20_000, 24_360, "amount")
    assert (sale.reference, sale.received_fen, sale.change_fen) == ("6217", None, None)
    assert legs(order) == {"card_clearing": 20_000, "fuel_revenue": -20_000}


def test_a_wallet_app_paid_on_the_stations_terminal_goes_to_terminal_clearing(world):
    payment = Payment("terminal", reference="2026113022001400001234", terminal_app="alipay")
    sale = sell(world, payment, litres=10_000)
    order = order_of(sale)
    assert (sale.method, sale.terminal_app, order.amount_fen) == ("terminal", "alipay", 7_680)
    assert legs(order) == {"terminal_clearing": 7_680, "fuel_revenue": -7_680}


def test_the_member_wallet_by_member_code_at_the_member_and_tier_price(world):
    member = member_with_wallet(world, principal_fen=20_000, bonus_fen=15_000)
    gold = add_tier(world, "金卡", 1, {"92": 10})
    db.session.execute(Member.__table__.update().values(tier_id=gold.id))
    db.session.commit()
    code = code_for(member)
    # 92#: member price 7.48 less the tier's 0.10 = 7.38 元/L; 40.00 L -> 295.20 元.
    sale = sell(world, Payment("wallet", code=code), litres=40_000)
    order = order_of(sale)
    assert (order.member_id, order.unit_price_fen, order.amount_fen) == (member.id, 738, 29_520)
    assert order.member_price_applied and (order.tier_id, order.tier_cut_fen) == (gold.id, 10)
    # Principal first: 200 元 of principal, 95.20 元 of bonus; 307.20 at list, 12 元 cut.
    assert order.bonus_paid_fen == 9_520
    assert legs(order) == {
        "member_wallet": 20_000,
        "member_bonus": 9_520,
        "promotion_expense": 1_200,
        "fuel_revenue": -30_720,
    }
    wallet = db.session.scalar(select(Wallet).where(Wallet.member_id == member.id))
    assert (wallet.principal_fen, wallet.bonus_fen) == (0, 5_480)
    with pytest.raises(Invalid) as refused:  # the code was used up by the sale
        sell(world, Payment("wallet", code=code), litres=1_000)
    assert "会员码无效或已失效" in refused.value.fields["code"]


def test_a_member_code_gives_the_member_price_when_paying_cash(world):
    member = member_with_wallet(world)
    # 92# member price 7.48, 20.00 L -> 149.60 元; at list 153.60: 4 元 promotion.
    sale = sell(world, Payment("cash", received_fen=15_000, code=code_for(member)), litres=20_000)
    order = order_of(sale)
    assert (order.member_id, order.amount_fen, sale.change_fen) == (member.id, 14_960, 40)
    assert legs(order) == {"cash_drawer": 14_960, "promotion_expense": 400, "fuel_revenue": -15_360}


@pytest.mark.parametrize(
    ("nozzle", "litres_ml", "amount_fen", "expected"),
    [
        (4, 30_100, None, (22_425, 30_100)),  # 0#: 30.10 L x 7.45 = 224.245 -> 224.25 (half-up)
        (1, 25_370, None, (19_484, 25_370)),  # 92#: 25.37 L x 7.68 = 194.8416 -> 194.84
        (1, None, 20_064, (20_064, 26_130)),  # 92#: 200.64 / 7.68 = 26.125 L -> 26.13 L
        (1, None, 20_000, (20_000, 26_040)),  # 92#: 200.00 / 7.68 = 26.0416 L -> 26.04 L
    ],
)
def test_the_pump_rounding_half_up(world, nozzle, litres_ml, amount_fen, expected):
    payment = Payment("pos", reference="0001")
    order = order_of(sell(world, payment, nozzle=nozzle, litres=litres_ml, amount=amount_fen))
    assert (order.amount_fen, order.dispensed_ml) == expected


def test_the_member_price_rounds_half_up_too(world):
    member = member_with_wallet(world)
    # 0# member price 7.25: 20.02 L x 7.25 = 145.145 -> 145.15.
    sale = sell(world, Payment("wallet", code=code_for(member)), nozzle=4, litres=20_020)
    assert order_of(sale).amount_fen == 14_515


def test_parsing_the_litres_on_the_pump():
    assert sale_quote.parse_litres(" 30.1 ") == 30_100
    assert sale_quote.parse_litres("") is None
    for wrong in ("30.125", "abc", "-1", "0"):
        with pytest.raises(Invalid) as refused:
            sale_quote.parse_litres(wrong)
        assert "升" in refused.value.fields["litres"]


@pytest.mark.parametrize(
    ("payment", "nozzle", "field", "words"),
    [
        (Payment("cash", received_fen=20_000), 1, "received", "实收现金不足"),
        (Payment("cash", received_fen=30_000), 9, "nozzle", "本站没有9号枪"),
        (Payment("pos"), 1, "reference", "参考号"),
        (Payment("terminal", reference="T1"), 1, "terminal_app", "微信或支付宝"),
        (Payment("wallet"), 1, "code", "会员码"),
        (Payment("cheque"), 1, "method", "付款方式"),
    ],
)
def test_refusals_name_the_field_and_save_nothing(world, payment, nozzle, field, words):
    with pytest.raises(Invalid) as refused:
        sell(world, payment, nozzle=nozzle, litres=30_000)
    assert words in refused.value.fields[field]
    assert saved() == (0, 0, 0)


def test_a_disabled_nozzle_is_refused(world):
    nozzle = next(n for n in nozzles.list_nozzles(world.station_a.id) if n.number == 3)
    nozzles.update_nozzle(world.manager_a, world.station_a.id, nozzle.id, 3, nozzle.fuel_id, False)
    with pytest.raises(Invalid) as refused:
        sell(world, Payment("cash", received_fen=50_000), nozzle=3, litres=30_000)
    assert refused.value.fields == {"nozzle": "3号枪暂停使用"}
    assert saved() == (0, 0, 0)


def test_an_insufficient_wallet_pays_nothing_and_keeps_the_code(world):
    member = member_with_wallet(world, principal_fen=5_000, bonus_fen=1_000)
    code = code_for(member)
    with pytest.raises(Invalid) as refused:
        sell(world, Payment("wallet", code=code), litres=30_000)  # 224.40 元 > 60 元
    assert "会员钱包余额不足" in refused.value.fields["method"]
    counts = saved()
    assert counts[:2] == (0, 0)
    wallet = db.session.scalar(select(Wallet).where(Wallet.member_id == member.id))
    assert wallet.balance_fen == 6_000
    sale = sell(world, Payment("wallet", code=code), litres=5_000)  # the code still works
    assert order_of(sale).member_id == member.id


def test_the_same_form_sent_twice_records_one_sale(world):
    key = walkin_sale.new_sale_key()
    first = sell(world, Payment("cash", received_fen=30_000), litres=30_000, key=key)
    again = sell(world, Payment("cash", received_fen=30_000), litres=30_000, key=key)
    assert again.id == first.id and again.order_id == first.order_id
    assert saved()[:2] == (1, 1)
    with pytest.raises(Exception, match="已经提交过"):  # another cashier cannot take it over
        sell(
            world, Payment("cash", received_fen=30_000), litres=30_000, key=key, by=world.manager_a
        )


def test_the_same_member_code_form_sent_twice_records_one_sale(world):
    member = member_with_wallet(world)
    key, code = walkin_sale.new_sale_key(), code_for(member)
    first = sell(world, Payment("wallet", code=code), litres=10_000, key=key)
    again = sell(world, Payment("wallet", code=code), litres=10_000, key=key)
    assert again.order_id == first.order_id
    assert saved()[:2] == (1, 1)


def test_only_the_stations_cashier_and_manager_sell_there(world):
    payment = Payment("cash", received_fen=30_000)
    with pytest.raises(PermissionDenied):
        sell(world, payment, litres=30_000, station=world.station_b)
    for someone in (world.attendant_a, world.admin, world.manager_b):
        with pytest.raises(PermissionDenied):
            sell(world, payment, litres=30_000, by=someone)
    assert order_of(sell(world, payment, litres=30_000, by=world.manager_a)).station_id == (
        world.station_a.id
    )
    assert db.session.scalar(select(CounterSale.cashier_id)) == world.manager_a.id


def test_a_counter_cash_sale_is_refunded_from_the_drawer_never_to_wechat(world):
    from app.models import OutboxJob
    from app.services.payments import refunds

    order = order_of(sell(world, Payment("cash", received_fen=30_000), litres=30_000))
    refund = refunds.refund_order(world.manager_a, order.id, 100, "多收")
    assert (refund.method, refund.status, refund.reference) == ("cash", "SUCCESS", "")
    assert db.session.scalar(select(func.count()).select_from(OutboxJob)) == 0
    assert legs(order)["cash_drawer"] == order.paid_fen - 100
    assert db.session.get(Order, order.id).refunded_fen == 100


@pytest.mark.ledger_tampered
def test_the_ledger_check_sees_counter_money_off_its_sales(world):
    from sqlalchemy import text

    from app.services import ledger

    sale = sell(world, Payment("terminal", reference="W1", terminal_app="wechat"), litres=10_000)
    assert ledger.check() == []
    db.session.execute(
        text("UPDATE counter_sale SET amount_fen = 1 WHERE id = :id"), {"id": sale.id}
    )
    db.session.execute(text("UPDATE fuel_order SET paid_fen = 7000, dispensed_fen = 7000"))
    db.session.commit()
    problems = ledger.check()
    station = world.station_a.id
    assert f"order {sale.order_id}: paid 7000, counter sale 1" in problems
    assert (
        f"terminal_clearing of station {station}: 7680 in the ledger, 7000 from terminal top-ups"
        " and cards sold" in problems
    )

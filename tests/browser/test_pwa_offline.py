"""The handheld offline in Chromium: confirm an order it already received, see 待同步, and the
server applies it exactly once when the network returns; a conflict is shown, never lost."""

from dataclasses import asdict

from playwright.sync_api import expect

from app.extensions import db
from app.models import AuditLog, PickupToken
from app.services.marketing.stacking import CouponRule, coupon_off
from app.services.platform.money import amount_for_volume
from tests.attendant.conftest import paid_order, reload
from tests.browser.pwa import (  # noqa: F401  (fixtures)
    doc_shot,
    key_in,
    open_by_code,
    paid,
    phone_fixture,
    row_of,
    second_phone_fixture,
    sign_in,
)
from tests.factories import make_member
from tests.marketing.checkout_helpers import give
from tests.money.helpers import assert_ledger_ok, credit_wallet, run_jobs


def confirmations_of(order) -> int:
    db.session.expire_all()
    return db.session.query(AuditLog).filter_by(action="order.fueled", entity_id=order.id).count()


def confirm_offline(tab, token: str, litres: str) -> None:
    tab.context.set_offline(True)
    expect(tab.locator("#net")).to_be_visible()
    open_by_code(tab, token)  # matched by its SHA-256 among the orders kept in IndexedDB
    key_in(tab, litres)
    expect(tab.locator("#preview")).to_contain_text("预计")
    tab.get_by_role("button", name="确认加油").click()
    expect(tab.get_by_role("heading", name="已记录，待同步")).to_be_visible()
    tab.get_by_role("button", name="下一单").click()


def test_offline_confirmation_syncs_once_when_the_network_returns(phone, world):
    order, token = paid(world, nozzle=1, mode="amount", amount_fen=20000, plate="云A23456")
    other, _ = paid(world, nozzle=4, fuel="0", mode="fill_up", plate="云AD12345")
    sign_in(phone)
    expect(row_of(phone, order)).to_be_visible()

    confirm_offline(phone, token, "20.05")
    expect(row_of(phone, other)).to_be_visible()  # still there to confirm offline
    queued = phone.locator("#queue li")
    expect(queued).to_have_count(1)
    expect(queued).to_contain_text("待同步")
    expect(queued).to_contain_text("云A23456")
    expect(queued).to_contain_text("预计 ¥149.97")  # 20.05 L at 7.48 元, rounded as the server
    expect(row_of(phone, order)).to_have_count(0)
    doc_shot(phone, "pwa-offline")
    record = phone.evaluate("Jiayou.store.queue().then(q => q[0])")
    assert reload(order).status == "paid"

    phone.context.set_offline(False)
    expect(phone.locator("#queue-box")).to_be_hidden()
    fueled = reload(order)
    assert (fueled.status, fueled.dispensed_ml, fueled.dispensed_fen) == ("fueled", 20050, 14997)
    assert fueled.confirmation_id == record["confirmation_id"]
    assert confirmations_of(order) == 1

    # Sent again (an answer lost on the way): the first result, nothing applied twice.
    again = phone.evaluate(
        """r => fetch('/attendant/api/orders/confirm', {
                method: 'POST',
                headers: {'Content-Type': 'application/json',
                          'X-CSRFToken': Jiayou.session.csrf_token},
                body: JSON.stringify({token: r.token, dispensed_ml: r.dispensed_ml,
                                      confirmation_id: r.confirmation_id}),
            }).then(async a => [a.status, a.headers.get('Idempotent-Replayed'), await a.json()])""",
        record,
    )
    assert again[:2] == [200, "true"] and again[2]["dispensed_fen"] == 14997
    assert confirmations_of(order) == 1
    run_jobs()  # settlement refunds the difference
    assert_ledger_ok()
    assert reload(order).status == "settled"


def test_two_handhelds_the_one_offline_gets_the_conflict_and_keeps_it_until_seen(
    phone, second_phone, world
):
    order, token = paid(world, nozzle=1, mode="amount", amount_fen=20000)
    for tab in (phone, second_phone):
        sign_in(tab)
        expect(row_of(tab, order)).to_be_visible()

    confirm_offline(second_phone, token, "12")
    open_by_code(phone, token)
    key_in(phone, "10")
    phone.get_by_role("button", name="确认加油").click()
    expect(phone.get_by_role("heading", name="加油已确认")).to_be_visible()

    second_phone.context.set_offline(False)
    conflict = second_phone.locator("#queue li.conflict")
    expect(conflict).to_contain_text("冲突")
    expect(conflict).to_contain_text("该二维码已使用")
    expect(conflict).to_contain_text("12.00 升")
    doc_shot(second_phone, "pwa-conflict")
    # Still there after the next sync and a reload: only the attendant clears it.
    second_phone.evaluate("Jiayou.sync()")
    second_phone.reload()
    expect(conflict).to_be_visible()
    second_phone.get_by_role("button", name="知道了").click()
    expect(second_phone.locator("#queue-box")).to_be_hidden()

    fueled = reload(order)
    assert (fueled.status, fueled.dispensed_ml) == ("fueled", 10000)
    assert fueled.fueled_by_id == world.attendant_a.id
    assert confirmations_of(order) == 1
    db.session.expire_all()
    assert db.session.query(PickupToken).filter_by(order_id=order.id).one().used_at is not None
    run_jobs()
    assert_ledger_ok()


def test_offline_an_unknown_code_is_explained(phone, world):
    sign_in(phone)
    phone.context.set_offline(True)
    phone.get_by_label("或手动输入取油码").fill("NOTAKNOWNCODE")
    phone.get_by_role("button", name="查询订单").click()
    expect(phone.locator("#code-error")).to_contain_text("本机没有这个取油码的订单")
    phone.context.set_offline(False)


def test_the_browser_rounds_amounts_as_the_server_does(phone):
    prices = (1, 499, 500, 501, 748, 801, 999, 1234)
    cases = [(p, ml) for p in prices for ml in range(10, 5000, 370)]
    cases += [(748, 20050), (725, 99990), (929, 1), (1000, 500), (3, 500), (7, 1500)]
    phone.goto("/pwa/")
    answers = phone.evaluate("cs => cs.map(([p, ml]) => Jiayou.amountForVolume(p, ml))", cases)
    assert answers == [amount_for_volume(p, ml) for p, ml in cases]


def test_the_browser_takes_a_coupon_off_as_the_server_does(phone):
    rules = [
        CouponRule("amount_off", off_fen=1000, min_spend_fen=10_000),
        CouponRule("amount_off", off_fen=500),
        CouponRule("percent_off", pay_percent=95, max_off_fen=2000, min_spend_fen=10_000),
        CouponRule("percent_off", pay_percent=88, max_off_fen=1),
        CouponRule("per_litre", per_litre_fen=30),
        CouponRule("per_litre", per_litre_fen=333, max_off_fen=700, min_spend_fen=1),
    ]
    cases = [
        (asdict(rule), amount_for_volume(p, ml), ml)
        for rule in rules
        for p in (1, 748, 1999)
        for ml in (10, 990, 13_370, 41_370, 99_990)
    ]
    phone.goto("/pwa/")
    answers = phone.evaluate("cs => cs.map(([r, v, ml]) => Jiayou.couponOff(r, v, ml))", cases)
    assert answers == [coupon_off(CouponRule(**r), v, ml) for r, v, ml in cases]


def test_orders_with_a_coupon_are_confirmed_offline_at_their_price(phone, world):
    member = make_member(world.chain, openid="o-coupon-offline")
    credit_wallet(member, 100_000)
    orders = []
    for amount in (20000, 10000):  # 满100减10: 190.00 and 90.00 元 paid
        coupon = give(world, member)
        how = {"nozzle": 1, "mode": "amount", "amount_fen": amount, "coupon_id": coupon.id}
        orders.append(paid_order(world, member, **how))
    db.session.commit()
    (order, token), (short, short_token) = orders
    assert (order.paid_fen, short.paid_fen) == (19_000, 9_000)
    sign_in(phone)
    expect(row_of(phone, short)).to_be_visible()
    confirm_offline(phone, token, "26.70")  # 199.72 元 of fuel: over 190 元 without the coupon
    expect(phone.locator("#queue li")).to_contain_text("预计 ¥189.72")
    # 99.93 元 of fuel, short of 100: no 满减, but never more than the 90 元 paid.
    confirm_offline(phone, short_token, "13.36")
    expect(phone.locator("#queue li").nth(1)).to_contain_text("预计 ¥90.00")
    phone.context.set_offline(False)
    expect(phone.locator("#queue-box")).to_be_hidden()
    assert (reload(order).dispensed_fen, reload(order).dispensed_coupon_fen) == (18_972, 1_000)
    assert (reload(short).dispensed_fen, reload(short).dispensed_coupon_fen) == (9_000, 993)
    run_jobs()
    assert_ledger_ok()

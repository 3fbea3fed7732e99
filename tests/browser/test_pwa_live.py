"""The handheld's live order list in Chromium: a payment shows up within 2 seconds, a tap opens
the order, a cancelled or fuelled order leaves the list."""

import time

from playwright.sync_api import expect

from app.extensions import db
from app.jsonapi.render import local_iso
from app.models import Member
from app.services import orders, payments
from app.services.payments import cancellation
from tests.attendant.conftest import EVENTS_QUERY, reload
from tests.browser.pwa import (  # noqa: F401  (fixtures)
    assert_touch_targets,
    doc_shot,
    key_in,
    paid,
    phone_fixture,
    row_of,
    sign_in,
)
from tests.factories import make_member, make_staff
from tests.money.helpers import credit_wallet
from tests.timing import statements


def placed(world, openid, **how):
    member = make_member(world.chain, openid=openid)
    credit_wallet(member, 100_000)
    order = orders.place_order(
        member, world.station_a.id, fuel_code=how.pop("fuel", "92"), nozzle_number=1, **how
    )
    db.session.commit()
    return member, order


def test_a_paid_order_appears_within_two_seconds_with_a_beep(phone, world):
    waiting, _ = paid(world, nozzle=2, fuel="95", mode="amount", amount_fen=20000, plate="云AF6789")
    sign_in(phone)
    expect(row_of(phone, waiting)).to_be_visible()
    phone.evaluate(
        """() => {
            window.beeps = 0;
            const start = OscillatorNode.prototype.start;
            OscillatorNode.prototype.start = function (...a) {
                window.beeps++;
                return start.apply(this, a);
            };
        }"""
    )
    member, order = placed(world, "o-live-1", mode="fill_up", plate="云A·12345")
    # Pay while the handheld waits: once its long poll has looked and found nothing new.
    with statements(db.engine, EVENTS_QUERY) as looks:
        looks.wait_beyond(0)
    payments.pay_with_wallet(db.session.get(Member, member.id), order.id)  # commits
    committed = time.monotonic()
    row = row_of(phone, order)
    expect(row).to_be_visible(timeout=2000)
    assert time.monotonic() - committed < 2
    expect(row).to_contain_text("云A12345")
    expect(row).to_contain_text("1 号枪")
    expect(row).to_contain_text("92#汽油")
    expect(row).to_contain_text("加满 上限¥500.00")
    expect(row).to_contain_text(local_iso(reload(order).paid_at)[11:16])  # Beijing time
    expect(phone.locator("#orders-count")).to_have_text("（2）")
    assert phone.evaluate("window.beeps") >= 1
    assert_touch_targets(phone, ".order-row, #home-scan, #code-form button, #logout")
    doc_shot(phone, "pwa-orders")


def test_a_tap_opens_the_order_and_the_drivers_code_unlocks_confirming(phone, world):
    order, token = paid(world, nozzle=1, mode="amount", amount_fen=10000, plate="云b88888")
    sign_in(phone)
    expect(row_of(phone, order)).to_contain_text("云B88888")
    row_of(phone, order).click()
    expect(phone.get_by_role("heading", name="核对订单")).to_be_visible()
    expect(phone.locator("#order-facts")).to_contain_text("1 号枪")
    expect(phone.locator("#order-facts")).to_contain_text("车牌云B88888")
    key_in(phone, "10")
    expect(phone.locator("#preview")).to_contain_text("预计金额 ¥74.80")
    confirm = phone.get_by_role("button", name="确认加油")
    expect(confirm).to_be_disabled()  # not before the driver's code is checked
    phone.get_by_label("或输入取油码").fill("WRONGCODE")
    phone.get_by_role("button", name="核验", exact=True).click()
    expect(phone.locator("#verify-error")).to_contain_text("与该订单不符")
    phone.get_by_label("或输入取油码").fill(token.lower())
    phone.get_by_role("button", name="核验", exact=True).click()
    expect(phone.locator("#verified")).to_be_visible()
    expect(phone.locator("#preview")).to_contain_text("加油金额 ¥74.80")
    confirm.click()
    expect(phone.get_by_role("heading", name="加油已确认")).to_be_visible()
    phone.get_by_role("button", name="下一单").click()
    expect(row_of(phone, order)).to_have_count(0)
    assert reload(order).status == "fueled"


def test_cancelled_and_elsewhere_fuelled_orders_leave_the_list(phone, world):
    member, order = placed(world, "o-live-2", mode="amount", amount_fen=10000)
    payments.pay_with_wallet(db.session.get(Member, member.id), order.id)
    other, _ = paid(world, mode="amount", amount_fen=5000)
    sign_in(phone)
    expect(row_of(phone, order)).to_be_visible()
    expect(row_of(phone, other)).to_contain_text("测试车主")  # no plate: the driver's name
    cancellation.cancel_order(db.session.get(Member, member.id), order.id)
    expect(row_of(phone, order)).to_have_count(0, timeout=2000)
    expect(row_of(phone, other)).to_be_visible()
    expect(phone.locator("#orders-count")).to_have_text("（1）")


def stored_cursor(phone, stored: str) -> int:
    """The live list's cursor once the list has loaded and stored it. A bounded poll: the
    store answers through a promise, which wait_for_function takes as already truthy."""
    for _ in range(200):
        found = phone.evaluate(stored)
        if found is not None:
            return found[0]
        phone.wait_for_timeout(25)
    raise AssertionError("the live list never stored its cursor")


def test_back_online_the_list_catches_up_from_its_cursor(phone, world):
    sign_in(phone)
    expect(phone.locator("#orders-empty")).to_be_visible()
    stored = f"Jiayou.store.cursor({world.station_a.id}).then(c => c === undefined ? null : [c])"
    cursor = stored_cursor(phone, stored)
    phone.context.set_offline(True)
    expect(phone.locator("#net")).to_be_visible()
    order, _ = paid(world, nozzle=1, mode="amount", amount_fen=10000)  # paid meanwhile
    asked = []
    phone.on("request", lambda r: "/attendant/api/stations/" in r.url and asked.append(r.url))
    phone.context.set_offline(False)
    expect(row_of(phone, order)).to_be_visible()
    # Resumed from its cursor (a poll already under way may have brought the payment), not
    # by reloading the whole list.
    assert asked and all("/events?since=" in u for u in asked), asked
    assert int(asked[0].split("since=")[1].split("&")[0]) >= cursor


def test_a_manager_of_two_stations_picks_whose_orders_to_list(phone, world):
    make_staff(world.chain, "manager", [world.station_a, world.station_b], "manager_ab")
    db.session.commit()
    at_a, _ = paid(world, nozzle=1, mode="amount", amount_fen=10000)
    at_b, _ = paid(world, nozzle=1, mode="amount", amount_fen=10000, station=world.station_b)
    sign_in(phone, "manager_ab")
    pick = phone.get_by_label("当前油站")
    expect(pick).to_have_value(str(world.station_b.id))  # DL001 sorts before KM001
    expect(row_of(phone, at_b)).to_be_visible()
    expect(row_of(phone, at_a)).to_have_count(0)
    pick.select_option(label="昆明北京路加油站")
    expect(row_of(phone, at_a)).to_be_visible()
    expect(row_of(phone, at_b)).to_have_count(0)
    assert_touch_targets(phone, "#station-pick")

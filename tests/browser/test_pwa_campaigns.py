"""The handheld's offline estimate with campaigns: the browser takes a campaign on the value and
a coupon after it off as the server does, and an order at a 满减's threshold that the pump
misses is confirmed offline at what was paid, as the server then records it."""

from dataclasses import asdict

from app.extensions import db
from app.services.marketing.stacking import CampaignRule, CouponRule, campaign_off, coupon_off
from app.services.platform.money import amount_for_volume
from tests.attendant.conftest import paid_order, reload
from tests.browser.pwa import phone_fixture, row_of, sign_in  # noqa: F401  (fixtures)
from tests.browser.test_pwa_offline import confirm_offline
from tests.factories import make_member
from tests.marketing.campaign_helpers import active_campaign
from tests.money.helpers import assert_ledger_ok, credit_wallet


def test_the_browser_takes_a_campaign_and_a_coupon_off_as_the_server_does(phone):
    rules = [
        CampaignRule(1, "spend_off", off_fen=1000, threshold_fen=20_000),
        CampaignRule(
            2, "spend_off", off_fen=1000, threshold_fen=20_000, repeating=True, max_off_fen=3000
        ),
        CampaignRule(3, "first_order", off_fen=1500),
        CampaignRule(4, "first_order", per_litre_fen=50, threshold_fen=10_000, max_off_fen=800),
        CampaignRule(5, "spend_off", off_fen=99, threshold_fen=100),
    ]
    coupons = [
        CouponRule("amount_off", off_fen=1000, min_spend_fen=10_000),
        CouponRule("percent_off", pay_percent=95, max_off_fen=2000, min_spend_fen=10_000),
        CouponRule("per_litre", per_litre_fen=30),
    ]
    cases = [
        (asdict(rule), asdict(coupon), amount_for_volume(p, ml), ml)
        for rule in rules
        for coupon in coupons
        for p in (1, 748, 1999)
        for ml in (10, 990, 13_370, 26_730, 41_370, 99_990)
    ]
    phone.goto("/pwa/")
    answers = phone.evaluate(
        """cs => cs.map(([r, c, v, ml]) => {
            const off = Jiayou.campaignOff(r, v, ml);
            return [off, Jiayou.couponOff(c, v, ml, v - off)];
        })""",
        cases,
    )
    expected = []
    for rule, coupon, value, ml in cases:
        off = campaign_off(CampaignRule(**rule), value, ml)
        expected.append([off, coupon_off(CouponRule(**coupon), value, ml, value - off)])
    assert answers == expected


def test_an_order_at_the_threshold_is_confirmed_offline_at_what_was_paid(phone, world):
    active_campaign(world.admin, "spend_off", name="92#满200减10")
    member = make_member(world.chain, openid="o-campaign-offline")
    credit_wallet(member, 100_000)
    order, token = paid_order(world, member, nozzle=1, mode="amount", amount_fen=20_000)
    db.session.commit()
    assert (order.paid_fen, order.campaign_fen) == (19_000, 1_000)
    sign_in(phone)
    row_of(phone, order).wait_for()
    # 26.73 L: 199.94 元 of fuel, under 200: no 满减, but never more than the 190 元 paid.
    confirm_offline(phone, token, "26.73")
    assert "预计 ¥190.00" in phone.locator("#queue li").inner_text()
    phone.context.set_offline(False)
    phone.locator("#queue-box").wait_for(state="hidden")
    fueled = reload(order)
    assert (fueled.dispensed_fen, fueled.dispensed_campaign_fen) == (19_000, 994)
    assert_ledger_ok()

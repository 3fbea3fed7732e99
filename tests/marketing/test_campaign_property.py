"""Properties of the price with campaigns and coupons together (hypothesis): in pure arithmetic,
never less than 1 fen to pay nor more than the list price, no discount negative, each part of
the saving where the precedence puts it, and the pump may dispense exactly what the payment and
the discounts cover, thresholds and all; through the real services on PostgreSQL, the driver
pays exactly the price of the fuel dispensed and the books balance."""

import itertools

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.services.marketing import pump_limit, stacking
from app.services.marketing.campaigns import end_campaign
from app.services.marketing.redeeming import CouponUnusable
from app.services.marketing.stacking import CampaignRule, CouponRule, Placed
from app.services.orders import fueling, quoting
from tests.marketing.campaign_helpers import active_campaign
from tests.marketing.checkout_helpers import fuel, give, paid, settle, wallet, wallet_member
from tests.marketing.test_checkout_property import ORDERS, coupons, prospective
from tests.money.helpers import assert_ledger_ok

DRIVERS = itertools.count()

IDS = st.integers(1, 50)


@st.composite
def campaigns(draw) -> CampaignRule:
    """A campaign's rule as the form allows it: every kind, with and without caps."""
    kind = draw(st.sampled_from(["members_day", "first_order", "spend_off"]))
    stacks = draw(st.booleans())
    if kind == "members_day":
        return CampaignRule(
            draw(IDS), kind, per_litre_fen=draw(st.integers(1, 500)), stacks_with_coupon=stacks
        )
    if kind == "first_order":
        spend = draw(st.one_of(st.just(0), st.integers(1, 50_000)))
        if draw(st.booleans()):
            return CampaignRule(
                draw(IDS),
                kind,
                off_fen=draw(st.integers(1, 10_000)),
                threshold_fen=spend,
                stacks_with_coupon=stacks,
            )
        cap = draw(st.one_of(st.none(), st.integers(1, 10_000)))
        return CampaignRule(
            draw(IDS),
            kind,
            per_litre_fen=draw(st.integers(1, 500)),
            threshold_fen=spend,
            max_off_fen=cap,
            stacks_with_coupon=stacks,
        )
    step = draw(st.integers(100, 100_000))
    off = draw(st.integers(1, step - 1))
    if draw(st.booleans()):
        cap = off * draw(st.integers(1, 20))
        return CampaignRule(
            draw(IDS),
            kind,
            off_fen=off,
            threshold_fen=step,
            repeating=True,
            max_off_fen=cap,
            stacks_with_coupon=stacks,
        )
    return CampaignRule(draw(IDS), kind, off_fen=off, threshold_fen=step, stacks_with_coupon=stacks)


def unique(rules: list[CampaignRule]) -> tuple[CampaignRule, ...]:
    return tuple({rule.id: rule for rule in rules}.values())


@settings(max_examples=3000, deadline=None)
@given(
    how=prospective(),
    found=st.lists(campaigns(), max_size=4).map(unique),
    fields=st.one_of(st.none(), coupons()),
)
def test_to_pay_is_never_below_one_fen_nor_above_the_list_price(how, found, fields):
    coupon = CouponRule(**fields) if fields else None
    bill = stacking.price(how.pop("list_price_fen"), campaigns=found, coupon=coupon, **how)
    assert 1 <= bill.pay_fen <= bill.net_fen <= bill.value_fen <= bill.at_list_fen
    assert bill.unit_price_fen >= 1
    assert min(bill.coupon_fen, bill.campaign_fen, bill.day_fen, bill.day_cut_fen) >= 0
    assert bill.member_saving_fen >= 0
    parts = bill.member_saving_fen + bill.campaign_saving_fen + bill.coupon_fen
    assert bill.saving_fen == bill.at_list_fen - bill.pay_fen == parts
    usable = [c for c in found if coupon is None or c.stacks_with_coupon]
    applied = {bill.day_campaign_id, bill.campaign_id} - {None}
    assert applied <= {c.id for c in usable}  # a coupon leaves out what does not stack
    by_id = {c.id: c for c in found}
    if bill.campaign_id is not None:
        rule = by_id[bill.campaign_id]
        assert not rule.per_litre and bill.campaign_fen > 0
        assert rule.max_off_fen is None or bill.campaign_fen <= rule.max_off_fen
        assert bill.value_fen >= rule.threshold_fen
        # The one taking most off the value: none of the others takes more.
        others = [
            stacking.campaign_off(c, bill.value_fen, bill.volume_ml)
            for c in usable
            if not c.per_litre
        ]
        assert bill.campaign_fen == max(others)
    else:
        assert bill.campaign_fen == 0
    if bill.day_campaign_id is not None:
        cuts = [c.per_litre_fen for c in usable if c.per_litre]
        assert bill.day_cut_fen == min(max(cuts), bill.base_price_fen - bill.tier_cut_fen - 1)
    else:
        assert bill.day_cut_fen == 0 and bill.day_fen == 0
    if coupon is not None and bill.value_fen < coupon.min_spend_fen:
        assert bill.coupon_fen == 0


@st.composite
def placed_orders(draw) -> tuple[Placed, int]:
    """An order as placing keeps it (only the discounts that saved something), and what is
    left of its payment."""
    unit = draw(st.integers(100, 5000))
    extra = draw(st.integers(0, 200))
    value = draw(st.integers(100, 300_000))
    found = draw(st.lists(campaigns(), max_size=3).map(unique))
    fields = draw(st.one_of(st.none(), coupons()))
    coupon = CouponRule(**fields) if fields else None
    bill = stacking.price(
        unit + extra, member_price_fen=unit, amount_fen=value, campaigns=found, coupon=coupon
    )
    by_id = {c.id: c for c in found}
    day = None
    if bill.day_campaign_id is not None:
        day = CampaignRule(bill.day_campaign_id, "members_day", per_litre_fen=bill.day_cut_fen)
    placed = Placed(
        unit + extra,
        bill.unit_price_fen,
        value,
        bill.pay_fen,
        coupon if bill.coupon_fen else None,
        day,
        by_id.get(bill.campaign_id),
    )
    refunded = draw(st.one_of(st.just(0), st.integers(0, bill.pay_fen)))
    return placed, bill.pay_fen - refunded


@settings(max_examples=800, deadline=None)
@given(order=placed_orders(), data=st.data())
def test_the_pump_may_dispense_what_the_payment_and_the_discounts_cover(order, data):
    placed, available = order
    assume(placed.has_discount_on_value)
    most = pump_limit.max_volume_ml(placed, available)

    def pay(volume: int) -> int:
        return stacking.dispensed(placed, volume).pay_fen

    assert most % 10 == 0 and 0 <= most <= stacking.MAX_VOLUME_ML
    if most:
        bill = stacking.dispensed(placed, most)
        assert 1 <= bill.pay_fen <= available
        assert min(bill.coupon_fen, bill.campaign_fen) >= 0
    # No reading above the most fits (where each step costs more: cuts per litre that leave
    # under 1 元/L let a fen of rounding come and go).
    cuts = sum(
        rule.per_litre_fen or 0
        for rule in (placed.coupon, placed.campaign)
        if rule is not None and rule.kind in ("per_litre", "first_order") and not rule.off_fen
    )
    if most < stacking.MAX_VOLUME_ML and placed.unit_price_fen - cuts >= 100:
        assert pay(most + 10) > available
        above = data.draw(st.integers(most // 10 + 1, stacking.MAX_VOLUME_ML // 10)) * 10
        assert pay(above) > available
    # Nothing refunded: every reading worth less than the preset fits. (Past it, a step of a
    # 每满 just above the preset may let more fuel cost less than the few ml before the step:
    # the most is the largest reading that fits, not the end of an unbroken run.)
    short_of_preset = pump_limit.litres_within(placed.unit_price_fen, placed.value_fen - 1)
    upto = min(most, short_of_preset)
    if upto and available == placed.pay_fen:
        volume = data.draw(st.integers(1, upto // 10)) * 10
        bill = stacking.dispensed(placed, volume)
        assert 1 <= bill.pay_fen <= min(available, bill.value_fen)


@st.composite
def campaign_fields(draw) -> dict:
    """A campaign as staff would enter it (within the form's limits)."""
    kind = draw(st.sampled_from(["members_day", "first_order", "spend_off"]))
    fields = {"kind": kind, "stacks_with_coupon": draw(st.booleans())}
    if kind == "members_day":
        return fields | {"per_litre_fen": draw(st.integers(1, 500))}
    if kind == "first_order":
        if draw(st.booleans()):
            off = draw(st.integers(1, 5_000))
            spend = draw(st.one_of(st.just(0), st.integers(off + 1, 50_000)))
            return fields | {"off_fen": off, "threshold_fen": spend}
        cap = draw(st.one_of(st.none(), st.integers(1, 5_000)))
        per_litre = draw(st.integers(1, 500))
        return fields | {"off_fen": None, "per_litre_fen": per_litre, "max_off_fen": cap}
    step = draw(st.integers(100, 50_000))
    off = draw(st.integers(1, min(step - 1, 5_000)))
    if draw(st.booleans()):
        cap = off * draw(st.integers(1, 20))
        return fields | {
            "threshold_fen": step,
            "off_fen": off,
            "repeating": True,
            "max_off_fen": cap,
        }
    return fields | {"threshold_fen": step, "off_fen": off}


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    found=st.lists(campaign_fields(), min_size=1, max_size=3),
    fields=st.one_of(st.none(), coupons(for_template=True)),
    how=ORDERS,
    share=st.integers(1, 100),
)
def test_with_campaigns_the_driver_pays_the_price_and_the_books_balance(
    world, found, fields, how, share
):
    member = wallet_member(world, f"o-campaign-prop-{next(DRIVERS)}", fen=2_000_000)
    made = [active_campaign(world.admin, **f) for f in found]
    try:
        before = wallet(member)
        coupon = give(world, member, **({"off_fen": None} | fields)) if fields else None
        try:
            order = paid(world, member, coupon, **how)
        except CouponUnusable:  # under its minimum spend, or nothing it would save
            assert wallet(member) == before
            return
        placed = quoting.bill_of(order)
        assert 1 <= order.paid_fen == placed.pay_fen <= placed.at_list_fen
        assert before - wallet(member) == order.paid_fen
        most = fueling.max_volume_ml(order)
        if most == 0:
            return
        order = settle(fuel(world, order, max(10, most * share // 100 // 10 * 10)))
        final = quoting.bill_of(order)
        assert 1 <= order.dispensed_fen == final.pay_fen <= final.at_list_fen
        assert final.saving_fen == final.at_list_fen - final.pay_fen
        assert order.paid_fen - order.refunded_fen == order.dispensed_fen
        assert before - wallet(member) == order.dispensed_fen
        assert_ledger_ok()
    finally:
        for campaign in made:
            end_campaign(world.admin, campaign.id)

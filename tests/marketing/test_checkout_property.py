"""Properties of the price over random coupons and random orders (hypothesis): never a negative
amount to pay (at least 1 fen), never more than the list price, the saving is list - to pay;
the pump may dispense exactly what the payment and the coupon cover; and through the real
services on PostgreSQL, the driver's money is conserved after settlement and the books
balance."""

import itertools

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from app.extensions import db
from app.models import Member, Tier, TierFuelCut
from app.services.marketing import pump_limit, stacking
from app.services.marketing.redeeming import CouponUnusable
from app.services.marketing.stacking import CouponRule, Placed
from app.services.members import tiers
from app.services.orders import fueling, quoting
from app.services.platform.money import round_half_up
from tests.marketing.checkout_helpers import fuel, give, paid, settle, wallet, wallet_member
from tests.money.helpers import assert_ledger_ok

DRIVERS = itertools.count()  # a new driver for each example (the database keeps the others)
prices = st.integers(min_value=100, max_value=5000)  # the price sanity band, fen per litre


@st.composite
def coupons(draw, for_template: bool = False) -> dict:
    """A coupon's rule as a template holds it: every kind, with and without caps and minimums."""
    kind = draw(st.sampled_from(["amount_off", "percent_off", "per_litre"]))
    spend = draw(st.one_of(st.just(0), st.integers(1, 300_000)))
    if kind == "amount_off":
        off = draw(st.integers(1, 100_000))
        if for_template and spend and spend <= off:  # the form's rule: 门槛 above the amount
            spend = off + draw(st.integers(1, 50_000))
        return {"kind": kind, "off_fen": off, "min_spend_fen": spend}
    cap = draw(st.integers(1, 100_000))
    if kind == "percent_off":
        low = 10 if for_template else 1
        pay = draw(st.integers(low, 99))
        return {"kind": kind, "pay_percent": pay, "max_off_fen": cap, "min_spend_fen": spend}
    cap = draw(st.one_of(st.none(), st.just(cap)))
    cut = draw(st.integers(1, 500))
    return {"kind": kind, "per_litre_fen": cut, "max_off_fen": cap, "min_spend_fen": spend}


@st.composite
def prospective(draw) -> dict:
    list_price = draw(prices)
    member_price = draw(st.one_of(st.none(), st.integers(100, list_price)))
    how = {"list_price_fen": list_price, "member_price_fen": member_price}
    how["tier_cut_fen"] = draw(st.one_of(st.just(0), st.integers(1, 600)))
    if draw(st.booleans()):
        how["volume_ml"] = draw(st.integers(100, 100_000)) * 10
    else:
        how["amount_fen"] = draw(st.integers(100, 1_000_000))
    return how


def rule_of(fields: dict) -> CouponRule:
    return CouponRule(**fields)


@settings(max_examples=2000, deadline=None)
@given(how=prospective(), fields=coupons())
def test_to_pay_is_never_below_one_fen_nor_above_the_list_price(how, fields):
    rule = rule_of(fields)
    bill = stacking.price(how.pop("list_price_fen"), coupon=rule, **how)
    assert 1 <= bill.pay_fen <= bill.value_fen <= bill.at_list_fen
    assert bill.saving_fen == bill.at_list_fen - bill.pay_fen >= 0
    assert bill.coupon_fen == bill.value_fen - bill.pay_fen >= 0
    if rule.max_off_fen is not None:
        assert bill.coupon_fen <= rule.max_off_fen
    if bill.value_fen < rule.min_spend_fen:
        assert bill.coupon_fen == 0
    if 0 < bill.coupon_fen < bill.value_fen - 1 and bill.coupon_fen != rule.max_off_fen:
        expected = {  # the rule itself, half-up once, where nothing clamped it
            "amount_off": rule.off_fen,
            "percent_off": round_half_up(bill.value_fen * (100 - (rule.pay_percent or 0)), 100),
            "per_litre": round_half_up((rule.per_litre_fen or 0) * bill.volume_ml, 1000),
        }[rule.kind]
        assert bill.coupon_fen == expected
    assert bill.unit_price_fen >= 1 and bill.value_fen >= 1


@settings(max_examples=400, deadline=None)
@given(
    unit=prices,
    extra=st.integers(0, 200),
    value=st.integers(100, 300_000),
    refunded=st.one_of(st.just(0), st.integers(0, 300_000)),
    fields=coupons(),
    data=st.data(),
)
def test_the_pump_may_dispense_exactly_what_the_payment_and_the_coupon_cover(
    unit, extra, value, refunded, fields, data
):
    rule = rule_of(fields)
    bill = stacking.price(unit + extra, member_price_fen=unit, amount_fen=value, coupon=rule)
    assume(bill.coupon_fen > 0)  # an order holds a coupon only where it saves something
    placed = Placed(unit + extra, unit, value, bill.pay_fen, rule)
    available = max(placed.pay_fen - refunded, 0)
    most = pump_limit.max_volume_ml(placed, available)

    def pay(volume: int) -> int:
        return stacking.dispensed(placed, volume).pay_fen

    assert most % 10 == 0 and most >= 0
    if most:
        assert pay(most) <= available
    # Each 10 ml step costs more, unless a per-litre cut leaves under 1 元/L (a fen of rounding
    # then comes and goes): the most is the end of the readings that fit one after another.
    rising = rule.kind != "per_litre" or unit - rule.per_litre_fen >= 100
    if most < stacking.MAX_VOLUME_ML and rising:
        assert pay(most + 10) > available
    if most and available == placed.pay_fen:  # nothing refunded: every reading up to it fits
        volume = data.draw(st.integers(1, most // 10)) * 10
        dispensed = stacking.dispensed(placed, volume)
        assert 1 <= dispensed.pay_fen <= min(available, dispensed.value_fen)


def the_tier(world) -> int:
    """One tier of the chain with a cut on every fuel (the draw sets it), made once."""
    tier_id = db.session.scalar(select(Tier.id).where(Tier.chain_id == world.chain.id))
    if tier_id is None:
        cuts = dict.fromkeys((fuel.id for fuel in world.fuels.values()), 0)
        tier_id = tiers.create_tier(world.admin, "金卡", 10_000_000, cuts).id
    return tier_id


ORDERS = st.one_of(
    st.fixed_dictionaries(
        {"mode": st.just("amount"), "amount_fen": st.integers(100, 150_000)},
    ),
    st.fixed_dictionaries(
        {"mode": st.just("volume"), "amount_fen": st.none(), "volume_ml": st.integers(100, 15_000)}
    ).map(lambda how: how | {"volume_ml": how["volume_ml"] * 10}),
    st.just({"mode": "fill_up", "amount_fen": None}),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@given(
    fields=coupons(for_template=True),
    how=ORDERS,
    fuel_code=st.sampled_from(["92", "95", "98", "0"]),
    tiered=st.booleans(),
    share=st.integers(1, 100),
    data=st.data(),
)
def test_after_settlement_the_driver_paid_exactly_the_price_and_the_books_balance(
    world, fields, how, fuel_code, tiered, share, data
):
    member = wallet_member(world, f"o-prop-{next(DRIVERS)}", fen=2_000_000)
    if tiered:  # the member holds a tier whose cut on this fuel is drawn (up to 5 元/L)
        cut = data.draw(st.integers(0, 500))
        tier_id = the_tier(world)
        fuel_id = world.fuels[fuel_code].id
        db.session.execute(
            update(TierFuelCut)
            .where(TierFuelCut.tier_id == tier_id, TierFuelCut.fuel_id == fuel_id)
            .values(cut_fen=cut)
        )
        db.session.execute(update(Member).where(Member.id == member.id).values(tier_id=tier_id))
        db.session.commit()
    before = wallet(member)
    coupon = give(world, member, **({"off_fen": None} | fields))
    try:
        order = paid(world, member, coupon, fuel_code=fuel_code, **how)
    except CouponUnusable as refused:  # under its minimum spend, or nothing to take off
        assert "满" in refused.message or "无法优惠" in refused.message, refused.message
        assert wallet(member) == before
        assume(False)
    placed = quoting.bill_of(order)  # as shown when placed
    assert 1 <= order.paid_fen == order.amount_fen == placed.pay_fen <= placed.at_list_fen
    assert placed.saving_fen == placed.at_list_fen - placed.pay_fen
    assert before - wallet(member) == order.paid_fen
    most = fueling.max_volume_ml(order)
    if most == 0:
        return  # nothing fits in what was paid: the order can only be cancelled
    order = settle(fuel(world, order, max(10, most * share // 100 // 10 * 10)))
    final = quoting.bill_of(order)  # on the litres dispensed
    assert 1 <= order.dispensed_fen == final.pay_fen <= final.at_list_fen
    assert final.saving_fen == final.at_list_fen - final.pay_fen
    assert order.paid_fen - order.refunded_fen == order.dispensed_fen
    assert before - wallet(member) == order.dispensed_fen  # the driver's money: the price
    assert_ledger_ok()

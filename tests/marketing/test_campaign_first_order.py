"""首单立减: a member's first order gets it once, and the database decides: of two orders placed
at once, one gets it and the other is refused (nothing placed); a placed order holds it, paying
uses it, cancelling gives it back; a member with an order already never gets it."""

from app.services.payments import cancellation
from tests.marketing.campaign_helpers import active_campaign, claims
from tests.marketing.checkout_helpers import fresh, paid, place, wallet, wallet_member
from tests.marketing.test_checkout_races import all_orders, placing, placing_and_paying, race
from tests.money.helpers import assert_ledger_ok


def test_two_first_orders_at_once_one_gets_the_discount(app, world):
    member = wallet_member(world)
    campaign = active_campaign(world.admin, "first_order")  # 首单立减10元
    outcomes = race(app, member.id, [placing(world, None), placing(world, None)])
    placed = all_orders()
    # Both priced it: the second waits for the first's row and is refused (409 price_changed,
    # nothing placed); or, started after the first committed, it never saw it (full price).
    assert sorted(outcomes) in (["conflict", "placed"], ["placed", "placed"])
    assert len(placed) == outcomes.count("placed")
    got = [o for o in placed if o.campaign_id is not None]
    assert [(o.campaign_id, o.campaign_fen, o.amount_fen) for o in got] == [
        (campaign.id, 1_000, 19_000)
    ]
    assert all(o.amount_fen == 20_000 for o in placed if o.campaign_id is None)
    (claim,) = claims()
    assert (claim.member_id, claim.order_id, claim.status) == (member.id, got[0].id, "held")
    assert_ledger_ok()


def test_many_first_orders_placed_and_paid_at_once_pay_the_discount_once(app, world):
    member = wallet_member(world)
    active_campaign(world.admin, "first_order")
    outcomes = race(app, member.id, [placing_and_paying(world, None) for _ in range(6)])
    assert set(outcomes) <= {"conflict", "paid"}
    placed = all_orders()
    assert len(placed) == outcomes.count("paid") >= 1
    assert sorted(o.campaign_fen for o in placed) == [0] * (len(placed) - 1) + [1_000]
    assert all(o.status == "paid" and o.paid_fen == o.amount_fen for o in placed)
    assert wallet(member) == 200_000 - sum(o.paid_fen for o in placed)
    (got,) = [o for o in placed if o.campaign_fen]
    assert [(c.order_id, c.status) for c in claims()] == [(got.id, "used")]
    assert_ledger_ok()


def test_the_discount_is_held_used_and_given_back_with_its_order(world):
    member = wallet_member(world)
    campaign = active_campaign(world.admin, "first_order")
    first = place(world, member)
    assert first.campaign_fen == 1_000
    second = place(world, member)  # the first holds it: this one pays in full
    assert (second.campaign_id, second.amount_fen) == (None, 20_000)
    cancellation.cancel_order(fresh(member), first.id)
    assert claims() == []  # given back
    again = paid(world, member)
    assert (again.campaign_id, again.campaign_fen) == (campaign.id, 1_000)
    assert [(c.order_id, c.status) for c in claims()] == [(again.id, "used")]
    later = place(world, member)  # a member with a paid order is no longer new
    assert later.campaign_id is None
    assert_ledger_ok()


def test_a_member_who_ordered_before_the_campaign_is_not_new(world):
    member = wallet_member(world)
    paid(world, member)
    active_campaign(world.admin, "first_order")
    assert place(world, member).campaign_id is None
    assert_ledger_ok()

"""The segments a push goes to, on visits made through the real order services with the clock
stopped: a tier (and its station's customers), a station's customers of the last 90 days and
the members lapsed 30 days, each boundary to the second; a visit is an order fuelled."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models.base import utcnow
from app.services.marketing import segments
from app.services.marketing.segments import Segment
from tests.factories import make_member
from tests.marketing.push_helpers import driver, make_tier, tier_members, visit
from tests.money.helpers import assert_ledger_ok

pytestmark = pytest.mark.travel(hour=10)
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)


def members_of(segment: Segment) -> list[int]:
    found = segments.member_ids(segment, utcnow())
    ids = list(db.session.scalars(found))
    assert segments.count(segment, utcnow()) == len(ids)
    return sorted(ids)


def test_a_station_s_customers_are_those_fuelled_there_in_the_last_90_days(world, travel):
    start = utcnow()
    now = start + 200 * DAY
    on_the_day, a_second_early = driver(world, "o-day90"), driver(world, "o-early")
    twice, elsewhere = driver(world, "o-twice"), driver(world, "o-dali")
    unfuelled = driver(world, "o-unfuelled")
    travel.move_to(now - 90 * DAY - SECOND)
    visit(world, a_second_early, world.station_a)
    visit(world, twice, world.station_a)
    travel.move_to(now - 90 * DAY)
    visit(world, on_the_day, world.station_a)
    travel.move_to(now - DAY)
    visit(world, twice, world.station_a)
    visit(world, elsewhere, world.station_b)
    visit(world, unfuelled, world.station_a, fuelled=False)  # paid, not fuelled yet
    travel.move_to(now)
    chain = world.chain.id
    assert members_of(Segment("station_recent", chain, station_id=world.station_a.id)) == [
        on_the_day.id,
        twice.id,
    ]
    assert members_of(Segment("station_recent", chain, station_id=world.station_b.id)) == [
        elsewhere.id
    ]
    travel.move_to(now + SECOND)  # a second later the 90th day is over for on_the_day
    assert members_of(Segment("station_recent", chain, station_id=world.station_a.id)) == [twice.id]
    assert_ledger_ok()


def test_lapsed_members_came_before_the_last_30_days_and_not_since(world, travel):
    start = utcnow()
    now = start + 200 * DAY
    lapsed, on_the_day = driver(world, "o-lapsed"), driver(world, "o-day30")
    back_again, moved = driver(world, "o-back"), driver(world, "o-moved")
    make_member(world.chain, "o-never")  # never had an order: not lapsed
    travel.move_to(start + DAY)
    for member in (lapsed, on_the_day, back_again):
        visit(world, member, world.station_a)
    visit(world, moved, world.station_a)
    travel.move_to(now - 30 * DAY - SECOND)
    visit(world, lapsed, world.station_a)  # the last visit, a second before the 30 days
    travel.move_to(now - 30 * DAY)
    visit(world, on_the_day, world.station_a)  # inside the 30 days, at their first second
    travel.move_to(now - DAY)
    visit(world, back_again, world.station_b)
    visit(world, moved, world.station_b)  # left station A for station B
    travel.move_to(now)
    chain = world.chain.id
    assert members_of(Segment("lapsed", chain)) == [lapsed.id]
    assert members_of(Segment("lapsed", chain, station_id=world.station_a.id)) == [
        lapsed.id,
        back_again.id,
        moved.id,
    ]
    assert members_of(Segment("lapsed", chain, station_id=world.station_b.id)) == []
    assert_ledger_ok()


def test_a_tier_is_its_holders_and_with_a_station_only_its_customers(world, travel):
    gold, silver = make_tier(world, "金卡", 2), make_tier(world, "银卡", 1)
    golds = tier_members(world, 3, gold, "o-gold")
    tier_members(world, 2, silver, "o-silver")
    customer = driver(world, "o-gold-customer")
    customer.tier_id = gold.id
    db.session.commit()
    visit(world, customer, world.station_b)
    chain = world.chain.id
    assert members_of(Segment("tier", chain, tier_id=gold.id)) == [*golds, customer.id]
    assert members_of(Segment("tier", chain, tier_id=gold.id, station_id=world.station_b.id)) == [
        customer.id
    ]
    assert members_of(Segment("tier", chain, tier_id=gold.id, station_id=world.station_a.id)) == []
    assert_ledger_ok()

"""Claims racing on PostgreSQL: the database decides the stock and the per-member limit, so 64
concurrent claims of the last coupon give exactly one, and a member limited to 2 who claims 10
times at once gets 2."""

from functools import partial

import pytest

from app.extensions import db
from app.models import Member
from app.services.marketing import claiming
from app.services.marketing.issuing import LimitReached, SoldOut
from tests.factories import make_member
from tests.marketing.helpers import active_template, coupons_of, stock_left
from tests.money.helpers import assert_ledger_ok
from tests.threads import run_together, start_line

RACERS = 64


def race(app, member_ids: list[int], template_id: int) -> list[str]:
    """Every member id claims the template at once; what each got."""
    outcomes, barrier = [], start_line(len(member_ids))

    def attempt(member_id):
        with app.app_context():
            member = db.session.get(Member, member_id)
            db.session.expunge(member)
            db.session.close()  # its connection back to the pool: 64 threads share 15
            barrier.wait()
            try:
                claiming.claim(member, template_id)
                outcomes.append("won")
            except SoldOut:
                outcomes.append("sold out")
            except LimitReached:
                outcomes.append("limit")
            finally:
                db.session.remove()

    run_together(*(partial(attempt, m) for m in member_ids), barrier=barrier)
    return outcomes


def test_64_concurrent_claims_of_the_last_coupon_give_exactly_one(app, world):
    template = active_template(world.admin, stock_total=1)
    members = [make_member(world.chain, f"o-racer-{i}").id for i in range(RACERS)]
    outcomes = race(app, members, template.id)
    assert sorted(outcomes) == ["sold out"] * (RACERS - 1) + ["won"]
    issued = coupons_of()
    assert len(issued) == 1 and issued[0].seq == 1 and issued[0].source == "claim"
    assert stock_left(template.id) == 0
    assert_ledger_ok()


@pytest.mark.parametrize("stock", [500, None], ids=["stock", "unlimited"])
def test_a_member_limited_to_two_claiming_ten_times_at_once_gets_two(app, world, stock):
    template = active_template(world.admin, stock_total=stock, per_member_limit=2)
    member = make_member(world.chain)
    outcomes = race(app, [member.id] * 10, template.id)
    assert sorted(outcomes) == ["limit"] * 8 + ["won"] * 2
    assert [c.seq for c in coupons_of(member.id)] == [1, 2]
    assert stock_left(template.id) == (498 if stock else None)  # the refused took nothing
    assert_ledger_ok()


def test_many_members_racing_for_a_small_stock_take_exactly_the_stock(app, world):
    template = active_template(world.admin, stock_total=5, per_member_limit=3)
    members = [make_member(world.chain, f"o-many-{i}").id for i in range(8)] * 3
    outcomes = race(app, members, template.id)
    assert outcomes.count("won") == 5 and outcomes.count("sold out") == 19
    assert len(coupons_of()) == 5 and stock_left(template.id) == 0

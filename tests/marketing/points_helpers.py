"""Points for tests: rules made by the chain admin, orders settled through the real services,
balances, entries and the points check."""

from sqlalchemy import select

from app.extensions import db
from app.models import PointsEntry, PointsLot
from app.services.marketing.points import catalogue, check, mine, rules
from app.services.marketing.points.catalogue import ItemFields
from tests.money.helpers import assert_ledger_ok

# 1 point per yuan of gasoline, 1 per 2 yuan of diesel (DOMAIN.md's example).
RATES = {"92": (1, 1), "95": (1, 1), "98": (1, 1), "0": (1, 2)}


def make_rule(world, *, basis="yuan", rates=None, tiers=None, **changes):
    """A rule version by the chain admin, in force from now unless told otherwise."""
    values = {
        "basis": basis,
        "daily_cap": None,
        "expiry_months": 12,
        "effective_from": None,
        "effective_until": None,
        "fuel_rates": {
            world.fuels[c].id: rate for c, rate in (RATES if rates is None else rates).items()
        },
        "tier_percents": {tier.id: percent for tier, percent in (tiers or {}).items()},
    }
    return rules.create_version(world.admin, **(values | changes))


def make_item(world, kind="car_wash", **changes):
    values = {
        "kind": kind,
        "name": {"car_wash": "精致洗车一次", "goods": "矿泉水一箱", "coupon": "加油券"}[kind],
        "note": "",
        "points": 100,
        "coupon_template_id": None,
        "stock_total": None,
        "per_member_limit": None,
        "starts_at": None,
        "ends_at": None,
    }
    return catalogue.create_item(world.admin, ItemFields(**(values | changes)))


def balance(member) -> int:
    db.session.expire_all()
    return mine.balance_now(member.id)


def stored_balance(member) -> int:
    db.session.expire_all()
    return mine.account_balance(member.id)


def entries(member) -> list[tuple[str, int, int]]:
    """(kind, delta, balance after) of the member's points ledger, oldest first."""
    db.session.expire_all()
    query = (
        select(PointsEntry.kind, PointsEntry.delta, PointsEntry.balance_after)
        .where(PointsEntry.member_id == member.id)
        .order_by(PointsEntry.id)
    )
    return [tuple(row) for row in db.session.execute(query)]


def lots(member) -> dict[int, int]:
    """year -> points remaining."""
    db.session.expire_all()
    query = select(PointsLot.year, PointsLot.remaining).where(PointsLot.member_id == member.id)
    return dict(db.session.execute(query.order_by(PointsLot.year)).all())


def assert_points_ok() -> None:
    db.session.expire_all()
    problems = check.check()
    assert problems == [], problems


def assert_books_ok() -> None:
    assert_points_ok()
    assert_ledger_ok()

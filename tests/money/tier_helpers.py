"""Helpers for tier tests: tiers made by the chain admin, orders taken to fuelled or settled
through the real services."""

from sqlalchemy import select

from app.extensions import db
from app.models import Member, Order, Tier, TierChange
from app.services import orders, payments
from app.services.members import tiers
from app.services.orders import pickup
from app.services.payments import settlement

# 200 元 paid for 92# at 7.48 元/L (member price), 20.00 L dispensed: 149.60 元 kept.
PAID_FEN, DISPENSED_ML, SPENT_FEN = 20_000, 20_000, 14_960


def add_tier(world, name: str, threshold: int, cuts: dict[str, int] | None = None) -> Tier:
    """A tier made through the service, with cuts by fuel code (fen per litre)."""
    by_fuel = {world.fuels[code].id: cut for code, cut in (cuts or {}).items()}
    return tiers.create_tier(world.admin, name, threshold, by_fuel)


def fueled_order(
    world, member: Member, dispensed_ml: int = DISPENSED_ML, fuel: str = "92", paid=PAID_FEN
):
    """Placed, paid from the wallet and fuelled at station A: only settlement is left."""
    order = orders.place_order(
        member,
        world.station_a.id,
        fuel_code=fuel,
        nozzle_number=None,
        mode="amount",
        amount_fen=paid,
    )
    order = payments.pay_with_wallet(member, order.id)
    return pickup.confirm_fueling(world.attendant_a, pickup.token_for(order), dispensed_ml)


def settled_order(world, member: Member, **how) -> Order:
    order = fueled_order(world, member, **how)
    assert settlement.settle_order(order.id)
    db.session.expire_all()
    return db.session.get(Order, order.id)


def tier_of(member: Member) -> int | None:
    db.session.expire_all()
    return db.session.get(Member, member.id).tier_id


def changes(member: Member) -> list[tuple]:
    """(from, to, metric value, reason) of the member's tier changes, oldest first."""
    db.session.expire_all()
    query = (
        select(
            TierChange.from_tier_id,
            TierChange.to_tier_id,
            TierChange.metric_value,
            TierChange.reason,
        )
        .where(TierChange.member_id == member.id)
        .order_by(TierChange.id)
    )
    return [tuple(row) for row in db.session.execute(query)]

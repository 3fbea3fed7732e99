"""What a driver sees of their tier: where they stand on the chain's ladder, what the next tier
needs, what tiers and member prices have saved them, and how their tier moved."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, cast, func, select

from app.extensions import db
from app.models import Fuel, LedgerEntry, Member, Order, TierChange, TierFuelCut
from app.models.base import utcnow
from app.services.members.tier_status import Ladder, Level, ladder, metric_values

HISTORY_ROWS = 20


@dataclass(frozen=True)
class Cut:
    fuel_code: str
    fuel_name: str
    cut_fen: int


@dataclass(frozen=True)
class Step:
    level: Level
    cuts: tuple[Cut, ...]


@dataclass(frozen=True)
class MemberTier:
    rules: Ladder
    at: datetime
    value: int  # the metric over the window ending at `at`
    current: Step | None
    since: datetime | None  # in the current tier since
    next: Step | None
    missing: int  # what the next tier still needs (0: reached, applied at the next recompute)
    steps: tuple[Step, ...]  # every tier, lowest first
    saving_fen: int  # member prices and tier cuts on settled orders, from the ledger
    tier_saving_fen: int  # of which tier cuts
    history: list[TierChange]


def _steps(rules: Ladder) -> tuple[Step, ...]:
    cuts: dict[int, list[Cut]] = {}
    query = (
        select(TierFuelCut.tier_id, Fuel.code, Fuel.name, TierFuelCut.cut_fen)
        .join(Fuel, Fuel.id == TierFuelCut.fuel_id)
        .where(TierFuelCut.chain_id == rules.chain_id)
        .order_by(Fuel.sort_order, Fuel.id)
    )
    for tier_id, code, name, cut in db.session.execute(query):
        cuts.setdefault(tier_id, []).append(Cut(code, name, cut))
    return tuple(Step(level, tuple(cuts.get(level.id, ()))) for level in rules.levels)


def saving_fen(member_id: int) -> int:
    """What the member saved below list prices on settled orders (member price, tier cut,
    campaigns and coupons): the promotion_expense legs that settlement books per order (list
    price x litres less what was charged)."""
    query = (
        select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
        .join(Order, Order.id == LedgerEntry.order_id)
        .where(Order.member_id == member_id, LedgerEntry.account == "promotion_expense")
    )
    return int(db.session.scalar(query))


def tier_saving_fen(member_id: int) -> int:
    """Of that, what tier cuts saved: the settled litres at the price before the cut, less
    what they cost at the price after it (each to the fen, as the order was priced; a
    campaign's or a coupon's part is not the tier's)."""
    after_cut = Order.unit_price_fen + Order.day_cut_fen  # before a members' day's cut
    before_cut = (
        cast(after_cut + Order.tier_cut_fen, BigInteger) * Order.dispensed_ml + 500
    ) // 1000
    at_unit = (
        Order.dispensed_fen
        + func.coalesce(Order.dispensed_coupon_fen, 0)
        + func.coalesce(Order.dispensed_campaign_fen, 0)
        + func.coalesce(Order.dispensed_day_fen, 0)
    )
    query = select(func.coalesce(func.sum(before_cut - at_unit), 0)).where(
        Order.member_id == member_id, Order.status == "settled", Order.tier_cut_fen > 0
    )
    return int(db.session.scalar(query))


def member_tier(member: Member, at: datetime | None = None) -> MemberTier:
    at = at or utcnow()
    rules = ladder(member.chain_id)
    value = metric_values(rules, [member.id], at).get(member.id, 0)
    steps = _steps(rules)
    by_id = {step.level.id: step for step in steps}
    # What the database holds now, not what the request's member row said when it was read.
    tier_id, since = db.session.execute(
        select(Member.tier_id, Member.tier_since).where(Member.id == member.id)
    ).one()
    upper = rules.above(tier_id)
    history = db.session.scalars(
        select(TierChange)
        .where(TierChange.member_id == member.id)
        .order_by(TierChange.id.desc())
        .limit(HISTORY_ROWS)
    )
    return MemberTier(
        rules=rules,
        at=at,
        value=value,
        current=by_id.get(tier_id),
        since=since if tier_id else None,
        next=by_id.get(upper.id) if upper else None,
        missing=max(upper.threshold - value, 0) if upper else 0,
        steps=steps,
        saving_fen=saving_fen(member.id),
        tier_saving_fen=tier_saving_fen(member.id),
        history=list(history),
    )

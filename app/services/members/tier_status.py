"""A member's tier: the chain's metric over its rolling window, and the recompute that runs after
each settlement, every night and after the chain's tiers change.

The metric counts a member's orders that are settled (status 'settled') with settled_at in the
window (at - tier_window_days, at]: "spend" sums paid_fen - refunded_fen (fen actually kept,
whatever paid it, refunds after settlement deducted), "litres" sums dispensed_ml. An order counts
from the moment it is settled and leaves the window tier_window_days later to the second, so a
member drops a tier when the nightly job finds the orders that earned it gone."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import exists, func, select, update

from app.extensions import db
from app.models import Chain, Member, Order, Tier, TierChange
from app.models.base import utcnow
from app.services.platform import outbox
from app.services.platform.clock import from_local, to_local
from app.services.platform.errors import NotFound
from app.services.platform.unit_of_work import unit_of_work

REASONS = {"settlement": "加油结算", "nightly": "每日复核", "setup": "等级规则调整"}
BATCH = 500  # members looked at per job (one transaction)
NIGHTLY_AT = time(3, 0)  # local time of the nightly recompute


@dataclass(frozen=True)
class Level:
    id: int
    name: str
    rank: int
    threshold: int


@dataclass(frozen=True)
class Ladder:
    """A chain's tiers, lowest rank first, with the metric and window that place members."""

    chain_id: int
    metric: str  # "spend" (fen) or "litres" (ml)
    window_days: int
    levels: tuple[Level, ...]

    def since(self, at: datetime) -> datetime:
        return at - timedelta(days=self.window_days)

    def level_for(self, value: int) -> Level | None:
        """The highest tier whose threshold the value reaches (value == threshold qualifies)."""
        reached = [level for level in self.levels if level.threshold <= value]
        return max(reached, key=lambda level: level.rank) if reached else None

    def by_id(self, tier_id: int | None) -> Level | None:
        return next((level for level in self.levels if level.id == tier_id), None)

    def above(self, tier_id: int | None) -> Level | None:
        """The next tier up from this one (from no tier: the lowest)."""
        current = self.by_id(tier_id)
        higher = [lv for lv in self.levels if current is None or lv.rank > current.rank]
        return min(higher, key=lambda level: level.rank) if higher else None


def _levels(chain_id: int) -> tuple[Level, ...]:
    query = (
        select(Tier.id, Tier.name, Tier.rank, Tier.threshold)
        .where(Tier.chain_id == chain_id)
        .order_by(Tier.rank)
    )
    return tuple(Level(*row) for row in db.session.execute(query))


def ladder(chain_id: int) -> Ladder:
    chain = db.session.execute(
        select(Chain.tier_metric, Chain.tier_window_days).where(Chain.id == chain_id)
    ).first()
    if chain is None:
        raise NotFound("连锁不存在")
    return Ladder(chain_id, chain.tier_metric, chain.tier_window_days, _levels(chain_id))


def _metric_column(metric: str):
    if metric == "litres":
        return func.sum(Order.dispensed_ml)
    return func.sum(Order.paid_fen - Order.refunded_fen)


def metric_values(rules: Ladder, member_ids: list[int], at: datetime) -> dict[int, int]:
    """Each member's metric over the window ending at `at` (members without such orders: 0)."""
    if not member_ids:
        return {}
    query = (
        select(Order.member_id, _metric_column(rules.metric))
        .where(
            Order.member_id.in_(member_ids),
            Order.status == "settled",
            Order.settled_at > rules.since(at),
            Order.settled_at <= at,
        )
        .group_by(Order.member_id)
    )
    return {member_id: int(value or 0) for member_id, value in db.session.execute(query)}


def metric_value(member_id: int, at: datetime | None = None) -> int:
    """A member's metric (fen spent or ml bought) over the chain's window ending at `at`."""
    chain_id = db.session.scalar(select(Member.chain_id).where(Member.id == member_id))
    if chain_id is None:
        raise NotFound("会员不存在")
    return metric_values(ladder(chain_id), [member_id], at or utcnow()).get(member_id, 0)


def recompute_tier(
    member_id: int, reason: str, at: datetime | None = None, chain_id: int | None = None
) -> TierChange | None:
    """Put the member in the tier their metric reaches now; the change, or None if none.

    A helper in the caller's transaction. It locks the member's row first (FOR NO KEY UPDATE,
    which new orders referring to the member do not wait for) and only then sums the orders:
    recomputes of one member run one after the other, each seeing what the earlier ones
    committed, so two at once record one change, and two settlements that only together reach
    a threshold still promote the member. Given the member's chain_id (settlement has it), a
    chain without tiers costs one query and no lock: nobody can hold a tier there."""
    if reason not in REASONS:
        raise ValueError(f"no tier change reason {reason!r}")
    levels = _levels(chain_id) if chain_id is not None else None
    if levels == ():
        return None
    at = at or utcnow()
    row = db.session.execute(
        select(Member.chain_id, Member.tier_id, Chain.tier_metric, Chain.tier_window_days)
        .join(Chain, Chain.id == Member.chain_id)
        .where(Member.id == member_id)
        .with_for_update(of=Member, key_share=True)
    ).first()
    if row is None or (chain_id is not None and row.chain_id != chain_id):
        raise NotFound("会员不存在")
    if levels is None:
        levels = _levels(row.chain_id)
    if not levels and row.tier_id is None:
        return None  # the chain has no tiers: nothing to sum
    rules = Ladder(row.chain_id, row.tier_metric, row.tier_window_days, levels)
    value = metric_values(rules, [member_id], at).get(member_id, 0)
    return place(rules, member_id, row.tier_id, value, reason, at)


def place(
    rules: Ladder, member_id: int, from_id: int | None, value: int, reason: str, at: datetime
) -> TierChange | None:
    """Move a member whose row the caller has locked into the tier `value` reaches on `rules`,
    recording the change; None when the tier stays."""
    target = rules.level_for(value)
    to_id = target.id if target else None
    if to_id == from_id:
        return None
    db.session.execute(
        update(Member)
        .where(Member.id == member_id)
        .values(tier_id=to_id, tier_since=at if to_id else None)
    )
    change = TierChange(
        chain_id=rules.chain_id,
        member_id=member_id,
        from_tier_id=from_id,
        to_tier_id=to_id,
        metric_value=value,
        reason=reason,
        created_at=at,
    )
    db.session.add(change)
    db.session.flush()
    return change


def move_holders(chain_id: int, tier_id: int, at: datetime) -> int:
    """Before a tier is deleted: each member holding it, locked, moves to the tier their metric
    reaches without it (reason 'setup'). Returns how many moved."""
    holders = db.session.scalars(
        select(Member.id)
        .where(Member.chain_id == chain_id, Member.tier_id == tier_id)
        .order_by(Member.id)
        .with_for_update(key_share=True)
    ).all()
    whole = ladder(chain_id)
    rules = Ladder(
        chain_id,
        whole.metric,
        whole.window_days,
        tuple(level for level in whole.levels if level.id != tier_id),
    )
    values = metric_values(rules, list(holders), at)
    for member_id in holders:
        place(rules, member_id, tier_id, values.get(member_id, 0), "setup", at)
    return len(holders)


# --- recomputing a whole chain: nightly, and after its tiers changed ---------------------------


def recompute_batch(chain_id: int, reason: str, after_id: int, at: datetime | None = None):
    """Recompute up to BATCH members of the chain with id > after_id who hold a tier or have an
    order settled in the window, in the caller's transaction. Only members whose tier the
    batch's sums say is wrong are locked and recomputed one by one. Returns (members looked at,
    changes recorded, the last id when more may follow, else None)."""
    at = at or utcnow()
    rules = ladder(chain_id)
    recent = exists().where(
        Order.member_id == Member.id,
        Order.status == "settled",
        Order.settled_at > rules.since(at),
    )
    rows = db.session.execute(
        select(Member.id, Member.tier_id)
        .where(Member.chain_id == chain_id, Member.id > after_id)
        .where(Member.tier_id.is_not(None) | recent)
        .order_by(Member.id)
        .limit(BATCH)
    ).all()
    values = metric_values(rules, [member_id for member_id, _ in rows], at)
    changed = 0
    for member_id, tier_id in rows:
        target = rules.level_for(values.get(member_id, 0))
        if (target.id if target else None) != tier_id and recompute_tier(member_id, reason, at):
            changed += 1
    last = rows[-1][0] if len(rows) == BATCH else None
    return len(rows), changed, last


def enqueue_chain(chain_id: int, reason: str, key: str, run_after: datetime | None = None):
    """Queue the recompute of a whole chain (first batch), in the caller's transaction; one job
    per key."""
    payload = {"chain_id": chain_id, "reason": reason, "after": 0, "key": key}
    outbox.enqueue("tiers_recompute", payload, dedupe_key=f"{key}:0", run_after=run_after)


def run_recompute_job(payload: dict) -> None:
    """Job: one batch of a chain's recompute, then the next batch as a job of its own."""
    _, _, last = recompute_batch(payload["chain_id"], payload["reason"], payload["after"])
    if last is not None:
        key = payload["key"]
        outbox.enqueue("tiers_recompute", {**payload, "after": last}, dedupe_key=f"{key}:{last}")


def run_nightly_job(payload: dict) -> None:
    """Job: each chain with tiers, or with members still holding one, recomputed in batches."""
    holding = exists().where(Member.chain_id == Chain.id, Member.tier_id.is_not(None))
    with_tiers = exists().where(Tier.chain_id == Chain.id)
    chains = db.session.scalars(select(Chain.id).where(with_tiers | holding).order_by(Chain.id))
    for chain_id in chains:
        enqueue_chain(chain_id, "nightly", f"tiers:{payload['day']}:{chain_id}")


def next_nightly_run(now: datetime | None = None) -> datetime:
    """The next NIGHTLY_AT in Shanghai, strictly after now."""
    now = now or utcnow()
    local = to_local(now)
    moment = from_local(datetime.combine(local.date(), NIGHTLY_AT))
    if moment <= now:
        moment = from_local(datetime.combine(local.date() + timedelta(days=1), NIGHTLY_AT))
    return moment


def schedule_nightly(now: datetime | None = None) -> None:
    """Hourly (housekeeping): make sure the next nightly recompute is queued, once per night
    whatever the number of processes (its dedupe key names the night). Nothing while no chain
    has tiers."""
    with unit_of_work():
        if db.session.scalar(select(Tier.id).limit(1)) is None:
            return
        run_at = next_nightly_run(now)
        day = to_local(run_at).date().isoformat()
        outbox.enqueue(
            "tiers_nightly", {"day": day}, dedupe_key=f"tiers-nightly:{day}", run_after=run_at
        )

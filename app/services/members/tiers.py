"""Member tiers of a chain (银卡/金卡/钻石卡): their thresholds, their price cuts per litre per
fuel, and the chain's metric and window. Chain admins change them (audited); managers read.

Ranks follow thresholds (the lowest threshold is rank 1) and are renumbered after each change,
so "the highest tier whose threshold the metric reaches" is also the highest rank reached.
Every change queues a recompute of the chain's members (reason 'setup') a minute later, so a
burst of edits is applied once; the recompute after each settlement and the nightly one live
in tier_status."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.models import TIER_METRICS, Chain, Fuel, Member, Staff, Tier, TierFuelCut
from app.models.base import utcnow
from app.services.members import tier_status
from app.services.platform import audit
from app.services.platform.errors import Invalid, NotFound, PermissionDenied
from app.services.platform.money import fen_to_yuan
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.access import CATALOGUE_ROLES, require_chain_admin

MAX_TIERS = 10
MAX_CUT_FEN = 500  # the table's CHECK: 5 元 per litre at most
MAX_THRESHOLD = {"spend": 1_000_000_000, "litres": 1_000_000_000}  # 1000 万元, 100 万升
WINDOW_RANGE = (30, 730)
UNITS = {"spend": "元", "litres": "升"}


@dataclass
class TierRow:
    tier: Tier
    cuts: dict[int, int]  # fuel_id -> fen per litre (fuels without a cut: absent)
    members: int


@dataclass
class Overview:
    chain: Chain
    fuels: list[Fuel]
    rows: list[TierRow] = field(default_factory=list)
    may_edit: bool = False


def threshold_text(metric: str, value: int) -> str:
    """A threshold as people say it: 5000.00 元, 1200 升 (ml shown in litres)."""
    if metric == "litres":
        litres = Decimal(value) / 1000
        return f"{litres.normalize():f} 升"
    return f"{fen_to_yuan(value)} 元"


def parse_threshold(metric: str, text: str) -> int:
    """A threshold typed in 元 (spend) or 升 (litres, up to 3 decimals) as fen or ml."""
    cleaned = (text or "").strip().replace(",", "").removesuffix(UNITS[metric]).strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("请输入数字，例如 5000") from None
    if not value.is_finite() or value <= 0:
        raise ValueError("门槛应大于 0")
    scaled = value * (100 if metric == "spend" else 1000)
    if scaled != scaled.to_integral_value():
        raise ValueError("金额最多两位小数" if metric == "spend" else "升数最多三位小数")
    if scaled > MAX_THRESHOLD[metric]:
        raise ValueError("门槛太大")
    return int(scaled)


def _chain_fuels(chain_id: int) -> list[Fuel]:
    query = select(Fuel).where(Fuel.chain_id == chain_id).order_by(Fuel.sort_order, Fuel.id)
    return list(db.session.scalars(query))


def overview(actor: Staff) -> Overview:
    """The chain's tiers with their cuts and how many members hold each: managers and chain
    admins see it, only chain admins may change it."""
    if actor.role not in CATALOGUE_ROLES:
        raise PermissionDenied("只有站长和总部管理员可以查看会员等级")
    chain = db.session.get(Chain, actor.chain_id)
    result = Overview(chain, _chain_fuels(chain.id), may_edit=actor.role == "chain_admin")
    tiers = db.session.scalars(select(Tier).where(Tier.chain_id == chain.id).order_by(Tier.rank))
    counts = dict(
        db.session.execute(
            select(Member.tier_id, func.count())
            .where(Member.chain_id == chain.id, Member.tier_id.is_not(None))
            .group_by(Member.tier_id)
        ).all()
    )
    cuts: dict[int, dict[int, int]] = {}
    query = select(TierFuelCut).where(TierFuelCut.chain_id == chain.id)
    for cut in db.session.scalars(query):
        cuts.setdefault(cut.tier_id, {})[cut.fuel_id] = cut.cut_fen
    result.rows = [TierRow(t, cuts.get(t.id, {}), counts.get(t.id, 0)) for t in tiers]
    return result


def get_tier(actor: Staff, tier_id: int) -> Tier:
    if actor.role not in CATALOGUE_ROLES:
        raise PermissionDenied("只有站长和总部管理员可以查看会员等级")
    tier = db.session.get(Tier, tier_id)
    if tier is None or tier.chain_id != actor.chain_id:
        raise NotFound("会员等级不存在")
    return tier


def tier_cuts(tier_id: int) -> dict[int, int]:
    query = select(TierFuelCut.fuel_id, TierFuelCut.cut_fen).where(TierFuelCut.tier_id == tier_id)
    return dict(db.session.execute(query).tuples().all())


def _check(chain: Chain, name, threshold, cuts, tier_id: int | None = None) -> dict:
    """The tier's fields cleaned, or Invalid naming each wrong field."""
    errors = {}
    name = (name or "").strip()
    others = db.session.execute(
        select(Tier.id, Tier.name, Tier.threshold).where(Tier.chain_id == chain.id)
    ).all()
    others = [row for row in others if row.id != tier_id]
    if not name:
        errors["name"] = "请填写等级名称"
    elif len(name) > 20:
        errors["name"] = "等级名称最多 20 个字"
    elif any(row.name == name for row in others):
        errors["name"] = f"已有名为「{name}」的等级"
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold <= 0:
        errors["threshold"] = "门槛应大于 0"
    elif threshold > MAX_THRESHOLD[chain.tier_metric]:
        errors["threshold"] = "门槛太大"
    elif clash := next((row.name for row in others if row.threshold == threshold), None):
        errors["threshold"] = f"门槛与「{clash}」相同，每个等级的门槛应不同"
    fuels = {fuel.id: fuel for fuel in _chain_fuels(chain.id)}
    clean_cuts = {}
    for fuel_id, cut in (cuts or {}).items():
        if fuel_id not in fuels:
            errors[f"cut_{fuel_id}"] = "油品不存在"
        elif not isinstance(cut, int) or not 0 <= cut <= MAX_CUT_FEN:
            errors[f"cut_{fuel_id}"] = f"每升降价应在 0 到 {fen_to_yuan(MAX_CUT_FEN)} 元之间"
        elif cut:
            clean_cuts[fuel_id] = cut
    if tier_id is None and len(others) >= MAX_TIERS:
        errors[""] = f"最多设置 {MAX_TIERS} 个等级"
    if errors:
        raise Invalid(errors)
    return {"name": name, "threshold": threshold, "cuts": clean_cuts}


def _described(chain: Chain, name: str, threshold: int, cuts: dict[int, int]) -> dict:
    """What the audit log keeps of a tier, in words (the metric may change later)."""
    names = {fuel.id: fuel.name for fuel in _chain_fuels(chain.id)}
    return {
        "name": name,
        "threshold": threshold_text(chain.tier_metric, threshold),
        "cuts": [f"{names[f]} {fen_to_yuan(c)} 元/升" for f, c in sorted(cuts.items()) if c],
    }


def _lock_chain(actor: Staff) -> Chain:
    """The actor's chain, its row locked until commit: changes to one chain's tiers run one
    after the other, each validated against what the one before left."""
    require_chain_admin(actor)
    query = select(Chain).where(Chain.id == actor.chain_id).with_for_update(key_share=True)
    return db.session.scalars(query.execution_options(populate_existing=True)).one()


def _set_cuts(chain_id: int, tier_id: int, cuts: dict[int, int]) -> None:
    db.session.execute(delete(TierFuelCut).where(TierFuelCut.tier_id == tier_id))
    for fuel_id, cut in cuts.items():
        db.session.add(
            TierFuelCut(chain_id=chain_id, tier_id=tier_id, fuel_id=fuel_id, cut_fen=cut)
        )


def _renumber(chain_id: int) -> None:
    """Ranks 1..n in the order of the thresholds. Through ranks above any in use first, one
    row at a time, as (chain_id, rank) is unique at every row."""
    db.session.flush()
    query = select(Tier).where(Tier.chain_id == chain_id).order_by(Tier.threshold)
    tiers = list(db.session.scalars(query))
    if [t.rank for t in tiers] == list(range(1, len(tiers) + 1)):
        return
    for offset in (MAX_TIERS + 1, 1):
        for position, tier in enumerate(tiers):
            tier.rank = offset + position
            db.session.flush()


def _recompute_soon(chain_id: int) -> None:
    """The chain's members recomputed a minute from now: edits within that minute share it."""
    minute = utcnow().replace(second=0, microsecond=0)
    key = f"tiers-setup:{chain_id}:{minute:%Y%m%d%H%M}"
    tier_status.enqueue_chain(chain_id, "setup", key, run_after=minute + timedelta(minutes=1))


def _tier_of(chain: Chain, tier_id: int, lock: bool = False) -> Tier:
    tier = db.session.get(Tier, tier_id, populate_existing=True, with_for_update=lock)
    if tier is None or tier.chain_id != chain.id:
        raise NotFound("会员等级不存在")
    return tier


def create_tier(actor: Staff, name: str, threshold: int, cuts: dict[int, int]) -> Tier:
    with unit_of_work(keep_loaded=True):
        chain = _lock_chain(actor)
        fields = _check(chain, name, threshold, cuts)
        tier = Tier(chain_id=chain.id, name=fields["name"], rank=2 * MAX_TIERS, threshold=threshold)
        db.session.add(tier)
        db.session.flush()
        _set_cuts(chain.id, tier.id, fields["cuts"])
        _renumber(chain.id)
        after = _described(chain, fields["name"], threshold, fields["cuts"])
        audit.record(actor, "tier.create", "tier", tier.id, chain_id=chain.id, after=after)
        _recompute_soon(chain.id)
        return tier


def update_tier(actor: Staff, tier_id: int, name: str, threshold: int, cuts: dict[int, int]):
    with unit_of_work(keep_loaded=True):
        chain = _lock_chain(actor)
        tier = _tier_of(chain, tier_id)
        fields = _check(chain, name, threshold, cuts, tier_id=tier.id)
        tier_name = tier.name
        before = _described(chain, tier.name, tier.threshold, tier_cuts(tier.id))
        tier.name, tier.threshold = fields["name"], threshold
        _set_cuts(chain.id, tier.id, fields["cuts"])
        _renumber(chain.id)
        after = _described(chain, fields["name"], threshold, fields["cuts"])
        before, after = audit.changes(before, after)
        if after:
            before["tier"] = tier_name  # named as staff knew it
            audit.record(
                actor, "tier.update", "tier", tier.id, chain_id=chain.id, before=before, after=after
            )
            _recompute_soon(chain.id)
        return tier


def delete_tier(actor: Staff, tier_id: int) -> int:
    """Delete a tier: its members move at once to the tier their metric reaches without it
    (history reason 'setup'); orders placed with it keep their price and note. Returns how
    many members moved."""
    with unit_of_work():
        chain = _lock_chain(actor)
        # Locked: a settlement placing a member in it meanwhile waits, fails on the deleted
        # row and is run again by the outbox, against the tiers left.
        tier = _tier_of(chain, tier_id, lock=True)
        before = _described(chain, tier.name, tier.threshold, tier_cuts(tier.id))
        moved = tier_status.move_holders(chain.id, tier.id, utcnow())
        db.session.execute(delete(TierFuelCut).where(TierFuelCut.tier_id == tier.id))
        db.session.delete(tier)
        _renumber(chain.id)
        before["members"] = moved
        audit.record(actor, "tier.delete", "tier", tier_id, chain_id=chain.id, before=before)
        _recompute_soon(chain.id)
        return moved


def set_rules(
    actor: Staff, metric: str, window_days: int, thresholds: dict[int, int] | None = None
) -> None:
    """The chain's metric and window; thresholds (tier id -> fen or ml) with them, which a new
    metric requires for every tier (a threshold in fen means nothing in ml)."""
    thresholds = thresholds or {}
    with unit_of_work():
        chain = _lock_chain(actor)
        tiers = list(db.session.scalars(select(Tier).where(Tier.chain_id == chain.id)))
        _check_rules(chain, tiers, metric, window_days, thresholds)
        before = _rules(chain, tiers)
        chain.tier_metric, chain.tier_window_days = metric, window_days
        for tier in tiers:
            tier.threshold = thresholds.get(tier.id, tier.threshold)
        _renumber(chain.id)
        before, after = audit.changes(before, _rules(chain, tiers))
        if after:
            audit.record(
                actor,
                "tier.rules",
                "chain",
                chain.id,
                chain_id=chain.id,
                before=before,
                after=after,
            )
            _recompute_soon(chain.id)


def _check_rules(chain: Chain, tiers: list[Tier], metric, window_days, thresholds) -> None:
    errors = {}
    if metric not in TIER_METRICS:
        errors["metric"] = "考核指标应为消费金额或加油升数"
    if not isinstance(window_days, int) or not WINDOW_RANGE[0] <= window_days <= WINDOW_RANGE[1]:
        errors["window_days"] = f"考核周期应为 {WINDOW_RANGE[0]} 到 {WINDOW_RANGE[1]} 天"
    if metric in TIER_METRICS:
        for tier in tiers:
            value = thresholds.get(tier.id)
            if value is None and metric != chain.tier_metric:
                errors[f"threshold_{tier.id}"] = "更换考核指标时，请重新填写每个等级的门槛"
            elif value is not None and not 0 < value <= MAX_THRESHOLD[metric]:
                errors[f"threshold_{tier.id}"] = "门槛应大于 0"
        new = [thresholds.get(t.id, t.threshold) for t in tiers]
        if len(set(new)) != len(new) and not errors:
            errors["thresholds"] = "每个等级的门槛应不同"
    if errors:
        raise Invalid(errors)


def _rules(chain: Chain, tiers: list[Tier]) -> dict:
    rules = {
        "tier_metric": TIER_METRICS[chain.tier_metric],
        "tier_window": f"{chain.tier_window_days} 天",
    }
    for tier in sorted(tiers, key=lambda t: t.threshold):
        rules[tier.name] = threshold_text(chain.tier_metric, tier.threshold)
    return rules


def ensure_default_tiers(chain_id: int) -> None:
    """Demo: 银卡/金卡/钻石卡 on spend over a year, in the caller's transaction."""
    if db.session.scalar(select(Tier.id).where(Tier.chain_id == chain_id).limit(1)):
        return
    fuels = _chain_fuels(chain_id)
    for rank, (name, yuan, cut) in enumerate(
        (("银卡", 2000, 5), ("金卡", 8000, 10), ("钻石卡", 20000, 20)), start=1
    ):
        tier = Tier(chain_id=chain_id, name=name, rank=rank, threshold=yuan * 100)
        db.session.add(tier)
        db.session.flush()
        _set_cuts(chain_id, tier.id, {fuel.id: cut for fuel in fuels})
    db.session.execute(update(Chain).where(Chain.id == chain_id).values(tier_metric="spend"))

"""A chain's points rules (积分规则): versions that are never edited. A change is a new version
with the moment it takes effect (now or later, never before the latest version's start), so the
rule an order earned under can always be read again.

What a version says: the basis (per yuan the driver paid, or per litre dispensed), a rate per
fuel (`points` for every `per_units` yuan or litres; a fuel not listed earns nothing), a
multiplier per tier in percent (not listed: 100), a daily cap per member (optional) and when
the points of a year expire (months after that year ends).

The arithmetic is integer and rounds down, once, at the end (floor):
per yuan:  points = floor(kept_fen x points x percent / (per_units x 100 x 100))
per litre: points = floor(dispensed_ml x points x percent / (per_units x 1000 x 100))
so 149.60 元 of 92# at 1 point per yuan is 149 points, and at 150 % it is 224."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    POINTS_BASES,
    Chain,
    Fuel,
    PointsRule,
    PointsRuleFuel,
    PointsRuleTier,
    Staff,
    Tier,
)
from app.models.base import utcnow
from app.services.platform import audit
from app.services.platform.clock import to_local
from app.services.platform.errors import Invalid, PermissionDenied
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff import access

VIEW_ROLES = access.CATALOGUE_ROLES
MAX_CAP = 1_000_000
# A version may start a little before the moment it is saved (the form was opened a minute ago).
GRACE = timedelta(minutes=5)
UNIT_NAMES = {"yuan": "元", "litre": "升"}


def check_view(actor: Staff) -> None:
    if actor.role not in VIEW_ROLES:
        raise PermissionDenied("只有站长和总部管理员可以查看积分规则")


def earned(basis: str, points: int, per_units: int, percent: int, kept_fen: int, ml: int) -> int:
    """The points an order earns (see the module's docstring: floor, once)."""
    if basis == "yuan":
        return kept_fen * points * percent // (per_units * 100 * 100)
    return ml * points * percent // (per_units * 1000 * 100)


def rule_at(chain_id: int, at: datetime) -> PointsRule | None:
    """The version in force at a moment: the latest started, unless it has ended."""
    latest = db.session.scalar(
        select(PointsRule)
        .where(PointsRule.chain_id == chain_id, PointsRule.effective_from <= at)
        .order_by(PointsRule.effective_from.desc(), PointsRule.version.desc())
        .limit(1)
    )
    if latest is None or (latest.effective_until is not None and latest.effective_until <= at):
        return None
    return latest


def rate_text(basis: str, points: int, per_units: int) -> str:
    unit = UNIT_NAMES[basis]
    each = f"每 {per_units} {unit}" if per_units != 1 else f"每 1 {unit}"
    return f"{each}积 {points} 分"


def expiry_text(months: int) -> str:
    """When the points of a year expire, as drivers read it."""
    years, month = divmod(months, 12)
    if month == 0:
        which = {0: "当年", 1: "次年"}.get(years, f"第 {years + 1} 年")
        return f"每年获得的积分于{which}年底（12 月 31 日 24:00）过期"
    which = "次年" if years == 0 else f"第 {years + 2} 年"
    return f"每年获得的积分于{which} {month} 月底过期"


def percent_text(percent: int) -> str:
    return f"{percent / 100:g} 倍"


@dataclass(frozen=True)
class FuelRate:
    fuel_id: int
    code: str
    name: str
    points: int
    per_units: int
    text: str


@dataclass(frozen=True)
class TierRate:
    tier_id: int | None
    name: str
    percent: int


@dataclass(frozen=True)
class RuleView:
    rule: PointsRule
    fuels: list[FuelRate]
    tiers: list[TierRate]
    state: str  # 生效中, 待生效, 已结束
    created_by: str

    @property
    def basis_name(self) -> str:
        return POINTS_BASES[self.rule.basis]

    @property
    def expiry(self) -> str:
        return expiry_text(self.rule.expiry_months)

    def percent_of(self, tier_id: int | None) -> int:
        return next((t.percent for t in self.tiers if t.tier_id == tier_id), 100)


def tier_percent(rule_id: int, tier_id: int | None) -> int:
    if tier_id is None:
        return 100
    percent = db.session.scalar(
        select(PointsRuleTier.percent).where(
            PointsRuleTier.rule_id == rule_id, PointsRuleTier.tier_id == tier_id
        )
    )
    return 100 if percent is None else percent


def _views(rules: list[PointsRule], now: datetime) -> list[RuleView]:
    ids = [r.id for r in rules] or [-1]
    fuels: dict[int, list[FuelRate]] = {}
    rows = db.session.execute(
        select(PointsRuleFuel, Fuel)
        .join(Fuel, Fuel.id == PointsRuleFuel.fuel_id)
        .where(PointsRuleFuel.rule_id.in_(ids))
        .order_by(Fuel.sort_order, Fuel.id)
    ).all()
    basis = {r.id: r.basis for r in rules}
    for rate, fuel in rows:
        text = rate_text(basis[rate.rule_id], rate.points, rate.per_units)
        fuels.setdefault(rate.rule_id, []).append(
            FuelRate(fuel.id, fuel.code, fuel.name, rate.points, rate.per_units, text)
        )
    tiers: dict[int, list[TierRate]] = {}
    for row in db.session.scalars(
        select(PointsRuleTier).where(PointsRuleTier.rule_id.in_(ids)).order_by(PointsRuleTier.id)
    ):
        tiers.setdefault(row.rule_id, []).append(TierRate(row.tier_id, row.tier_name, row.percent))
    names = dict(
        db.session.execute(
            select(Staff.id, Staff.display_name).where(
                Staff.id.in_({r.created_by_id for r in rules} or {-1})
            )
        ).all()
    )
    current = next((r for r in rules if r.effective_from <= now), None)
    views = []
    for rule in rules:
        if rule.effective_from > now:
            state = "待生效"
        elif rule is current and (rule.effective_until is None or rule.effective_until > now):
            state = "生效中"
        else:
            state = "已结束"
        views.append(
            RuleView(
                rule,
                fuels.get(rule.id, []),
                tiers.get(rule.id, []),
                state,
                names.get(rule.created_by_id, ""),
            )
        )
    return views


def view_at(chain_id: int, at: datetime | None = None) -> RuleView | None:
    """The version in force now (or at a moment), with its rates, for drivers and staff."""
    at = at or utcnow()
    rule = rule_at(chain_id, at)
    return _views([rule], at)[0] if rule else None


def history(actor: Staff) -> list[RuleView]:
    """Every version of the actor's chain, newest first."""
    check_view(actor)
    query = select(PointsRule).where(PointsRule.chain_id == actor.chain_id)
    rules = list(db.session.scalars(query.order_by(PointsRule.version.desc())))
    return _views(rules, utcnow())


def create_version(
    actor: Staff,
    *,
    basis: str,
    daily_cap: int | None,
    expiry_months: int | None,
    effective_from: datetime | None,
    effective_until: datetime | None,
    fuel_rates: dict[int, tuple[int, int]],
    tier_percents: dict[int, int],
    note: str = "",
) -> PointsRule:
    """A new version of the chain's rules (chain admins), in one transaction, audited. Invalid
    names each wrong field: basis, daily_cap, expiry_months, effective_from, effective_until,
    note, fuel_<id>, tier_<id>."""
    access.require_chain_admin(actor)
    with unit_of_work(keep_loaded=True):
        chain = db.session.scalars(
            select(Chain).where(Chain.id == actor.chain_id).with_for_update(key_share=True)
        ).one()  # versions of one chain are numbered one after another
        now = utcnow()
        starts = effective_from or now
        latest = db.session.scalar(
            select(PointsRule)
            .where(PointsRule.chain_id == chain.id)
            .order_by(PointsRule.version.desc())
            .limit(1)
        )
        problems = _check(chain.id, basis, daily_cap, expiry_months, fuel_rates, tier_percents)
        if starts < now - GRACE:
            problems["effective_from"] = "生效时间不能早于现在（过去的规则不能改，请新建版本）"
        elif latest is not None and starts < latest.effective_from:
            since = to_local(latest.effective_from).strftime("%Y-%m-%d %H:%M")
            problems["effective_from"] = f"生效时间不能早于第 {latest.version} 版的 {since}"
        if effective_until is not None and effective_until <= starts:
            problems["effective_until"] = "结束时间应晚于生效时间"
        if len(note or "") > 200:
            problems["note"] = "说明最多 200 个字"
        if problems:
            raise Invalid(problems)
        rule = PointsRule(
            chain_id=chain.id,
            version=(latest.version + 1) if latest else 1,
            basis=basis,
            daily_cap=daily_cap,
            expiry_months=expiry_months,
            effective_from=starts,
            effective_until=effective_until,
            note=(note or "").strip(),
            created_by_id=actor.id,
            created_at=now,
        )
        db.session.add(rule)
        db.session.flush()
        for fuel_id, (points, per_units) in sorted(fuel_rates.items()):
            db.session.add(
                PointsRuleFuel(
                    chain_id=chain.id,
                    rule_id=rule.id,
                    fuel_id=fuel_id,
                    points=points,
                    per_units=per_units,
                )
            )
        tiers = _tiers(chain.id)
        for tier_id, percent in sorted(tier_percents.items()):
            if percent != 100:
                db.session.add(
                    PointsRuleTier(
                        chain_id=chain.id,
                        rule_id=rule.id,
                        tier_id=tier_id,
                        tier_name=tiers[tier_id].name,
                        percent=percent,
                    )
                )
        db.session.flush()
        view = _views([rule], now)[0]
        audit.record(
            actor,
            "points_rule.create",
            "points_rule",
            rule.id,
            chain_id=chain.id,
            after={
                "version": rule.version,
                "basis": view.basis_name,
                "rates": "；".join(f"{f.name} {f.text}" for f in view.fuels),
                "tiers": "；".join(f"{t.name} {percent_text(t.percent)}" for t in view.tiers),
                "daily_cap": daily_cap,
                "expiry": view.expiry,
                "effective_from": to_local(starts).strftime("%Y-%m-%d %H:%M"),
            },
        )
        return rule


def chain_tiers(actor: Staff) -> list[Tier]:
    """The chain's tiers, lowest first: the multipliers a new version may set."""
    check_view(actor)
    query = select(Tier).where(Tier.chain_id == actor.chain_id).order_by(Tier.rank)
    return list(db.session.scalars(query))


def _tiers(chain_id: int) -> dict[int, Tier]:
    return {t.id: t for t in db.session.scalars(select(Tier).where(Tier.chain_id == chain_id))}


def _check(chain_id, basis, daily_cap, expiry_months, fuel_rates, tier_percents) -> dict:
    problems = {}
    if basis not in POINTS_BASES:
        problems["basis"] = "请选择按消费金额或按加油升数积分"
    if daily_cap is not None and not 1 <= daily_cap <= MAX_CAP:
        problems["daily_cap"] = f"每日上限应为 1 到 {MAX_CAP} 的整数（不填为不限）"
    if expiry_months is None or not 0 <= expiry_months <= 60:
        problems["expiry_months"] = "过期时间应为 0 到 60 个月"
    fuel_ids = set(db.session.scalars(select(Fuel.id).where(Fuel.chain_id == chain_id)).all())
    for fuel_id, (points, per_units) in fuel_rates.items():
        if fuel_id not in fuel_ids:
            problems["fuel_rates"] = "油品不存在"
        elif not (1 <= points <= 1000 and 1 <= per_units <= 1000):
            problems[f"fuel_{fuel_id}"] = "积分和单位数都应为 1 到 1000 的整数"
    if not fuel_rates and "fuel_rates" not in problems:
        problems["fuel_rates"] = "请至少为一种油品设置积分"
    tiers = _tiers(chain_id)
    for tier_id, percent in tier_percents.items():
        if tier_id not in tiers:
            problems["tier_percents"] = "会员等级不存在"
        elif not 0 <= percent <= 1000:
            problems[f"tier_{tier_id}"] = "倍数应为 0 到 1000 的整数百分比（100 为 1 倍）"
    return problems


def next_version_number(chain_id: int) -> int:
    latest = db.session.scalar(
        select(func.max(PointsRule.version)).where(PointsRule.chain_id == chain_id)
    )
    return (latest or 0) + 1

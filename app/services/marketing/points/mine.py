"""What a driver sees of their points: the balance with the lots that will expire and when, the
rules that earn them, the points ledger (积分流水) page by page, the catalogue as they may
redeem it now, and their redemptions with the codes to show at the counter.

Reads decide by the time: a lot past its expiry counts no more from that instant, whether or
not the hourly job (points.expiry) has expired it yet."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import Member, PointsEntry, PointsItem, PointsLot, PointsRedemption, Station
from app.models.base import utcnow
from app.services.marketing.points import book, redeeming, rules
from app.services.marketing.points.codes import code_of
from app.services.platform.errors import NotFound

INSUFFICIENT = "积分不足"
SOLD_OUT = "已兑完"
LIMIT_REACHED = "已达兑换上限"


@dataclass(frozen=True)
class Lot:
    year: int
    points: int
    expires_at: datetime


@dataclass(frozen=True)
class Summary:
    balance: int
    lots: list[Lot]  # the live ones, soonest to expire first
    rule: rules.RuleView | None
    tier_percent: int  # the member's tier's multiplier under that rule (100: none)


def _live_lots(member_id: int, now: datetime) -> list[Lot]:
    rows = db.session.execute(
        select(PointsLot.year, PointsLot.remaining, PointsLot.expires_at)
        .where(
            PointsLot.member_id == member_id,
            PointsLot.remaining > 0,
            PointsLot.expires_at > now,
        )
        .order_by(PointsLot.expires_at, PointsLot.id)
    ).all()
    return [Lot(*row) for row in rows]


def balance_now(member_id: int, now: datetime | None = None) -> int:
    """The points the member may spend now (lots past their time left out)."""
    return sum(lot.points for lot in _live_lots(member_id, now or utcnow()))


def summary(member: Member) -> Summary:
    now = utcnow()
    lots = _live_lots(member.id, now)
    rule = rules.view_at(member.chain_id, now)
    percent = rule.percent_of(member.tier_id) if rule and member.tier_id else 100
    return Summary(sum(lot.points for lot in lots), lots, rule, percent)


def ledger(member: Member, page: int = 1, per_page: int = 20) -> tuple[list[PointsEntry], int]:
    """A page of the member's points ledger, newest first, and how many lines in all."""
    where = PointsEntry.member_id == member.id
    total = db.session.scalar(select(func.count(PointsEntry.id)).where(where))
    entries = list(
        db.session.scalars(
            select(PointsEntry)
            .where(where)
            .order_by(PointsEntry.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    return entries, total


@dataclass(frozen=True)
class Offer:
    item: PointsItem
    redeemed: int  # times this member has redeemed it
    reason: str | None  # why they may not now; None: they may

    @property
    def may_redeem(self) -> bool:
        return self.reason is None


def offers(member: Member) -> list[Offer]:
    """The items on offer now, cheapest first, each with whether this member may take it."""
    now = utcnow()
    items = list(
        db.session.scalars(
            select(PointsItem)
            .where(PointsItem.chain_id == member.chain_id, *redeeming.open_now(now))
            .order_by(PointsItem.points, PointsItem.id)
        )
    )
    counts = dict(
        db.session.execute(
            select(PointsRedemption.item_id, func.count(PointsRedemption.id))
            .where(
                PointsRedemption.member_id == member.id,
                PointsRedemption.item_id.in_([i.id for i in items] or [-1]),
            )
            .group_by(PointsRedemption.item_id)
        ).all()
    )
    balance = balance_now(member.id, now)
    result = []
    for item in items:
        count = counts.get(item.id, 0)
        reason = None
        if item.per_member_limit is not None and count >= item.per_member_limit:
            reason = LIMIT_REACHED
        elif item.stock_left == 0:
            reason = SOLD_OUT
        elif balance < item.points:
            reason = INSUFFICIENT
        result.append(Offer(item, count, reason))
    return result


@dataclass(frozen=True)
class MyRedemption:
    redemption: PointsRedemption
    code: str | None  # while unused
    station_name: str | None  # where it was verified


def _mine(rows: list[PointsRedemption]) -> list[MyRedemption]:
    station_ids = {r.used_station_id for r in rows if r.used_station_id} or {-1}
    names = dict(
        db.session.execute(
            select(Station.id, Station.name).where(Station.id.in_(station_ids))
        ).all()
    )
    return [MyRedemption(r, code_of(r), names.get(r.used_station_id)) for r in rows]


def redemptions(
    member: Member, page: int = 1, per_page: int = 20
) -> tuple[list[MyRedemption], int]:
    """A page of the member's redemptions, newest first, and how many in all."""
    where = PointsRedemption.member_id == member.id
    total = db.session.scalar(select(func.count(PointsRedemption.id)).where(where))
    rows = list(
        db.session.scalars(
            select(PointsRedemption)
            .where(where)
            .order_by(PointsRedemption.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    return _mine(rows), total


def redemption(member: Member, redemption_id: int) -> MyRedemption:
    found = db.session.get(PointsRedemption, redemption_id, populate_existing=True)
    if found is None or found.member_id != member.id:
        raise NotFound("兑换记录不存在")
    return _mine([found])[0]


def account_balance(member_id: int) -> int:
    """The stored balance (lots due but not yet expired still in it)."""
    return book.balance_of(member_id)

"""A driver exchanges points for an item of the catalogue (积分兑换): one transaction.

Under the member's account lock (book.lock: due lots expired first), the per-member limit is
counted, the points are taken from the lots that expire first by a guarded UPDATE, the item's
stock by another (`stock_left - 1 WHERE stock_left > 0`), and the redemption is made: a fuel
coupon is issued at once (marketing.issue_coupon(member, template, "points")), a car wash or
goods get a code to show at the counter (codes). Two redemptions of the last points at once:
the second waits for the first's lock, then finds the balance short and changes nothing."""

import secrets
from datetime import datetime

from sqlalchemy import func, or_, select, update

from app.extensions import db
from app.models import CouponTemplate, Member, PointsItem, PointsRedemption
from app.models.base import insert_unless_exists, utcnow
from app.services.marketing import issuing
from app.services.marketing.points import book, codes
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, NotFound
from app.services.platform.unit_of_work import unit_of_work

CODE_TRIES = 5


class InsufficientPoints(Conflict):
    code = "points_insufficient"


class ItemSoldOut(Conflict):
    code = "points_item_sold_out"


class ItemLimitReached(Conflict):
    code = "points_item_limit_reached"


class ItemUnavailable(Conflict):
    code = "points_item_unavailable"


def open_now(now: datetime) -> tuple:
    """An item drivers may redeem now: listed, within its window."""
    return (
        PointsItem.status == "active",
        or_(PointsItem.starts_at.is_(None), PointsItem.starts_at <= now),
        or_(PointsItem.ends_at.is_(None), PointsItem.ends_at > now),
    )


def redeemed_count(member_id: int, item_id: int) -> int:
    return db.session.scalar(
        select(func.count(PointsRedemption.id)).where(
            PointsRedemption.member_id == member_id, PointsRedemption.item_id == item_id
        )
    )


def _check_open(item: PointsItem, now: datetime) -> None:
    if item.status != "active":
        raise ItemUnavailable(f"「{item.name}」已下架")
    if item.starts_at is not None and item.starts_at > now:
        starts = to_local(item.starts_at).strftime("%Y-%m-%d %H:%M")
        raise ItemUnavailable(f"「{item.name}」还未开始兑换，{starts} 开始")
    if item.ends_at is not None and item.ends_at <= now:
        raise ItemUnavailable(f"「{item.name}」已结束兑换")


def redeem(member: Member, item_id: int) -> PointsRedemption:
    """Exchange the member's points for one of the item (see the module's docstring).
    NotFound for no such item of the member's chain; ItemUnavailable when it is not listed or
    outside its window (or its coupon can no longer be issued), ItemLimitReached,
    InsufficientPoints and ItemSoldOut as the database decides. Nothing changes when refused."""
    with unit_of_work(keep_loaded=True):
        item = db.session.get(PointsItem, item_id, populate_existing=True)
        if item is None or item.chain_id != member.chain_id:
            raise NotFound("兑换商品不存在")
        now = utcnow()
        _check_open(item, now)
        balance = book.lock(member.id, member.chain_id, now)
        limit = item.per_member_limit
        if limit is not None and redeemed_count(member.id, item.id) >= limit:
            raise ItemLimitReached(f"「{item.name}」每人限兑 {limit} 次，您已兑换 {limit} 次")
        if balance < item.points:
            raise InsufficientPoints(
                f"积分不足：兑换「{item.name}」需要 {item.points} 积分，您现有 {balance} 积分"
            )
        if item.stock_total is not None:
            taken = db.session.execute(
                update(PointsItem)
                .where(PointsItem.id == item.id, PointsItem.stock_left > 0)
                .values(stock_left=PointsItem.stock_left - 1)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not taken:
                raise ItemSoldOut(f"「{item.name}」已兑完")
        redemption = _make(member, item, now)
        try:
            parts, balance = book.debit(member.id, item.points, now)
        except book.NotEnough:  # the lock makes this the balance read above: a backstop
            raise InsufficientPoints(
                f"积分不足：兑换「{item.name}」需要 {item.points} 积分"
            ) from None
        book.write_entry(
            member.id,
            member.chain_id,
            "redeem",
            -item.points,
            balance,
            parts,
            now,
            redemption_id=redemption.id,
            note=f"兑换「{item.name}」",
        )
        return redemption


def _make(member: Member, item: PointsItem, now: datetime) -> PointsRedemption:
    row = {
        "chain_id": member.chain_id,
        "member_id": member.id,
        "item_id": item.id,
        "item_name": item.name,
        "kind": item.kind,
        "points": item.points,
        "created_at": now,
    }
    if item.kind == "coupon":
        template = db.session.get(CouponTemplate, item.coupon_template_id, populate_existing=True)
        try:
            coupon = issuing.issue_coupon(member, template, "points", now=now)
        except (issuing.Ended, issuing.SoldOut):
            raise ItemUnavailable(f"「{item.name}」的加油券已发完或已停发，暂时不能兑换") from None
        redemption = PointsRedemption(**row, status="issued", coupon_id=coupon.id)
        db.session.add(redemption)
        db.session.flush()
        return redemption
    for _ in range(CODE_TRIES):  # a clash of 12-digit codes within a chain: draw again
        nonce = secrets.token_hex(16)
        values = row | {
            "status": "unused",
            "nonce": nonce,
            "code_hash": codes.hash_code(member.chain_id, codes.derive(nonce)),
        }
        if insert_unless_exists(PointsRedemption, ("chain_id", "code_hash"), values):
            return db.session.scalars(
                select(PointsRedemption).where(
                    PointsRedemption.chain_id == member.chain_id,
                    PointsRedemption.code_hash == values["code_hash"],
                )
            ).one()
    raise RuntimeError("five redemption codes drawn in a row were taken")

"""The redemption catalogue (积分商城) for staff: chain admins list, change and take down items and
manage their stock; station managers see them. Every write is one transaction and audited.

An item's kind (and a fuel coupon's template) is fixed once made: redemptions read them. Its
name, note, points price, per-member limit and window may change; a change applies to the next
redemptions only (each redemption keeps the price and name it was made at). Stock is either
unlimited (chosen when the item is made) or a number that changes by adding or taking away
(`stock_left + n >= 0`, by a guarded UPDATE: redemptions in flight are never taken below zero)."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import (
    ITEM_KINDS,
    ITEM_STATUSES,
    CouponTemplate,
    PointsItem,
    PointsRedemption,
    Staff,
)
from app.models.base import utcnow
from app.services.platform import audit
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff import access

PER_PAGE = 20
EXPORT_BATCH = 500
MAX_POINTS = 10_000_000
MAX_STOCK = 1_000_000


def check_view(actor: Staff) -> None:
    if actor.role not in access.CATALOGUE_ROLES:
        raise PermissionDenied("只有站长和总部管理员可以查看积分商城")


def check_manage(actor: Staff) -> None:
    check_view(actor)
    if actor.role != "chain_admin":
        raise PermissionDenied("只有总部管理员可以管理积分商城")


@dataclass(frozen=True)
class ItemFields:
    """What staff type for an item (the form's values, typed)."""

    kind: str
    name: str
    note: str
    points: int | None
    coupon_template_id: int | None
    stock_total: int | None  # None: unlimited (only when the item is made)
    per_member_limit: int | None
    starts_at: datetime | None
    ends_at: datetime | None


def template_choices(actor: Staff) -> list[tuple[int, str]]:
    """Coupon templates an item may give: the chain's, active ones (a template must be active
    when a driver redeems)."""
    query = select(CouponTemplate.id, CouponTemplate.name).where(
        CouponTemplate.chain_id == actor.chain_id, CouponTemplate.status == "active"
    )
    return [tuple(row) for row in db.session.execute(query.order_by(CouponTemplate.id.desc()))]


def _check(actor: Staff, fields: ItemFields, new: bool) -> dict[str, str]:
    problems = {}
    if new and fields.kind not in ITEM_KINDS:
        problems["kind"] = "请选择兑换类型"
    name = (fields.name or "").strip()
    if not name or len(name) > 40:
        problems["name"] = "请填写名称（最多 40 个字）"
    if len(fields.note or "") > 200:
        problems["note"] = "说明最多 200 个字"
    if fields.points is None or not 1 <= fields.points <= MAX_POINTS:
        problems["points"] = f"所需积分应为 1 到 {MAX_POINTS} 的整数"
    if new and fields.kind == "coupon":
        template = db.session.get(CouponTemplate, fields.coupon_template_id or -1)
        if template is None or template.chain_id != actor.chain_id:
            problems["coupon_template_id"] = "请选择要兑换的加油券"
        elif template.status != "active":
            problems["coupon_template_id"] = "该优惠券未启用，请先启用"
    if new and fields.stock_total is not None and not 1 <= fields.stock_total <= MAX_STOCK:
        problems["stock_total"] = f"库存应为 1 到 {MAX_STOCK} 的整数（不填为不限量）"
    limit = fields.per_member_limit
    if limit is not None and not 1 <= limit <= 99:
        problems["per_member_limit"] = "每人限兑应为 1 到 99 次（不填为不限）"
    if fields.starts_at and fields.ends_at and fields.ends_at <= fields.starts_at:
        problems["ends_at"] = "结束时间应晚于开始时间"
    return problems


def _described(item: PointsItem) -> dict:
    stock = "不限量" if item.stock_total is None else item.stock_left
    return {
        "name": item.name,
        "kind": ITEM_KINDS[item.kind],
        "points": item.points,
        "stock": stock,
        "per_member_limit": item.per_member_limit,
        "window": window_text(item),
    }


def window_text(item: PointsItem) -> str:
    def day(moment):
        return to_local(moment).strftime("%Y-%m-%d %H:%M")

    if item.starts_at is None and item.ends_at is None:
        return "长期"
    if item.ends_at is None:
        return f"{day(item.starts_at)} 起"
    if item.starts_at is None:
        return f"至 {day(item.ends_at)}"
    return f"{day(item.starts_at)} 至 {day(item.ends_at)}"


def get_item(actor: Staff, item_id: int, lock: bool = False) -> PointsItem:
    check_view(actor)
    item = db.session.get(PointsItem, item_id, populate_existing=True, with_for_update=lock)
    if item is None or item.chain_id != actor.chain_id:
        raise NotFound("兑换商品不存在")
    return item


def create_item(actor: Staff, fields: ItemFields) -> PointsItem:
    check_manage(actor)
    with unit_of_work(keep_loaded=True):
        problems = _check(actor, fields, new=True)
        if problems:
            raise Invalid(problems)
        item = PointsItem(
            chain_id=actor.chain_id,
            kind=fields.kind,
            name=fields.name.strip(),
            note=(fields.note or "").strip(),
            points=fields.points,
            coupon_template_id=fields.coupon_template_id if fields.kind == "coupon" else None,
            stock_total=fields.stock_total,
            stock_left=fields.stock_total,
            per_member_limit=fields.per_member_limit,
            starts_at=fields.starts_at,
            ends_at=fields.ends_at,
            status="active",
            created_by_id=actor.id,
            created_at=utcnow(),
        )
        db.session.add(item)
        db.session.flush()
        audit.record(
            actor,
            "points_item.create",
            "points_item",
            item.id,
            chain_id=actor.chain_id,
            after=_described(item),
        )
        return item


def update_item(actor: Staff, item_id: int, fields: ItemFields) -> PointsItem:
    """Name, note, price, limit and window (the kind, template and stock stay)."""
    check_manage(actor)
    with unit_of_work(keep_loaded=True):
        item = get_item(actor, item_id, lock=True)
        problems = _check(actor, fields, new=False)
        if problems:
            raise Invalid(problems)
        before = _described(item)
        item.name, item.note = fields.name.strip(), (fields.note or "").strip()
        item.points, item.per_member_limit = fields.points, fields.per_member_limit
        item.starts_at, item.ends_at = fields.starts_at, fields.ends_at
        db.session.flush()
        old, new = audit.changes(before, _described(item))
        if new:
            audit.record(
                actor,
                "points_item.update",
                "points_item",
                item.id,
                chain_id=actor.chain_id,
                before={"name": before["name"], **old},
                after={"name": item.name, **new},
            )
        return item


def change_stock(actor: Staff, item_id: int, change: int) -> PointsItem:
    """Add to (or, negative, take from) a limited item's stock; never below what is left."""
    check_manage(actor)
    with unit_of_work(keep_loaded=True):
        item = get_item(actor, item_id)
        if item.stock_total is None:
            raise Invalid({"change": "该商品不限量，无需调整库存"})
        if change == 0 or abs(change) > MAX_STOCK:
            raise Invalid({"change": f"请填写调整数量：1 到 {MAX_STOCK}，减少填负数"})
        done = db.session.execute(
            update(PointsItem)
            .where(
                PointsItem.id == item.id,
                PointsItem.stock_left + change >= 0,
                PointsItem.stock_total + change <= MAX_STOCK,
            )
            .values(
                stock_total=PointsItem.stock_total + change,
                stock_left=PointsItem.stock_left + change,
            )
            .returning(PointsItem.stock_left, PointsItem.stock_total)
            .execution_options(synchronize_session=False)
        ).first()
        if done is None:
            db.session.refresh(item)
            raise Invalid({"change": f"剩余库存只有 {item.stock_left}，不能减少 {-change}"})
        db.session.refresh(item)
        audit.record(
            actor,
            "points_item.stock",
            "points_item",
            item.id,
            chain_id=actor.chain_id,
            after={"name": item.name, "change": change, "stock": item.stock_left},
        )
        return item


def set_status(actor: Staff, item_id: int, status: str) -> PointsItem:
    """上架 / 下架: redemptions stop or start again; those made stay as they are."""
    check_manage(actor)
    if status not in ITEM_STATUSES:
        raise Invalid({"status": "请选择上架或下架"})
    with unit_of_work(keep_loaded=True):
        item = get_item(actor, item_id, lock=True)
        if item.status == status:
            raise Conflict(f"「{item.name}」已经是{ITEM_STATUSES[status]}状态")
        if status == "active" and item.kind == "coupon":
            template = db.session.get(CouponTemplate, item.coupon_template_id)
            if template.status != "active":
                raise Conflict(f"「{item.name}」的加油券「{template.name}」未启用，不能上架")
        before = item.status
        item.status = status
        audit.record(
            actor,
            f"points_item.{'activate' if status == 'active' else 'stop'}",
            "points_item",
            item.id,
            chain_id=actor.chain_id,
            before={"name": item.name, "item_status": before},
            after={"name": item.name, "item_status": status},
        )
        return item


@dataclass(frozen=True)
class ItemRow:
    item: PointsItem
    template_name: str | None
    redeemed: int

    @property
    def kind_name(self) -> str:
        return ITEM_KINDS[self.item.kind]

    @property
    def status_name(self) -> str:
        return ITEM_STATUSES[self.item.status]

    @property
    def window(self) -> str:
        return window_text(self.item)


@dataclass(frozen=True)
class ItemPage:
    rows: list[ItemRow]
    number: int
    has_next: bool


def _query(actor: Staff, status: str | None, kind: str | None):
    check_view(actor)
    query = select(PointsItem).where(PointsItem.chain_id == actor.chain_id)
    if status:
        if status not in ITEM_STATUSES:
            raise Invalid({"status": "请选择状态"})
        query = query.where(PointsItem.status == status)
    if kind:
        if kind not in ITEM_KINDS:
            raise Invalid({"kind": "请选择兑换类型"})
        query = query.where(PointsItem.kind == kind)
    return query.order_by(PointsItem.id.desc())


def _rows(items: list[PointsItem]) -> list[ItemRow]:
    ids = [i.id for i in items] or [-1]
    counts = dict(
        db.session.execute(
            select(PointsRedemption.item_id, func.count(PointsRedemption.id))
            .where(PointsRedemption.item_id.in_(ids))
            .group_by(PointsRedemption.item_id)
        ).all()
    )
    template_ids = {i.coupon_template_id for i in items if i.coupon_template_id} or {-1}
    names = dict(
        db.session.execute(
            select(CouponTemplate.id, CouponTemplate.name).where(
                CouponTemplate.id.in_(template_ids)
            )
        ).all()
    )
    return [ItemRow(i, names.get(i.coupon_template_id), counts.get(i.id, 0)) for i in items]


def list_items(actor: Staff, status: str | None, kind: str | None, page: int = 1) -> ItemPage:
    query = _query(actor, status, kind)
    found = list(db.session.scalars(query.offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)))
    return ItemPage(_rows(found[:PER_PAGE]), page, len(found) > PER_PAGE)


def export_rows(
    actor: Staff, status: str | None, kind: str | None, limit: int
) -> Iterator[ItemRow]:
    query = _query(actor, status, kind)
    for start in range(0, limit, EXPORT_BATCH):
        batch = list(
            db.session.scalars(query.offset(start).limit(min(EXPORT_BATCH, limit - start)))
        )
        yield from _rows(batch)
        if len(batch) < EXPORT_BATCH:
            return

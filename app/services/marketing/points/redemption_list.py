"""Redemptions for staff (兑换记录): found by the member's phone, the item, the status and the
station where a code was verified, paged and exported.

A chain admin sees every redemption of the chain; a station manager sees those verified at
their stations (a redemption belongs to no station until a code is used there). Phones are
shown masked by the console."""

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import (
    ITEM_KINDS,
    REDEMPTION_STATUSES,
    Member,
    PointsItem,
    PointsRedemption,
    Staff,
    Station,
)
from app.services.marketing.points.catalogue import check_view
from app.services.platform.errors import Invalid
from app.services.staff import access

PER_PAGE = 20
EXPORT_BATCH = 500
LABELS = {"phone": "手机号", "item_id": "兑换商品", "status": "状态", "station_id": "核销油站"}


@dataclass(frozen=True)
class Filters:
    phone: str | None = None  # 11 digits, or the last 4
    item_id: int | None = None
    status: str | None = None
    station_id: int | None = None


def _id(text: str) -> int | None:
    return int(text) if text.isdigit() and 0 < int(text) < 2**31 else None


def read_filters(args) -> Filters:
    """The filters as typed (a query string); Invalid naming each that is wrong."""
    problems = {}
    phone = (args.get("phone") or "").strip().replace(" ", "").replace("-", "")
    if phone and not (phone.isdigit() and len(phone) in (4, 11)):
        problems["phone"] = "手机号请输入完整的 11 位或后 4 位"
    item = (args.get("item_id") or "").strip()
    if item and _id(item) is None:
        problems["item_id"] = "请选择兑换商品"
    status = (args.get("status") or "").strip()
    if status and status not in REDEMPTION_STATUSES:
        problems["status"] = "请选择状态"
    station = (args.get("station_id") or "").strip()
    if station and _id(station) is None:
        problems["station_id"] = "请选择油站"
    if problems:
        raise Invalid(problems)
    return Filters(phone or None, _id(item), status or None, _id(station))


@dataclass(frozen=True)
class RedemptionRow:
    redemption: PointsRedemption
    member: Member
    station_name: str | None
    verified_by: str | None

    @property
    def kind_name(self) -> str:
        return ITEM_KINDS[self.redemption.kind]

    @property
    def status_name(self) -> str:
        return REDEMPTION_STATUSES[self.redemption.status]


@dataclass(frozen=True)
class RedemptionPage:
    rows: list[RedemptionRow]
    number: int
    has_next: bool


def _query(actor: Staff, f: Filters):
    check_view(actor)
    r = PointsRedemption
    query = (
        select(r, Member).join(Member, Member.id == r.member_id).where(r.chain_id == actor.chain_id)
    )
    if f.station_id is not None:
        stations = access.covered_station_ids(actor, f.station_id, "您不在该油站工作")
        query = query.where(r.used_station_id.in_(stations))
    elif actor.role != "chain_admin":
        query = query.where(r.used_station_id.in_(access.visible_station_ids(actor) or {-1}))
    if f.phone:
        phone = Member.phone == f.phone if len(f.phone) == 11 else Member.phone.like(f"%{f.phone}")
        query = query.where(phone)
    if f.item_id:
        query = query.where(r.item_id == f.item_id)
    if f.status:
        query = query.where(r.status == f.status)
    return query.order_by(r.id.desc())


def _rows(found) -> list[RedemptionRow]:
    station_ids = {r.used_station_id for r, _ in found if r.used_station_id} or {-1}
    staff_ids = {r.used_by_id for r, _ in found if r.used_by_id} or {-1}
    stations = dict(
        db.session.execute(
            select(Station.id, Station.name).where(Station.id.in_(station_ids))
        ).all()
    )
    staff = dict(
        db.session.execute(
            select(Staff.id, Staff.display_name).where(Staff.id.in_(staff_ids))
        ).all()
    )
    return [
        RedemptionRow(r, member, stations.get(r.used_station_id), staff.get(r.used_by_id))
        for r, member in found
    ]


def search(actor: Staff, f: Filters, page: int = 1) -> RedemptionPage:
    query = _query(actor, f).offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)
    found = db.session.execute(query).all()
    return RedemptionPage(_rows(found[:PER_PAGE]), page, len(found) > PER_PAGE)


def export_rows(actor: Staff, f: Filters, limit: int) -> Iterator[RedemptionRow]:
    query = _query(actor, f)
    for start in range(0, limit, EXPORT_BATCH):
        batch = db.session.execute(
            query.offset(start).limit(min(EXPORT_BATCH, limit - start))
        ).all()
        yield from _rows(batch)
        if len(batch) < EXPORT_BATCH:
            return


def item_choices(actor: Staff) -> list[tuple[int, str]]:
    check_view(actor)
    query = select(PointsItem.id, PointsItem.name).where(PointsItem.chain_id == actor.chain_id)
    return [tuple(row) for row in db.session.execute(query.order_by(PointsItem.id.desc()))]

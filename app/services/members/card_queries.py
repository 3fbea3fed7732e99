"""The recharge card lists staff read: batches (paged, with their cards counted by status), one
batch's cards (paged, searched by number, filtered by status) and a batch's cards for export
(never the secrets).

Who sees what: managers see their stations' batches and the chain-wide ones (they sell those
cards too, but only a chain admin manages them); chain admins see all; cashiers sell cards
(recharge_cards.activate_card) and see no batch."""

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select

from app.extensions import db
from app.models import CARD_STATUSES, CardBatch, RechargeCard, Staff, Station
from app.models.base import utcnow
from app.services.members import recharge_cards
from app.services.platform.errors import Invalid, NotFound, PermissionDenied
from app.services.staff import access


@dataclass
class Page:
    items: list
    number: int
    per_page: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.number * self.per_page < self.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass
class BatchView:
    batch: CardBatch
    station_name: str  # "全连锁通用" for a chain-wide batch
    may_manage: bool
    counts: dict[str, int] = field(default_factory=dict)  # status -> cards

    @property
    def sheet_open(self) -> bool:
        """The secret sheet can still be downloaded (by the browser that created the batch)."""
        batch = self.batch
        return (
            batch.secrets_taken_at is None
            and batch.voided_at is None
            and utcnow() <= batch.created_at + recharge_cards.SHEET_WINDOW
        )


@dataclass(frozen=True)
class CardLine:
    """A card as the export and the list show it."""

    card: RechargeCard
    sold_station: str


CHAIN_WIDE = "全连锁通用"


def _require_viewer(actor: Staff) -> None:
    if actor.role not in access.CATALOGUE_ROLES:
        raise PermissionDenied("只有站长和总部管理员可以查看充值卡批次")


def _visible(actor: Staff):
    """The batches this actor may see, as a condition."""
    where = CardBatch.chain_id == actor.chain_id
    if actor.role == "chain_admin":
        return where
    stations = access.visible_station_ids(actor) or {-1}
    return where & or_(CardBatch.station_id.is_(None), CardBatch.station_id.in_(stations))


def _station_names(chain_id: int) -> dict[int | None, str]:
    names = dict(
        db.session.execute(select(Station.id, Station.name).where(Station.chain_id == chain_id))
        .tuples()
        .all()
    )
    return {None: CHAIN_WIDE, **names}


def _may_manage(actor: Staff, batch: CardBatch) -> bool:
    if actor.role == "chain_admin":
        return True
    return batch.station_id is not None and batch.station_id in actor.station_ids


def _counts(batch_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {i: dict.fromkeys(CARD_STATUSES, 0) for i in batch_ids}
    rows = db.session.execute(
        select(RechargeCard.batch_id, RechargeCard.status, func.count())
        .where(RechargeCard.batch_id.in_(batch_ids or [-1]))
        .group_by(RechargeCard.batch_id, RechargeCard.status)
    )
    for batch_id, status, number in rows:
        counts[batch_id][status] = number
    return counts


def batches(actor: Staff, station_id: int | None = None, page: int = 1, per_page: int = 20) -> Page:
    """Newest first; station_id narrows to one station's batches (one the actor manages)."""
    _require_viewer(actor)
    where = _visible(actor)
    if station_id is not None:
        access.station_for_manager(actor, station_id)  # another's station: 403, not an empty list
        where = where & (CardBatch.station_id == station_id)
    total = db.session.scalar(select(func.count()).select_from(CardBatch).where(where))
    rows = list(
        db.session.scalars(
            select(CardBatch)
            .where(where)
            .order_by(CardBatch.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    names, counts = _station_names(actor.chain_id), _counts([b.id for b in rows])
    items = [
        BatchView(b, names.get(b.station_id, ""), _may_manage(actor, b), counts[b.id]) for b in rows
    ]
    return Page(items, page, per_page, total)


def batch(actor: Staff, batch_id: int) -> BatchView:
    """One batch the actor may see, with its cards counted."""
    _require_viewer(actor)
    found = db.session.scalars(
        select(CardBatch).where(CardBatch.id == batch_id, _visible(actor))
    ).one_or_none()
    if found is None:
        other = db.session.get(CardBatch, batch_id)
        if other is not None and other.chain_id == actor.chain_id:
            raise PermissionDenied("该批次属于别的油站")
        raise NotFound("充值卡批次不存在")
    names = _station_names(actor.chain_id)
    view = BatchView(found, names.get(found.station_id, ""), _may_manage(actor, found))
    view.counts = _counts([found.id])[found.id]
    return view


def cards(
    actor: Staff,
    batch_id: int,
    number: str = "",
    status: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[BatchView, Page]:
    """A page of the batch's cards by number; number: any part of it (digits)."""
    view = batch(actor, batch_id)
    digits = re.sub(r"[\s-]", "", number or "")
    if len(digits) > 12 or (digits and not (digits.isascii() and digits.isdigit())):
        raise Invalid({"number": "卡号只含数字，最多 12 位"})
    if status and status not in CARD_STATUSES:
        raise Invalid({"status": "没有这个状态"})
    where = [RechargeCard.batch_id == batch_id]
    if digits:
        where.append(RechargeCard.number.contains(digits, autoescape=True))
    if status:
        where.append(RechargeCard.status == status)
    total = db.session.scalar(select(func.count()).select_from(RechargeCard).where(*where))
    rows = db.session.scalars(
        select(RechargeCard)
        .where(*where)
        .order_by(RechargeCard.number)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    names = _station_names(actor.chain_id)
    items = [CardLine(card, names.get(card.sold_station_id, "")) for card in rows]
    return view, Page(items, page, per_page, total)


def export_lines(actor: Staff, batch_id: int) -> tuple[BatchView, list[CardLine]]:
    """Every card of the batch, by number, for the Excel export (no secrets)."""
    view = batch(actor, batch_id)
    names = _station_names(actor.chain_id)
    rows = db.session.scalars(
        select(RechargeCard).where(RechargeCard.batch_id == batch_id).order_by(RechargeCard.number)
    )
    return view, [CardLine(card, names.get(card.sold_station_id, "")) for card in rows]


def sell_stations(actor: Staff) -> list[Station]:
    """The stations where this staff member may sell cards."""
    if actor.role not in recharge_cards.SELL_ROLES:
        return []
    ids = access.visible_station_ids(actor) or {-1}
    return list(
        db.session.scalars(
            select(Station)
            .where(Station.chain_id == actor.chain_id, Station.id.in_(ids))
            .order_by(Station.code)
        )
    )


def recent_sales(actor: Staff, station_id: int, limit: int = 10) -> list[RechargeCard]:
    """The last cards sold at a station, for the counter page."""
    return list(
        db.session.scalars(
            select(RechargeCard)
            .where(
                RechargeCard.chain_id == actor.chain_id,
                RechargeCard.sold_station_id == station_id,
                RechargeCard.activated_at.is_not(None),
            )
            .order_by(RechargeCard.activated_at.desc())
            .limit(limit)
        )
    )


def expired(card: RechargeCard, now: datetime | None = None) -> bool:
    return card.expires_at <= (now or utcnow())

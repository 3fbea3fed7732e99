"""What staff read of pushes (定向发放): the pushes they may see, newest first, paged and exported,
and one push with its progress.

A chain admin sees every push of the chain; a station manager the pushes limited to their
stations (theirs and head office's to their customers), never the chain-wide ones."""

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    PUSH_STATUSES,
    SKIP_REASONS,
    CouponPush,
    CouponPushRecipient,
    CouponTemplate,
    Staff,
    Station,
    Tier,
)
from app.services.marketing import pushes, templates, terms
from app.services.platform.errors import Invalid, NotFound

PER_PAGE = 20
EXPORT_BATCH = 500
CHAIN_WIDE = "全连锁"
LIVE = ("queued", "running")  # the page polls while the push is one of these


@dataclass(frozen=True)
class PushRow:
    push: CouponPush
    template: CouponTemplate
    station_name: str  # "" for the whole chain
    created_by: str

    @property
    def status_name(self) -> str:
        return PUSH_STATUSES[self.push.status]

    @property
    def segment_text(self) -> str:
        return pushes.describe(self.push, self.station_name)

    @property
    def scope(self) -> str:
        return self.station_name or CHAIN_WIDE

    @property
    def rule(self) -> str:
        return terms.rule_text(self.template)

    @property
    def live(self) -> bool:
        return self.push.status in LIVE

    @property
    def done_count(self) -> int:
        return self.push.issued + self.push.skipped

    @property
    def percent(self) -> int:
        """How far it is, 0 to 100 (a done push is 100, even with no one to send to)."""
        if self.push.status == "done":
            return 100
        if not self.push.targeted:
            return 0
        return self.done_count * 100 // self.push.targeted


@dataclass(frozen=True)
class PushPage:
    rows: list[PushRow]
    number: int
    has_next: bool


def _query(actor: Staff, status: str | None, template_id: int | None):
    query = (
        select(CouponPush, CouponTemplate, Station.name, Staff.display_name)
        .join(CouponTemplate, CouponTemplate.id == CouponPush.template_id)
        .join(Staff, Staff.id == CouponPush.created_by_id)
        .outerjoin(Station, Station.id == CouponPush.station_id)
        .where(*pushes.visible(actor))
    )
    if status:
        query = query.where(CouponPush.status == status)
    if template_id:
        query = query.where(CouponPush.template_id == template_id)
    return query.order_by(CouponPush.id.desc())


def read_filters(args) -> tuple[str | None, int | None]:
    """status and template_id as typed (a query string); Invalid naming each that is wrong."""
    status = (args.get("status") or "").strip() or None
    template = (args.get("template_id") or "").strip() or None
    problems = {}
    if status and status not in PUSH_STATUSES:
        problems["status"] = "请选择状态"
    if template and not (template.isdigit() and 0 < int(template) < 2**31):
        problems["template_id"] = "请选择优惠券"
    if problems:
        raise Invalid(problems)
    return status, int(template) if template else None


def _rows(found) -> list[PushRow]:
    return [PushRow(p, t, station or "", who) for p, t, station, who in found]


def list_pushes(
    actor: Staff,
    status: str | None = None,
    template_id: int | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> PushPage:
    page = max(page, 1)
    query = _query(actor, status, template_id).offset((page - 1) * per_page).limit(per_page + 1)
    found = db.session.execute(query).all()
    return PushPage(_rows(found[:per_page]), page, len(found) > per_page)


def export_rows(
    actor: Staff, status: str | None, template_id: int | None, limit: int
) -> Iterator[PushRow]:
    query = _query(actor, status, template_id)
    done = 0
    while done < limit:
        found = db.session.execute(query.offset(done).limit(min(EXPORT_BATCH, limit - done)))
        rows = found.all()
        yield from _rows(rows)
        done += len(rows)
        if len(rows) < EXPORT_BATCH:
            return


def get_push(actor: Staff, push_id: int) -> PushRow:
    """One push the actor may see (NotFound for another chain's or station's)."""
    found = db.session.execute(_query(actor, None, None).where(CouponPush.id == push_id)).first()
    if found is None:
        raise NotFound("定向发放记录不存在")
    return _rows([found])[0]


def skipped_by_reason(push_id: int) -> list[tuple[str, int]]:
    """The skipped recipients counted by reason, in words, most first."""
    query = (
        select(CouponPushRecipient.reason, func.count())
        .where(CouponPushRecipient.push_id == push_id, CouponPushRecipient.status == "skipped")
        .group_by(CouponPushRecipient.reason)
    )
    counts = db.session.execute(query).all()
    return [(SKIP_REASONS[reason], n) for reason, n in sorted(counts, key=lambda r: -r[1])]


def template_choices(actor: Staff) -> list[tuple[int, str]]:
    """The templates the actor may push now (active, their own to manage), newest first."""
    query = select(CouponTemplate).where(
        *templates.visible_filter(actor), CouponTemplate.status == "active"
    )
    found = db.session.scalars(query.order_by(CouponTemplate.id.desc()))
    return [
        (t.id, f"{t.name}（{terms.rule_text(t)}）")
        for t in found
        if templates.may_manage(actor, t.station_id)
    ]


def tier_choices(actor: Staff) -> list[tuple[int, str]]:
    """The chain's tiers, lowest first."""
    query = select(Tier.id, Tier.name).where(Tier.chain_id == actor.chain_id).order_by(Tier.rank)
    return list(db.session.execute(query).tuples())

"""The staff's list of coupon templates: the ones they see (templates.visible_filter), newest
first, filtered by status and owner, paged, with what each gives in words and how many of its
coupons were issued and used; and the same rows for the Excel export. An active template whose
fixed validity is over reads 已结束: nothing of it can be issued or used any more."""

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import TEMPLATE_STATUSES, Coupon, CouponTemplate, Staff, Station
from app.models.base import utcnow
from app.services.marketing import templates, terms
from app.services.platform.errors import Invalid

PER_PAGE = 20
EXPORT_BATCH = 500
CHAIN_OWNER = "chain"  # the owner filter's value for the chain's own templates
ENDED = "已结束"


@dataclass(frozen=True)
class TemplateRow:
    template: CouponTemplate
    owner: str  # the station's name, or 全部油站（总部）
    rule: str
    scope: str
    validity: str
    issued: int
    used: int
    may_edit: bool
    ended: bool = False  # active, but its fixed validity is over

    @property
    def status_name(self) -> str:
        return ENDED if self.ended else TEMPLATE_STATUSES[self.template.status]


@dataclass(frozen=True)
class TemplatePage:
    rows: list[TemplateRow]
    number: int
    has_next: bool


def _query(actor: Staff, status: str | None, owner: str | None):
    query = select(CouponTemplate).where(*templates.visible_filter(actor))
    if status:
        if status not in TEMPLATE_STATUSES:
            raise Invalid({"status": "请选择状态"})
        query = query.where(CouponTemplate.status == status)
    if owner == CHAIN_OWNER:
        query = query.where(CouponTemplate.station_id.is_(None))
    elif owner:
        if not owner.isdigit():
            raise Invalid({"owner": "请选择油站"})
        query = query.where(CouponTemplate.station_id == int(owner))
    return query.order_by(CouponTemplate.id.desc())


def _rows(actor: Staff, found: list[CouponTemplate]) -> list[TemplateRow]:
    ids = [t.id for t in found]
    counts = {}
    if ids:
        query = (
            select(
                Coupon.template_id,
                func.count(),
                func.count().filter(Coupon.status == "used"),
            )
            .where(Coupon.template_id.in_(ids))
            .group_by(Coupon.template_id)
        )
        counts = {row[0]: (row[1], row[2]) for row in db.session.execute(query)}
    owners = {t.station_id for t in found if t.station_id}
    names = dict(
        db.session.execute(select(Station.id, Station.name).where(Station.id.in_(owners or {-1})))
        .tuples()
        .all()
    )
    scopes = terms.scopes(ids)
    now = utcnow()
    return [
        TemplateRow(
            template=t,
            owner=names.get(t.station_id, "") if t.station_id else templates.CHAIN_WIDE,
            rule=terms.rule_text(t),
            scope=scopes[t.id].text,
            validity=terms.template_validity_text(t),
            issued=counts.get(t.id, (0, 0))[0],
            used=counts.get(t.id, (0, 0))[1],
            may_edit=templates.may_manage(actor, t.station_id),
            ended=t.status == "active" and terms.has_ended(t, now),
        )
        for t in found
    ]


def list_templates(
    actor: Staff,
    status: str | None = None,
    owner: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> TemplatePage:
    page = max(page, 1)
    query = _query(actor, status, owner).offset((page - 1) * per_page).limit(per_page + 1)
    found = list(db.session.scalars(query))
    return TemplatePage(_rows(actor, found[:per_page]), page, len(found) > per_page)


def export_rows(actor: Staff, status: str | None, owner: str | None, limit: int) -> Iterator:
    """Every row the list would show, in batches, limit at most."""
    query = _query(actor, status, owner)
    done = 0
    while done < limit:
        found = list(db.session.scalars(query.offset(done).limit(min(EXPORT_BATCH, limit - done))))
        yield from _rows(actor, found)
        done += len(found)
        if len(found) < EXPORT_BATCH:
            return

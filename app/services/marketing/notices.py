"""Announcements (公告) for the mini-program: staff create, edit, publish and withdraw them, for
the whole chain, one city or one station (content_scope says who may touch which); every
change is audited and tells the driver reads' caches in the same transaction.

Drivers see them with the price-change notices (price_notices), pinned ones first, then the
newest."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import Announcement, Staff
from app.models.base import utcnow
from app.services.marketing import content_scope as scope
from app.services.platform import audit
from app.services.platform.errors import Invalid, NotFound, PermissionDenied
from app.services.platform.unit_of_work import unit_of_work

NOUN = "公告"
TITLE_MAX, BODY_MAX = 60, 1000


@dataclass
class AnnouncementFields:
    title: str = ""
    body: str = ""
    scope: str = ""
    city: str | None = None
    station_id: int | None = None
    pinned: bool = False
    live_from: datetime | None = None
    live_until: datetime | None = None


@dataclass
class AnnouncementRow:
    announcement: Announcement
    scope_label: str
    state: str
    may_edit: bool
    created_by: str


def problems(actor: Staff, fields: AnnouncementFields) -> dict:
    """Every field's mistake; PermissionDenied for a scope the actor may not use."""
    errors: dict[str, str] = {}
    _clean(actor, fields, errors)
    return errors


def _clean(actor: Staff, fields: AnnouncementFields, errors: dict) -> scope.Scope:
    where = scope.clean_scope(actor, fields.scope, fields.city, fields.station_id, errors)
    fields.title = scope.clean_text(fields.title, "title", "标题", TITLE_MAX, errors)
    fields.body = scope.clean_text(fields.body, "body", "内容", BODY_MAX, errors)
    scope.clean_times(fields.live_from, fields.live_until, errors, utcnow())
    return where


def _checked(actor: Staff, fields: AnnouncementFields) -> scope.Scope:
    errors: dict[str, str] = {}
    where = _clean(actor, fields, errors)
    if errors:
        raise Invalid(errors)
    return where


def _summary(row: Announcement, names: dict[int, str]) -> dict:
    return {
        "title": row.title,
        "body": row.body,
        "scope": scope.scope_label(row, names),
        "pinned": row.pinned,
        "live_from": scope.local_text(row.live_from),
        "live_until": scope.local_text(row.live_until) or "撤下为止",
    }


def create_announcement(actor: Staff, fields: AnnouncementFields) -> Announcement:
    """A draft announcement; Invalid with every field's mistake at once."""
    where = _checked(actor, fields)
    with unit_of_work():
        row = Announcement(
            chain_id=actor.chain_id,
            scope=where.kind,
            city=where.city,
            station_id=where.station_id,
            title=fields.title,
            body=fields.body,
            pinned=bool(fields.pinned),
            live_from=fields.live_from,
            live_until=fields.live_until,
            status="draft",
            created_by_id=actor.id,
        )
        db.session.add(row)
        db.session.flush()
        after = _summary(row, scope.station_names(actor.chain_id))
        scope.record(actor, "announcement.create", row, after=after)
    return row


def update_announcement(
    actor: Staff, announcement_id: int, fields: AnnouncementFields
) -> Announcement:
    row = scope.editable(actor, Announcement, announcement_id, NOUN)
    where = _checked(actor, fields)
    names = scope.station_names(actor.chain_id)
    before = _summary(row, names)
    with unit_of_work():
        row.scope, row.city, row.station_id = where.kind, where.city, where.station_id
        row.title, row.body, row.pinned = fields.title, fields.body, bool(fields.pinned)
        row.live_from, row.live_until = fields.live_from, fields.live_until
        row.updated_at = utcnow()
        db.session.flush()
        old, new = audit.changes(before, _summary(row, names))
        if new:
            scope.record(
                actor, "announcement.update", row, before={"title": row.title, **old}, after=new
            )
    return row


def publish(actor: Staff, announcement_id: int) -> None:
    scope.set_status(
        actor, Announcement, announcement_id, NOUN, "published", "announcement.publish"
    )


def withdraw(actor: Staff, announcement_id: int) -> None:
    scope.set_status(
        actor, Announcement, announcement_id, NOUN, "withdrawn", "announcement.withdraw"
    )


def get_announcement(actor: Staff, announcement_id: int) -> AnnouncementRow:
    found = db.session.scalars(
        select(Announcement).where(
            Announcement.id == announcement_id, scope.visible(actor, Announcement)
        )
    ).one_or_none()
    if found is None:
        other = db.session.get(Announcement, announcement_id)
        if other is not None and other.chain_id == actor.chain_id:
            raise PermissionDenied("您不是该油站的站长")
        raise NotFound("公告不存在")
    return _rows(actor, [found])[0]


def _rows(actor: Staff, rows: list[Announcement]) -> list[AnnouncementRow]:
    names = scope.station_names(actor.chain_id)
    people = dict(
        db.session.execute(
            select(Staff.id, Staff.display_name).where(
                Staff.id.in_({r.created_by_id for r in rows} or {-1})
            )
        )
        .tuples()
        .all()
    )
    now = utcnow()
    return [
        AnnouncementRow(
            announcement=r,
            scope_label=scope.scope_label(r, names),
            state=scope.state_of(r, now),
            may_edit=scope.may_edit(actor, r),
            created_by=people.get(r.created_by_id, ""),
        )
        for r in rows
    ]


def _listed(actor: Staff, scope_choice: str, state: str):
    """Visible, filtered; pinned first, then the latest to go live."""
    now = utcnow()
    where = [scope.visible(actor, Announcement)]
    for condition in (
        scope.scope_filter(Announcement, scope_choice),
        scope.state_filter(Announcement, state, now),
    ):
        if condition is not None:
            where.append(condition)
    order = (Announcement.pinned.desc(), Announcement.live_from.desc(), Announcement.id.desc())
    return select(Announcement).where(*where).order_by(*order)


def list_announcements(
    actor: Staff, scope_choice: str = "", state: str = "", page: int = 1, per_page: int = 20
) -> scope.Page:
    query = _listed(actor, scope_choice, state)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)))
    return scope.Page(_rows(actor, rows), page, per_page, total)


def export_rows(actor: Staff, scope_choice: str, state: str, limit: int) -> list[AnnouncementRow]:
    query = _listed(actor, scope_choice, state).limit(limit)
    return _rows(actor, list(db.session.scalars(query)))

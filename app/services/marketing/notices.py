"""Announcements (公告) for the mini-program: staff create, edit, publish and withdraw them, for
the whole chain, one city or one station (content_scope says who may touch which); every
change is audited and tells the driver reads' caches in the same transaction.

Drivers see them with the price-change notices (price_notices), pinned ones first, then the
newest."""

from dataclasses import dataclass
from datetime import datetime

from app.extensions import db
from app.models import Announcement, Staff
from app.models.base import utcnow
from app.services.marketing import content_list
from app.services.marketing import content_scope as scope
from app.services.platform.errors import Invalid
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
        **scope.live_times(row),
    }


def create_announcement(actor: Staff, fields: AnnouncementFields) -> Announcement:
    """A draft announcement; Invalid with every field's mistake at once."""
    where = _checked(actor, fields)
    with unit_of_work():
        row = scope.add_draft(
            actor,
            Announcement,
            where,
            title=fields.title,
            body=fields.body,
            pinned=bool(fields.pinned),
            live_from=fields.live_from,
            live_until=fields.live_until,
        )
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
        where.put_on(row)
        row.title, row.body, row.pinned = fields.title, fields.body, bool(fields.pinned)
        row.live_from, row.live_until = fields.live_from, fields.live_until
        row.updated_at = utcnow()
        db.session.flush()
        scope.record_update(actor, "announcement.update", row, before, _summary(row, names))
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
    found = content_list.find(actor, Announcement, announcement_id, NOUN)
    return content_list.rows(actor, [found], AnnouncementRow)[0]


def _listed(actor: Staff, scope_choice: str, state: str):
    """Visible, filtered; pinned first, then the latest to go live."""
    order = (Announcement.pinned.desc(), Announcement.live_from.desc(), Announcement.id.desc())
    return content_list.listed(actor, Announcement, scope_choice, state).order_by(*order)


def list_announcements(
    actor: Staff, scope_choice: str = "", state: str = "", page: int = 1, per_page: int = 20
) -> content_list.Page:
    query = _listed(actor, scope_choice, state)
    return content_list.page_of(
        query, page, per_page, lambda found: content_list.rows(actor, found, AnnouncementRow)
    )


def export_rows(actor: Staff, scope_choice: str, state: str, limit: int) -> list[AnnouncementRow]:
    query = _listed(actor, scope_choice, state).limit(limit)
    return content_list.rows(actor, list(db.session.scalars(query)), AnnouncementRow)

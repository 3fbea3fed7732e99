"""The staff lists of banners and announcements: one item the actor may see, a page filtered
by scope and state, and the facts a list row shows (content_scope says who sees what)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from app.extensions import db
from app.models import Staff
from app.models.base import utcnow
from app.services.marketing.content_scope import (
    may_edit,
    scope_label,
    state_of,
    station_names,
    visible,
)
from app.services.platform.errors import Invalid, NotFound, PermissionDenied


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


def find(actor: Staff, model, row_id: int, noun: str):
    """A row the actor may see (see visible); PermissionDenied for another station's row of the
    chain, NotFound otherwise."""
    found = db.session.scalars(
        select(model).where(model.id == row_id, visible(actor, model))
    ).one_or_none()
    if found is None:
        other = db.session.get(model, row_id)
        if other is not None and other.chain_id == actor.chain_id:
            raise PermissionDenied("您不是该油站的站长")
        raise NotFound(f"{noun}不存在")
    return found


def scope_filter(model, choice: str):
    """A list's scope filter: "" (any), "chain", "city:昆明" or "station:12"."""
    if not choice:
        return None
    kind, _, value = choice.partition(":")
    if kind == "chain":
        return model.scope == "chain"
    if kind == "city" and value:
        return and_(model.scope == "city", model.city == value)
    if kind == "station" and value.isdigit():
        return and_(model.scope == "station", model.station_id == int(value))
    raise Invalid({"scope": "展示范围：筛选条件无效"})


def state_filter(model, state: str, now: datetime):
    """A list's state filter: "" (any) or one of content_scope.STATE_NAMES."""
    if not state:
        return None
    published = model.status == "published"
    if state in ("draft", "withdrawn"):
        return model.status == state
    if state == "scheduled":
        return published & (model.live_from > now)
    if state == "live":
        open_end = or_(model.live_until.is_(None), model.live_until > now)
        return published & (model.live_from <= now) & open_end
    if state == "ended":
        return published & model.live_until.is_not(None) & (model.live_until <= now)
    raise Invalid({"state": "状态：筛选条件无效"})


def listed(actor: Staff, model, scope_choice: str, state: str):
    """The rows a list shows (visible, filtered by scope and state), not yet ordered."""
    where = [visible(actor, model)]
    for condition in (
        scope_filter(model, scope_choice),
        state_filter(model, state, utcnow()),
    ):
        if condition is not None:
            where.append(condition)
    return select(model).where(*where)


def page_of(query, number: int, per_page: int, make_rows) -> Page:
    """One page of an ordered list query, its items made into rows by make_rows."""
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    found = list(db.session.scalars(query.offset((number - 1) * per_page).limit(per_page)))
    return Page(make_rows(found), number, per_page, total)


def rows(actor: Staff, items: list, make, names: dict[int, str] | None = None) -> list:
    """Each item as a staff list shows it: make(item, scope_label=, state=, may_edit=,
    created_by=)."""
    names = station_names(actor.chain_id) if names is None else names
    creators = {item.created_by_id for item in items} or {-1}
    query = select(Staff.id, Staff.display_name).where(Staff.id.in_(creators))
    people = dict(db.session.execute(query).tuples().all())
    now = utcnow()
    return [
        make(
            item,
            scope_label=scope_label(item, names),
            state=state_of(item, now),
            may_edit=may_edit(actor, item),
            created_by=people.get(item.created_by_id, ""),
        )
        for item in items
    ]

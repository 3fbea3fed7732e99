"""What banners and announcements share: their scope (the whole chain, one city or one
station) and who may edit which, their live times and state, a new draft, the audit of a change,
publish and withdraw, and the content version the driver reads' caches key on (content_list
reads the staff lists).

Who may act: a chain admin on anything of the chain; a station manager only on what belongs
to one of their stations (they see the chain's and their cities' items read-only); other roles
on nothing."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update

from app.extensions import db
from app.models import ContentVersion, Staff, Station
from app.models.base import insert_unless_exists, utcnow
from app.services.platform import audit
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff import access

SCOPE_NAMES = {"chain": "全连锁", "city": "城市", "station": "油站"}
# The state staff see: the stored status and where now falls between live_from and live_until.
STATE_NAMES = {
    "draft": "草稿",
    "scheduled": "待上线",
    "live": "展示中",
    "ended": "已结束",
    "withdrawn": "已撤下",
}
STATUS_WORDS = {"draft": "草稿", "published": "已发布", "withdrawn": "已撤下"}


@dataclass(frozen=True)
class Scope:
    kind: str
    city: str | None = None
    station_id: int | None = None

    @classmethod
    def of(cls, row) -> "Scope":
        return cls(row.scope, row.city, row.station_id)

    def put_on(self, row) -> None:
        row.scope, row.city, row.station_id = self.kind, self.city, self.station_id


def require_editor(actor: Staff) -> None:
    if actor.role not in access.CATALOGUE_ROLES:
        raise PermissionDenied("只有站长和总部管理员可以管理横幅和公告")


def cities(chain_id: int) -> list[str]:
    """The cities of the chain's stations, for a city-wide item."""
    query = select(Station.city).where(Station.chain_id == chain_id).distinct()
    return sorted(db.session.scalars(query))


def chain_stations(chain_id: int) -> list[Station]:
    """Every station of the chain, for a banner that opens one."""
    query = select(Station).where(Station.chain_id == chain_id).order_by(Station.code)
    return list(db.session.scalars(query))


def clean_scope(
    actor: Staff, kind: str, city: str | None, station_id: int | None, errors: dict
) -> Scope:
    """The scope chosen, checked: a manager may only choose one of their stations (403 for
    more); a mistake goes into errors by field."""
    require_editor(actor)
    if kind not in SCOPE_NAMES:
        errors["scope"] = "展示范围：请选择展示范围"
        return Scope("chain")
    if kind != "station" and actor.role != "chain_admin":
        raise PermissionDenied("只有总部管理员可以发布全连锁或城市范围的内容")
    if kind == "city":
        city = (city or "").strip()
        if city not in cities(actor.chain_id):
            errors["city"] = "城市：请选择城市"
        return Scope("city", city=city)
    if kind == "station":
        if not station_id:
            errors["station_id"] = "油站：请选择油站"
            return Scope("station")
        return Scope("station", station_id=access.station_for_manager(actor, station_id).id)
    return Scope("chain")


def clean_times(
    live_from: datetime | None, live_until: datetime | None, errors: dict, now: datetime
) -> None:
    if live_from is None:
        errors["live_from"] = "上线时间：请选择上线的日期和时间"
    if live_until is not None:
        if live_from is not None and live_until <= live_from:
            errors["live_until"] = "下线时间：必须晚于上线时间"
        elif live_until <= now:
            errors["live_until"] = "下线时间：必须晚于现在"


def clean_text(value: str | None, field: str, label: str, limit: int, errors: dict) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = f"{label}：必填"
    elif len(value) > limit:
        errors[field] = f"{label}：最多 {limit} 字"
    elif any((ord(c) < 0x20 and c not in "\n\r\t") or ord(c) == 0x7F for c in value):
        errors[field] = f"{label}：含有无效字符"
    return value


def may_edit(actor: Staff, row) -> bool:
    if actor.role == "chain_admin":
        return row.chain_id == actor.chain_id
    return (
        actor.role == "manager"
        and row.scope == "station"
        and row.station_id in (actor.station_ids or set())
    )


def editable(actor: Staff, model, row_id: int, noun: str):
    """The row if the actor may change it; NotFound or PermissionDenied otherwise."""
    require_editor(actor)
    row = db.session.get(model, row_id)
    if row is None or row.chain_id != actor.chain_id:
        raise NotFound(f"{noun}不存在")
    if not may_edit(actor, row):
        if row.scope == "station":
            raise PermissionDenied("您不是该油站的站长")
        raise PermissionDenied("只有总部管理员可以修改全连锁或城市范围的内容")
    return row


def visible(actor: Staff, model):
    """The rows the actor may see, as a condition: a manager's stations, their cities and the
    chain-wide ones."""
    require_editor(actor)
    where = model.chain_id == actor.chain_id
    if actor.role == "chain_admin":
        return where
    mine = actor.station_ids or {-1}
    my_cities = select(Station.city).where(Station.id.in_(mine))
    return where & or_(
        model.scope == "chain",
        and_(model.scope == "city", model.city.in_(my_cities)),
        and_(model.scope == "station", model.station_id.in_(mine)),
    )


def state_of(row, now: datetime) -> str:
    if row.status != "published":
        return row.status
    if row.live_from > now:
        return "scheduled"
    if row.live_until is not None and row.live_until <= now:
        return "ended"
    return "live"


def scope_label(row_or_scope, station_names: dict[int, str]) -> str:
    """全连锁 / 城市：昆明 / 油站：昆明北京路加油站, as lists and the audit log say it."""
    kind = getattr(row_or_scope, "scope", None) or row_or_scope.kind
    if kind == "city":
        return f"城市：{row_or_scope.city}"
    if kind == "station":
        return f"油站：{station_names.get(row_or_scope.station_id, '已删除的油站')}"
    return SCOPE_NAMES["chain"]


def station_names(chain_id: int) -> dict[int, str]:
    query = select(Station.id, Station.name).where(Station.chain_id == chain_id)
    return dict(db.session.execute(query).tuples().all())


def local_text(moment: datetime | None) -> str | None:
    return to_local(moment).strftime("%Y-%m-%d %H:%M") if moment else None


def live_times(row) -> dict:
    """The live times as the audit log shows them."""
    return {
        "live_from": local_text(row.live_from),
        "live_until": local_text(row.live_until) or "撤下为止",
    }


def mark_changed(chain_id: int) -> None:
    """Tell every cache of the driver reads to look again (same transaction as the change)."""
    if insert_unless_exists(ContentVersion, ("chain_id",), {"chain_id": chain_id, "version": 1}):
        return
    db.session.execute(
        update(ContentVersion)
        .where(ContentVersion.chain_id == chain_id)
        .values(version=ContentVersion.version + 1)
    )


def record(actor: Staff, action: str, row, **details) -> None:
    """Audited, and the caches told, in the caller's transaction."""
    entity = row.__tablename__
    station_id = row.station_id if row.scope == "station" else None
    audit.record(
        actor, action, entity, row.id, chain_id=row.chain_id, station_id=station_id, **details
    )
    mark_changed(row.chain_id)


def record_update(actor: Staff, action: str, row, before: dict, after: dict) -> None:
    """The fields that changed (and the title, to name the row), if any did; see record."""
    old, new = audit.changes(before, after)
    if new:
        record(actor, action, row, before={"title": row.title, **old}, after=new)


def add_draft(actor: Staff, model, where: Scope, **columns):
    """A new draft of the actor's chain in that scope, flushed in the caller's transaction."""
    row = model(
        chain_id=actor.chain_id,
        scope=where.kind,
        city=where.city,
        station_id=where.station_id,
        status="draft",
        created_by_id=actor.id,
        **columns,
    )
    db.session.add(row)
    db.session.flush()
    return row


def set_status(actor: Staff, model, row_id: int, noun: str, to: str, action: str) -> None:
    """Publish (draft or withdrawn -> published) or withdraw (published -> withdrawn), as a
    compare-and-set: a twin click or a colleague's change meanwhile is a Conflict."""
    row = editable(actor, model, row_id, noun)
    now = utcnow()
    allowed = ("draft", "withdrawn") if to == "published" else ("published",)
    if row.status not in allowed:
        word = "已发布" if row.status == "published" else STATUS_WORDS[row.status]
        raise Conflict(f"该{noun}{word}，不能{'发布' if to == 'published' else '撤下'}")
    if to == "published" and row.live_until is not None and row.live_until <= now:
        raise Invalid({"live_until": "下线时间：已经过了，请先修改下线时间再发布"})
    with unit_of_work():
        result = db.session.execute(
            update(model)
            .where(model.id == row.id, model.status.in_(allowed))
            .values(status=to, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 0:
            raise Conflict(f"该{noun}的状态刚被修改，请刷新后重试")
        before = {"status": STATUS_WORDS[row.status]}
        record(
            actor,
            action,
            row,
            before=before,
            after={"status": STATUS_WORDS[to], "title": row.title},
        )

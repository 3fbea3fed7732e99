"""Banners in the mini-program's home carousel: staff create, edit, publish, withdraw and
reorder them (content_scope says who may touch which); every change is audited and tells the
driver reads' caches (live_content) in the same transaction.

A banner is shown from live_from until live_until (or until withdrawn) once published, to the
drivers looking at its station, its city, or anywhere for a chain-wide one. Within a scope the
sort order decides; a station's own banners come before its city's, then the chain's."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select

from app.extensions import db
from app.models import Banner, Staff, Station
from app.models.base import utcnow
from app.models.content import TARGETS_WITH_STATION
from app.services.marketing import banner_images, content_list
from app.services.marketing import content_scope as scope
from app.services.platform.errors import Invalid
from app.services.platform.unit_of_work import unit_of_work

NOUN = "横幅"
TITLE_MAX = 40
# What a tap opens: label, page path ({id}: the chosen station) and whether it is a tab page
# (the mini-program opens those with wx.switchTab, the others with wx.navigateTo).
TARGETS = {
    "none": ("不跳转", "", False),
    "station": ("油站详情", "/pages/station/station?id={id}", False),
    "order": ("去加油（下单页）", "/pages/order/order?station_id={id}", False),
    "wallet": ("钱包充值", "/pages/wallet/wallet", False),
    "card": ("充值卡兑换", "/pages/wallet/wallet?tab=card", False),
    "member_code": ("会员码", "/pages/member-code/member-code", False),
    "vehicles": ("我的车辆", "/pages/vehicles/vehicles", False),
    "orders": ("我的订单", "/pages/orders/orders", True),
    "coupon_centre": ("领券中心", "/pages/coupon-centre/coupon-centre", False),
    "coupons": ("我的优惠券", "/pages/coupons/coupons", False),
    "points_mall": ("积分商城", "/pages/points-mall/points-mall", False),
}
SCOPE_RANK = {"station": 0, "city": 1, "chain": 2}


@dataclass
class BannerFields:
    """What staff type in: the scope, the words, where a tap goes and when it shows."""

    title: str = ""
    scope: str = ""
    city: str | None = None
    station_id: int | None = None
    target: str = "none"
    target_station_id: int | None = None
    live_from: datetime | None = None
    live_until: datetime | None = None


@dataclass
class BannerRow:
    banner: Banner
    scope_label: str
    state: str
    target_label: str
    may_edit: bool
    created_by: str


def target_path(target: str, station_id: int | None) -> str:
    _, path, _ = TARGETS[target]
    return path.format(id=station_id) if "{id}" in path else path


def _target_label(banner: Banner, names: dict[int, str]) -> str:
    label = TARGETS[banner.target][0]
    if banner.target in TARGETS_WITH_STATION:
        return f"{label}（{names.get(banner.target_station_id, '已删除的油站')}）"
    return label


def _clean(actor: Staff, fields: BannerFields, errors: dict) -> scope.Scope:
    where = scope.clean_scope(actor, fields.scope, fields.city, fields.station_id, errors)
    fields.title = scope.clean_text(fields.title, "title", "标题", TITLE_MAX, errors)
    if fields.target not in TARGETS:
        errors["target"] = "跳转页面：请选择跳转页面"
    elif fields.target in TARGETS_WITH_STATION:
        station = db.session.get(Station, fields.target_station_id or 0)
        if station is None or station.chain_id != actor.chain_id:
            errors["target_station_id"] = "跳转油站：请选择要打开的油站"
    else:
        fields.target_station_id = None
    scope.clean_times(fields.live_from, fields.live_until, errors, utcnow())
    return where


def _group(model_scope: scope.Scope):
    """The banners that share a sort order with this scope."""
    return and_(
        Banner.scope == model_scope.kind,
        Banner.city.is_(None) if model_scope.city is None else Banner.city == model_scope.city,
        Banner.station_id.is_(None)
        if model_scope.station_id is None
        else Banner.station_id == model_scope.station_id,
    )


def _next_order(chain_id: int, where: scope.Scope) -> int:
    query = select(func.max(Banner.sort_order)).where(Banner.chain_id == chain_id, _group(where))
    return (db.session.scalar(query) or 0) + 10


def _summary(banner: Banner, names: dict[int, str]) -> dict:
    """The fields of a banner as the audit log shows them."""
    return {
        "title": banner.title,
        "scope": scope.scope_label(banner, names),
        "target": _target_label(banner, names),
        **scope.live_times(banner),
    }


def _examined(actor: Staff, fields: BannerFields, image: bytes | None, new: bool):
    """(every field's mistake, the scope, the new picture's row or None); a new banner needs a
    picture. PermissionDenied for a scope the actor may not use."""
    errors: dict[str, str] = {}
    where = _clean(actor, fields, errors)
    picture = None
    if image or new:
        try:
            picture = banner_images.prepare(actor.chain_id, image or b"")
        except Invalid as err:
            errors.update(err.fields)
    return errors, where, picture


def problems(actor: Staff, fields: BannerFields, image: bytes | None, new: bool) -> dict:
    """Every field's mistake, for a form to show them all at once."""
    return _examined(actor, fields, image, new)[0]


def _checked(actor: Staff, fields: BannerFields, image: bytes | None, new: bool):
    errors, where, picture = _examined(actor, fields, image, new)
    if errors:
        raise Invalid(errors)
    return where, picture


def create_banner(actor: Staff, fields: BannerFields, image: bytes) -> Banner:
    """A draft banner with its picture; Invalid with every field's mistake at once."""
    where, picture = _checked(actor, fields, image, new=True)
    with unit_of_work():
        db.session.add(picture)
        db.session.flush()
        banner = scope.add_draft(
            actor,
            Banner,
            where,
            title=fields.title,
            image_id=picture.id,
            target=fields.target,
            target_station_id=fields.target_station_id,
            sort_order=_next_order(actor.chain_id, where),
            live_from=fields.live_from,
            live_until=fields.live_until,
        )
        after = _summary(banner, scope.station_names(actor.chain_id))
        scope.record(actor, "banner.create", banner, after=after)
    return banner


def update_banner(
    actor: Staff, banner_id: int, fields: BannerFields, image: bytes | None = None
) -> Banner:
    """Change a banner in any state (a published one changes for drivers at once); a new
    picture replaces the old one."""
    banner = scope.editable(actor, Banner, banner_id, NOUN)
    where, picture = _checked(actor, fields, image, new=False)
    names = scope.station_names(actor.chain_id)
    before = _summary(banner, names) | {"image": "原图片"}
    with unit_of_work():
        if picture is not None:
            db.session.add(picture)
            db.session.flush()
            banner.image_id = picture.id
        if scope.Scope.of(banner) != where:
            banner.sort_order = _next_order(actor.chain_id, where)  # last in its new place
        where.put_on(banner)
        banner.title, banner.target = fields.title, fields.target
        banner.target_station_id = fields.target_station_id
        banner.live_from, banner.live_until = fields.live_from, fields.live_until
        banner.updated_at = utcnow()
        db.session.flush()
        after = _summary(banner, names) | {"image": "新图片" if picture else "原图片"}
        scope.record_update(actor, "banner.update", banner, before, after)
    return banner


def publish(actor: Staff, banner_id: int) -> None:
    scope.set_status(actor, Banner, banner_id, NOUN, "published", "banner.publish")


def withdraw(actor: Staff, banner_id: int) -> None:
    scope.set_status(actor, Banner, banner_id, NOUN, "withdrawn", "banner.withdraw")


def move(actor: Staff, banner_id: int, direction: str) -> None:
    """One place up or down among the banners of its scope (renumbered 10, 20, 30 ... under
    lock, so two moves at once leave a clear order)."""
    banner = scope.editable(actor, Banner, banner_id, NOUN)
    if direction not in ("up", "down"):
        raise Invalid({"direction": "顺序：只能上移或下移"})
    where = scope.Scope.of(banner)
    with unit_of_work():
        group = list(
            db.session.scalars(
                select(Banner)
                .where(Banner.chain_id == banner.chain_id, _group(where))
                .order_by(Banner.sort_order, Banner.id)
                .with_for_update()
            )
        )
        index = next(i for i, row in enumerate(group) if row.id == banner.id)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(group):
            return
        group[index], group[other] = group[other], group[index]
        for position, row in enumerate(group, start=1):
            row.sort_order = position * 10
        scope.record(
            actor,
            "banner.move",
            banner,
            before={"title": banner.title},
            after={"position": f"第 {other + 1} 位（共 {len(group)} 个）"},
        )


def get_banner(actor: Staff, banner_id: int) -> BannerRow:
    """A banner the actor may see (a manager: their stations', their cities' and the chain's)."""
    return _rows(actor, [content_list.find(actor, Banner, banner_id, NOUN)])[0]


def _rows(actor: Staff, banners: list[Banner]) -> list[BannerRow]:
    names = scope.station_names(actor.chain_id)

    def row(banner: Banner, **facts) -> BannerRow:
        return BannerRow(banner, target_label=_target_label(banner, names), **facts)

    return content_list.rows(actor, banners, row, names)


def _listed(actor: Staff, scope_choice: str, state: str):
    """The banners listed: visible, filtered; a station's first, then cities', then chain's."""
    order = (
        Banner.scope.desc(),  # station, city, chain
        Banner.city,
        func.coalesce(Banner.station_id, 0),
        Banner.sort_order,
        Banner.id,
    )
    return content_list.listed(actor, Banner, scope_choice, state).order_by(*order)


def list_banners(
    actor: Staff, scope_choice: str = "", state: str = "", page: int = 1, per_page: int = 20
) -> content_list.Page:
    query = _listed(actor, scope_choice, state)
    return content_list.page_of(query, page, per_page, lambda found: _rows(actor, found))


def export_rows(actor: Staff, scope_choice: str, state: str, limit: int) -> list[BannerRow]:
    return _rows(actor, list(db.session.scalars(_listed(actor, scope_choice, state).limit(limit))))

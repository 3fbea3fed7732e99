"""Coupon templates: staff create them (as drafts), edit, activate and stop them.

Who: a chain admin manages the chain's templates (station_id NULL, good at any station or
those it lists) and every station's; a station manager manages their stations' own templates
(good at that station only) and sees the chain's without changing them. Cashiers and
attendants have no business here. Each write is one transaction and audited.

Once a template has been activated its rule (kind, amounts, threshold, validity, fuels and
stations) is fixed, because the coupons out there read it: make a new template instead. Its
name, note, stock, per-member limit, claimability and claim window may still change. Stopping
a template stops issuing it; the coupons already issued stay good until they expire."""

from sqlalchemy import delete, or_, select

from app.extensions import db
from app.models import CouponTemplate, CouponTemplateFuel, CouponTemplateStation, Staff
from app.models.base import utcnow
from app.services.marketing import template_fields, terms
from app.services.platform import audit
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff import access

ROLES = access.CATALOGUE_ROLES
CHAIN_WIDE = "全部油站（总部）"


def check_role(actor: Staff) -> None:
    if actor.role not in ROLES:
        raise PermissionDenied("只有站长和总部管理员可以管理优惠券")


def may_manage(actor: Staff, station_id: int | None) -> bool:
    """The chain's templates: chain admins; a station's: its managers and chain admins."""
    if actor.role == "chain_admin":
        return True
    return actor.role == "manager" and station_id is not None and station_id in actor.station_ids


def check_may_manage(actor: Staff, station_id: int | None) -> None:
    check_role(actor)
    if station_id is None:
        if actor.role != "chain_admin":
            raise PermissionDenied("只有总部管理员可以管理全部油站通用的优惠券")
        return
    access.station_for_manager(actor, station_id)  # PermissionDenied or NotFound


def visible_filter(actor: Staff):
    """The templates a staff member sees: the chain's and their stations' (a chain admin all)."""
    check_role(actor)
    conditions = [CouponTemplate.chain_id == actor.chain_id]
    if actor.role != "chain_admin":
        mine = actor.station_ids or {-1}
        conditions.append(
            or_(CouponTemplate.station_id.is_(None), CouponTemplate.station_id.in_(mine))
        )
    return conditions


def get_template(actor: Staff, template_id: int) -> CouponTemplate:
    """A template this staff member may see (NotFound for another chain's or station's)."""
    query = select(CouponTemplate).where(CouponTemplate.id == template_id, *visible_filter(actor))
    template = db.session.scalar(query)
    if template is None:
        raise NotFound("优惠券不存在")
    return template


def get_for_edit(actor: Staff, template_id: int) -> CouponTemplate:
    template = get_template(actor, template_id)
    check_may_manage(actor, template.station_id)
    return template


def locked(actor: Staff, template_id: int) -> CouponTemplate:
    """The template under a row lock (an edit waits for claims in flight and they for it):
    NotFound when the actor does not see it, PermissionDenied when they see but may not
    change it (a manager and the chain's template)."""
    query = select(CouponTemplate).where(CouponTemplate.id == template_id, *visible_filter(actor))
    template = db.session.scalar(query.with_for_update().execution_options(populate_existing=True))
    if template is None:
        raise NotFound("优惠券不存在")
    check_may_manage(actor, template.station_id)
    return template


def snapshot(template: CouponTemplate, scope: terms.Scope | None = None) -> dict:
    """What the audit log keeps of a template, in words and amounts staff read."""
    scope = scope or terms.scopes([template.id]).get(template.id, terms.EVERYWHERE)
    return {
        "name": template.name,
        "note": template.note,
        "rule": terms.rule_text(template),
        "scope": scope.text,
        "validity_text": terms.template_validity_text(template),
        "stock_total": template.stock_total,
        "per_member_limit": template.per_member_limit,
        "claimable": template.claimable,
        "claim_window": _window(template),
    }


def _window(template: CouponTemplate) -> str:
    def local(moment):
        return to_local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""

    if not (template.claim_starts_at or template.claim_ends_at):
        return "不限"
    return (
        f"{local(template.claim_starts_at) or '即日'} 至 {local(template.claim_ends_at) or '长期'}"
    )


def _record(actor, action, template, before=None, after=None) -> None:
    audit.record(
        actor,
        action,
        "coupon_template",
        template.id,
        chain_id=template.chain_id,
        station_id=template.station_id,
        before=before,
        after=after,
    )


def _set_scope(template: CouponTemplate, fuel_ids: list[int], station_ids: list[int]) -> None:
    for model in (CouponTemplateFuel, CouponTemplateStation):
        db.session.execute(delete(model).where(model.template_id == template.id))
    chain = template.chain_id
    db.session.add_all(
        CouponTemplateFuel(chain_id=chain, template_id=template.id, fuel_id=i) for i in fuel_ids
    )
    db.session.add_all(
        CouponTemplateStation(chain_id=chain, template_id=template.id, station_id=i)
        for i in station_ids
    )
    db.session.flush()


def create_template(actor: Staff, station_id: int | None, **fields) -> CouponTemplate:
    """A new draft template of the chain (station_id None: chain admins only) or of a station.

    fields: name, note, kind (amount_off, percent_off, per_litre) with off_fen, pay_percent
    (share paid, 90 = 9折) and max_off_fen, or per_litre_fen (and max_off_fen); min_spend_fen;
    validity 'fixed' with first_day and last_day (local dates, both included) or 'relative'
    with valid_days; claim_starts_at and claim_ends_at (aware datetimes or None); stock_total
    (None: unlimited); per_member_limit; claimable; fuel_ids; station_ids (chain templates)."""
    with unit_of_work(keep_loaded=True):
        check_may_manage(actor, station_id)
        values = template_fields.clean(fields, actor.chain_id, station_id)
        fuel_ids, station_ids = values.pop("fuel_ids"), values.pop("station_ids")
        template = CouponTemplate(
            chain_id=actor.chain_id,
            station_id=station_id,
            created_by_id=actor.id,
            status="draft",
            stock_left=values["stock_total"],
            **values,
        )
        db.session.add(template)
        db.session.flush()
        _set_scope(template, fuel_ids, station_ids)
        _record(actor, "coupon_template.create", template, after=snapshot(template))
        return template


def update_template(actor: Staff, template_id: int, **fields) -> CouponTemplate:
    """Change a template (fields as create_template's). An activated one keeps its rule;
    its stock may grow, or shrink down to what has been issued, but an unlimited one stays
    unlimited (its issued coupons are not counted under a lock)."""
    with unit_of_work(keep_loaded=True):
        template = locked(actor, template_id)
        before = snapshot(template)
        values = template_fields.clean(fields, template.chain_id, template.station_id)
        fuel_ids, station_ids = values.pop("fuel_ids"), values.pop("station_ids")
        if template.activated_at is not None:
            _check_rule_kept(template, values, fuel_ids, station_ids)
        _set_stock(template, values.pop("stock_total"))
        for field, value in values.items():
            setattr(template, field, value)
        db.session.flush()
        if template.activated_at is None:
            _set_scope(template, fuel_ids, station_ids)
        old, new = audit.changes(before, snapshot(template))
        if new:
            _record(actor, "coupon_template.update", template, before=old, after=new)
        return template


def _check_rule_kept(template, values: dict, fuel_ids, station_ids) -> None:
    scope = terms.scopes([template.id])[template.id]
    changed = [f for f in template_fields.RULE_FIELDS if getattr(template, f) != values[f]]
    if scope.fuel_ids != fuel_ids:
        changed.append("fuel_ids")
    if scope.station_ids != station_ids:
        changed.append("station_ids")
    if changed:
        field = {"valid_from": "first_day", "valid_until": "last_day"}.get(changed[0], changed[0])
        raise Invalid({field: "已启用过的优惠券不能修改优惠规则、有效期和适用范围，请新建一张"})


def _set_stock(template: CouponTemplate, total: int | None) -> None:
    if total == template.stock_total:
        return
    if template.activated_at is not None and template.stock_total is None:
        raise Invalid({"stock_total": "不限量的优惠券启用后不能改为限量，请停发后新建一张"})
    if total is None:
        template.stock_total = template.stock_left = None
        return
    issued = (template.stock_total - template.stock_left) if template.stock_total else 0
    if total < issued:
        raise Invalid({"stock_total": f"发放总量不能少于已发出的 {issued} 张"})
    template.stock_total, template.stock_left = total, total - issued


def activate_template(actor: Staff, template_id: int) -> CouponTemplate:
    """draft or stopped -> active: drivers may claim it (if claimable), gifts give it."""
    with unit_of_work(keep_loaded=True):
        template = locked(actor, template_id)
        if template.status == "active":
            return template
        now = utcnow()
        if terms.has_ended(template, now):
            raise Invalid({"last_day": "有效期已过，不能启用；请修改有效期或新建一张"})
        before = {"template_status": template.status}
        template.status = "active"
        template.activated_at = template.activated_at or now
        template.stopped_at = None
        after = {"template_status": "active", "name": template.name}
        _record(actor, "coupon_template.activate", template, before, after)
        return template


def stop_template(actor: Staff, template_id: int) -> CouponTemplate:
    """active -> stopped: no more issued; those out stay good until they expire."""
    with unit_of_work(keep_loaded=True):
        template = locked(actor, template_id)
        if template.status == "draft":
            raise Conflict("草稿还没有启用，不需要停发")
        if template.status == "active":
            template.status, template.stopped_at = "stopped", utcnow()
            _record(
                actor, "coupon_template.stop", template, {"status": "active"}, {"status": "stopped"}
            )
        return template

"""Issued coupons for staff: found by the member's phone, the template and the status, paged and
exported; and voided by staff with a reason.

A manager sees the coupons of the chain's templates and of their stations' (as they see the
templates) and voids only those of their stations' templates; a chain admin sees and voids
every one. The console shows phones masked, as in the orders list."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update

from app.extensions import db
from app.models import (
    COUPON_SOURCES,
    COUPON_STATUSES,
    Coupon,
    CouponTemplate,
    Member,
    Order,
    Staff,
)
from app.models.base import utcnow
from app.services.marketing import templates, terms
from app.services.marketing.mine import status_now
from app.services.platform import audit
from app.services.platform.errors import Conflict, Invalid, NotFound
from app.services.platform.unit_of_work import unit_of_work

PER_PAGE = 20
EXPORT_BATCH = 500
REASON_MAX = 200
LABELS = {"phone": "手机号", "template_id": "优惠券", "status": "状态"}


@dataclass(frozen=True)
class Filters:
    phone: str | None = None  # 11 digits, or the last 4
    template_id: int | None = None
    status: str | None = None


def read_filters(args) -> Filters:
    """The filters as typed (a query string); Invalid naming each that is wrong."""
    problems = {}
    phone = (args.get("phone") or "").strip().replace(" ", "").replace("-", "")
    if phone and not (phone.isdigit() and len(phone) in (4, 11)):
        problems["phone"] = "手机号请输入完整的 11 位或后 4 位"
    template = (args.get("template_id") or "").strip()
    if template and not (template.isdigit() and 0 < int(template) < 2**31):
        problems["template_id"] = "请选择优惠券"
    status = (args.get("status") or "").strip()
    if status and status not in COUPON_STATUSES:
        problems["status"] = "请选择状态"
    if problems:
        raise Invalid(problems)
    return Filters(phone or None, int(template) if template else None, status or None)


@dataclass(frozen=True)
class IssuedRow:
    coupon: Coupon
    template: CouponTemplate
    member: Member
    status: str  # as of now: an available coupon past valid_until is expired
    may_void: bool
    order_no: str | None = None  # the order it is held on or was used by

    @property
    def status_name(self) -> str:
        return COUPON_STATUSES[self.status]

    @property
    def source_name(self) -> str:
        return COUPON_SOURCES[self.coupon.source]

    @property
    def rule(self) -> str:
        return terms.rule_text(self.template)

    @property
    def validity(self) -> str:
        return terms.window_text(self.coupon.valid_from, self.coupon.valid_until)


@dataclass(frozen=True)
class IssuedPage:
    rows: list[IssuedRow]
    number: int
    has_next: bool


def _status_condition(status: str, now: datetime):
    past = Coupon.valid_until <= now
    if status == "available":
        return and_(Coupon.status == "available", ~past)
    if status == "expired":
        return or_(Coupon.status == "expired", and_(Coupon.status == "available", past))
    return Coupon.status == status


def _query(actor: Staff, f: Filters, now: datetime):
    query = (
        select(Coupon, CouponTemplate, Member, Order.order_no)
        .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
        .join(Member, Member.id == Coupon.member_id)
        .outerjoin(Order, Order.id == Coupon.order_id)
        .where(Coupon.chain_id == actor.chain_id, *templates.visible_filter(actor))
    )
    if f.phone:
        phone = Member.phone == f.phone if len(f.phone) == 11 else Member.phone.like(f"%{f.phone}")
        query = query.where(phone)
    if f.template_id:
        query = query.where(Coupon.template_id == f.template_id)
    if f.status:
        query = query.where(_status_condition(f.status, now))
    return query.order_by(Coupon.id.desc())


def _rows(actor: Staff, found, now: datetime) -> list[IssuedRow]:
    rows = []
    for coupon, template, member, order_no in found:
        status = status_now(coupon, now)
        may_void = status == "available" and templates.may_manage(actor, template.station_id)
        rows.append(IssuedRow(coupon, template, member, status, may_void, order_no))
    return rows


def search(actor: Staff, f: Filters, page: int = 1, per_page: int = PER_PAGE) -> IssuedPage:
    now = utcnow()
    page = max(page, 1)
    query = _query(actor, f, now).offset((page - 1) * per_page).limit(per_page + 1)
    found = db.session.execute(query).all()
    return IssuedPage(_rows(actor, found[:per_page], now), page, len(found) > per_page)


def export_rows(actor: Staff, f: Filters, limit: int) -> Iterator[IssuedRow]:
    now = utcnow()
    query = _query(actor, f, now)
    done = 0
    while done < limit:
        batch = db.session.execute(query.offset(done).limit(min(EXPORT_BATCH, limit - done)))
        found = batch.all()
        yield from _rows(actor, found, now)
        done += len(found)
        if len(found) < EXPORT_BATCH:
            return


def template_choices(actor: Staff) -> list[tuple[int, str]]:
    """The templates to filter by: those the staff member sees, newest first."""
    query = select(CouponTemplate.id, CouponTemplate.name).where(*templates.visible_filter(actor))
    return list(db.session.execute(query.order_by(CouponTemplate.id.desc())).tuples())


def void_coupon(actor: Staff, coupon_id: int, reason: str | None) -> Coupon:
    """available -> voided with the reason, by a compare-and-set; Conflict when it is held,
    used, expired or voided already (or past its validity)."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": "请填写作废原因"})
    if len(reason) > REASON_MAX:
        raise Invalid({"reason": f"作废原因最多 {REASON_MAX} 个字"})
    with unit_of_work(keep_loaded=True):
        found = db.session.execute(
            select(Coupon, CouponTemplate, Member)
            .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
            .join(Member, Member.id == Coupon.member_id)
            .where(Coupon.id == coupon_id, *templates.visible_filter(actor))
        ).first()
        if found is None:
            raise NotFound("优惠券不存在")
        coupon, template, member = found
        templates.check_may_manage(actor, template.station_id)
        now = utcnow()
        won = db.session.execute(
            update(Coupon)
            .where(Coupon.id == coupon.id, Coupon.status == "available", Coupon.valid_until > now)
            .values(status="voided", voided_at=now, voided_by_id=actor.id, void_reason=reason)
            .returning(Coupon.id)
        ).first()
        db.session.refresh(coupon)
        if won is None:
            name = COUPON_STATUSES[status_now(coupon, now)]
            raise Conflict(f"这张券{name}，不能作废，请刷新页面")
        audit.record(
            actor,
            "coupon.void",
            "coupon",
            coupon.id,
            chain_id=coupon.chain_id,
            station_id=template.station_id,
            before={"coupon_status": "available"},
            after={
                "coupon_status": "voided",
                "reason": reason,
                "coupon": template.name,
                "member": member.nickname or f"会员{member.id}",
            },
        )
        return coupon

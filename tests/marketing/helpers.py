"""Coupon templates for tests, made and activated through the services as staff would."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Coupon, CouponTemplate
from app.services.marketing import templates


def fields(**changes) -> dict:
    """满100减10, good 30 days after receipt, 100 in stock, one per member, claimable."""
    base = {
        "name": "满100减10",
        "kind": "amount_off",
        "off_fen": 1000,
        "min_spend_fen": 10000,
        "validity": "relative",
        "valid_days": 30,
        "stock_total": 100,
        "per_member_limit": 1,
        "claimable": True,
    }
    return base | changes


def active_template(actor, station=None, **changes) -> CouponTemplate:
    made = templates.create_template(actor, station.id if station else None, **fields(**changes))
    return templates.activate_template(actor, made.id)


def coupons_of(member_id: int | None = None) -> list[Coupon]:
    db.session.expire_all()
    query = select(Coupon).order_by(Coupon.id)
    if member_id is not None:
        query = query.where(Coupon.member_id == member_id)
    return list(db.session.scalars(query))


def stock_left(template_id: int) -> int | None:
    db.session.expire_all()
    return db.session.get(CouponTemplate, template_id).stock_left


def coupon_count() -> int:
    return db.session.scalar(select(func.count(Coupon.id)))

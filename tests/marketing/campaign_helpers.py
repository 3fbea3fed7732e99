"""Campaigns for tests, made and activated through the services as staff would, live from an
hour ago for 30 days unless told otherwise."""

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, FirstOrderClaim
from app.models.base import utcnow
from app.services.marketing import campaigns

KINDS = {
    "members_day": {"kind": "members_day", "per_litre_fen": 30},  # 0.30 元/L off, every day
    "first_order": {"kind": "first_order", "off_fen": 1000},  # 首单立减10元
    "spend_off": {"kind": "spend_off", "threshold_fen": 20_000, "off_fen": 1000},  # 满200减10
}


def campaign_fields(kind: str = "spend_off", **changes) -> dict:
    now = utcnow()
    base = {
        "name": {"members_day": "会员日", "first_order": "首单立减", "spend_off": "满200减10"}[
            kind
        ],
        "scope": "chain",
        "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(days=30),
        **KINDS[kind],
    }
    return base | changes


def active_campaign(actor, kind: str = "spend_off", **changes) -> Campaign:
    made = campaigns.create_campaign(actor, **campaign_fields(kind, **changes))
    return campaigns.activate_campaign(actor, made.id)


def claims() -> list[FirstOrderClaim]:
    db.session.expire_all()
    return list(db.session.scalars(select(FirstOrderClaim).order_by(FirstOrderClaim.id)))

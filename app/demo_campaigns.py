"""The demo's campaigns: a weekly members' day (周三会员日, 0.30 元/L off for members) and 满200减10
on 92#, made and activated by the demo's chain admin through the real service, running from
before the demo's week of trading (so its orders get them and their reports have figures)
for two months."""

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Fuel, Staff
from app.models.base import utcnow
from app.services.marketing import campaigns
from app.services.platform.clock import from_local, to_local

WEDNESDAY = 2


def load(chain_id: int, admin_username: str) -> None:
    admin = db.session.scalars(select(Staff).where(Staff.username == admin_username)).one()
    gasoline_92 = db.session.scalars(
        select(Fuel.id).where(Fuel.chain_id == chain_id, Fuel.code == "92")
    ).one()
    today = to_local(utcnow()).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    period = {  # whole local days, as a marketing manager sets them
        "starts_at": from_local(today - timedelta(days=8)),
        "ends_at": from_local(today + timedelta(days=61)),
    }
    for fields in (
        {
            "name": "周三会员日",
            "note": "每周三会员加油每升再降0.30元，可与优惠券同享",
            "kind": "members_day",
            "per_litre_fen": 30,
            "weekdays": [WEDNESDAY],
        },
        {
            "name": "92#满200减10",
            "note": "92#汽油单笔满200元立减10元",
            "kind": "spend_off",
            "threshold_fen": 20_000,
            "off_fen": 1_000,
            "fuel_ids": [gasoline_92],
        },
    ):
        made = campaigns.create_campaign(admin, scope="chain", **period, **fields)
        campaigns.activate_campaign(admin, made.id)

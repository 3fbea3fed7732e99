"""The demo's points (part of the demo data): the chain's first rules (1 point per yuan of
gasoline, 1 per 2 yuan of diesel, more for the higher tiers, a daily cap), a car wash and shop
goods in the catalogue, and points given to the first demo driver so the mini-program's points
pages have something to show."""

from sqlalchemy import select

from app.extensions import db
from app.models import Fuel, Member, Staff, Tier
from app.services.marketing.points import adjusting, catalogue, rules
from app.services.marketing.points.catalogue import ItemFields

TIER_PERCENTS = {"金卡": 120, "钻石卡": 150}
WELCOME_POINTS = 800


def load(chain_id: int, admin_username: str) -> None:
    admin = db.session.scalars(select(Staff).where(Staff.username == admin_username)).one()
    fuels = db.session.scalars(select(Fuel).where(Fuel.chain_id == chain_id)).all()
    tiers = db.session.scalars(select(Tier).where(Tier.chain_id == chain_id)).all()
    rules.create_version(
        admin,
        basis="yuan",
        daily_cap=2000,
        expiry_months=12,
        effective_from=None,
        effective_until=None,
        fuel_rates={f.id: (1, 2 if f.kind == "diesel" else 1) for f in fuels},
        tier_percents={t.id: TIER_PERCENTS[t.name] for t in tiers if t.name in TIER_PERCENTS},
        note="演示：开业积分规则",
    )
    for kind, name, points, stock, limit in (
        ("car_wash", "精致洗车一次", 300, 100, 2),
        ("goods", "矿泉水一箱", 500, 50, None),
    ):
        fields = ItemFields(kind, name, "", points, None, stock, limit, None, None)
        catalogue.create_item(admin, fields)
    driver = db.session.scalars(
        select(Member).where(Member.chain_id == chain_id, Member.openid == "demo-driver-1")
    ).one()
    adjusting.adjust(admin, driver.id, WELCOME_POINTS, "演示：开业赠送积分")

"""factory_boy factories and a small two-station world for tests."""

from datetime import timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.extensions import db
from app.models import (
    Chain,
    Fuel,
    FuelPrice,
    Member,
    Nozzle,
    Staff,
    StaffStation,
    Station,
    StationFuel,
    StationHours,
)
from app.models.base import utcnow
from app.services.staff.passwords import hash_password

PASSWORD = "Jiayou2026"
_HASH_CACHE: dict[str, str] = {}


def cached_hash(password: str) -> str:
    """argon2 is slow on purpose; hash each test password once per run."""
    if password not in _HASH_CACHE:
        _HASH_CACHE[password] = hash_password(password)
    return _HASH_CACHE[password]


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class ChainFactory(Base):
    class Meta:
        model = Chain

    code = factory.Sequence(lambda n: f"chain{n}")
    name = factory.Sequence(lambda n: f"云岭石化{n}")
    wechat_appid = factory.Sequence(lambda n: f"wxtest{n:012d}")


class StationFactory(Base):
    class Meta:
        model = Station

    chain_id = factory.LazyAttribute(lambda o: o.chain.id)
    chain = factory.SubFactory(ChainFactory)
    code = factory.Sequence(lambda n: f"ST{n:03d}")
    name = factory.Sequence(lambda n: f"昆明测试加油站{n}")
    city = "昆明"
    address = "五华区人民中路1号"
    phone = "0871-65550000"
    lat = 25.0406
    lng = 102.7123
    services = factory.LazyFunction(lambda: ["便利店"])

    class Params:
        chain = None

    @factory.post_generation
    def open_all_day(obj, create, extracted, **kwargs):
        if extracted is False:
            return
        for weekday in range(7):
            db.session.add(
                StationHours(
                    chain_id=obj.chain_id,
                    station_id=obj.id,
                    weekday=weekday,
                    opens_min=0,
                    closes_min=1440,
                )
            )
        db.session.flush()


def make_staff(chain: Chain, role: str, stations: list[Station], username: str) -> Staff:
    staff = Staff(
        chain_id=chain.id,
        username=username,
        display_name=username,
        role=role,
        password_hash=cached_hash(PASSWORD),
    )
    db.session.add(staff)
    db.session.flush()
    for station in stations:
        db.session.add(StaffStation(chain_id=chain.id, staff_id=staff.id, station_id=station.id))
    db.session.flush()
    return staff


FUELS = [
    ("92", "92#汽油", "gasoline", 768, 748),
    ("95", "95#汽油", "gasoline", 821, 801),
    ("98", "98#汽油", "gasoline", 929, 909),
    ("0", "0#柴油", "diesel", 745, 725),
]


class World:
    """One chain, stations A and B with fuels, prices and nozzles, staff of every role."""

    def __init__(self):
        self.chain = ChainFactory(wechat_appid=None)
        self.station_a = StationFactory(chain=self.chain, name="昆明北京路加油站", code="KM001")
        self.station_b = StationFactory(
            chain=self.chain,
            name="大理古城加油站",
            code="DL001",
            city="大理",
            lat=25.6065,
            lng=100.2676,
        )
        self.fuels = {}
        for sort, (code, name, kind, _, _) in enumerate(FUELS):
            fuel = Fuel(chain_id=self.chain.id, code=code, name=name, kind=kind, sort_order=sort)
            db.session.add(fuel)
            self.fuels[code] = fuel
        db.session.flush()
        since = utcnow() - timedelta(days=1)
        for station in (self.station_a, self.station_b):
            for number, (code, _, _, list_fen, member_fen) in enumerate(FUELS, start=1):
                fuel = self.fuels[code]
                db.session.add(
                    StationFuel(chain_id=self.chain.id, station_id=station.id, fuel_id=fuel.id)
                )
                db.session.add(
                    FuelPrice(
                        chain_id=self.chain.id,
                        station_id=station.id,
                        fuel_id=fuel.id,
                        list_price_fen=list_fen,
                        member_price_fen=member_fen,
                        effective_at=since,
                    )
                )
                db.session.add(
                    Nozzle(
                        chain_id=self.chain.id,
                        station_id=station.id,
                        number=number,
                        fuel_id=fuel.id,
                    )
                )
        db.session.flush()
        self.admin = make_staff(self.chain, "chain_admin", [], "admin")
        self.manager_a = make_staff(self.chain, "manager", [self.station_a], "manager_a")
        self.manager_b = make_staff(self.chain, "manager", [self.station_b], "manager_b")
        self.cashier_a = make_staff(self.chain, "cashier", [self.station_a], "cashier_a")
        self.attendant_a = make_staff(self.chain, "attendant", [self.station_a], "attendant_a")
        db.session.commit()


def make_member(chain: Chain, openid: str = "o-test-driver") -> Member:
    member = Member(chain_id=chain.id, openid=openid, nickname="测试车主")
    db.session.add(member)
    db.session.commit()
    return member

"""Demo data for the embedded mode: a Yunnan chain with stations, prices, nozzles and staff,
the week of trading before the moment it is loaded (demo_history) with the chain's coupons,
banners and announcements (demo_marketing), and the coming price change."""

import hashlib
import io
import random
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from app import demo_campaigns, demo_history, demo_marketing, demo_members, demo_points, demo_topups
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
    StationPhoto,
)
from app.models.base import utcnow
from app.services import ledger
from app.services.catalogue.setup import ensure_chain
from app.services.ledger.postings import Leg
from app.services.members import tiers
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.passwords import hash_password

CHAIN_CODE, CHAIN_NAME = "yunling", "云岭能源"
DEMO_PASSWORD = "demo1234"
ADMIN_USERNAME = "admin"
FULL_DAY = (0, 1440)

# code, name, city, address, GCJ-02 lat/lng, phone, daily hours, services, nozzles
STATIONS = [
    (
        "KM001",
        "昆明北京路加油站",
        "昆明",
        "盘龙区北京路 1088 号",
        25.0586,
        102.7215,
        "0871-63310001",
        FULL_DAY,
        ["便利店", "卫生间", "打气", "ETC"],
        12,
    ),
    (
        "KM002",
        "昆明滇池路加油站",
        "昆明",
        "西山区滇池路 569 号",
        24.9962,
        102.6871,
        "0871-64120002",
        (360, 1380),
        ["便利店", "洗车", "卫生间"],
        8,
    ),
    (
        "KM003",
        "昆明呈贡大学城加油站",
        "昆明",
        "呈贡区聚贤街 66 号",
        24.8447,
        102.8553,
        "0871-67450003",
        FULL_DAY,
        ["便利店", "卫生间", "充电桩"],
        10,
    ),
    (
        "DL001",
        "大理古城加油站",
        "大理",
        "大理市大理古城复兴路 8 号",
        25.6925,
        100.1622,
        "0872-26760001",
        (420, 1320),
        ["便利店", "卫生间"],
        6,
    ),
    (
        "DL002",
        "大理下关洱河加油站",
        "大理",
        "大理市下关镇洱河南路 210 号",
        25.5894,
        100.2381,
        "0872-21230002",
        FULL_DAY,
        ["便利店", "洗车", "卫生间", "餐饮"],
        8,
    ),
    (
        "LJ001",
        "丽江古城加油站",
        "丽江",
        "古城区香格里大道 905 号",
        26.8605,
        100.2272,
        "0888-51880001",
        (390, 1410),
        ["便利店", "卫生间", "休息室"],
        6,
    ),
    (
        "XS001",
        "西双版纳景洪加油站",
        "西双版纳",
        "景洪市勐泐大道 31 号",
        22.0095,
        100.7903,
        "0691-21290001",
        FULL_DAY,
        ["便利店", "卫生间", "洗车"],
        4,
    ),
]
# Yunnan-like prices in fen per litre (list, member), varying a little by station.
BASE_PRICES = {"92": (796, 766), "95": (852, 817), "98": (962, 927), "0": (758, 728)}
DEMO_WALLET_FEN = 100_000  # 1,000 元 for each demo driver
DEMO_DRIVERS = [
    ("demo-driver-1", "张师傅"),
    ("demo-driver-2", "李女士"),
    ("demo-driver-3", "王先生"),
]


def load(wechat_appid: str | None) -> tuple[bool, list[tuple[str, str, str]]]:
    """Load the demo once; returns (created_now, [(username, role name, stations)])."""
    existing = db.session.scalar(select(Chain).where(Chain.code == CHAIN_CODE))
    if existing is None:
        with unit_of_work():  # all of it or nothing
            chain = ensure_chain(CHAIN_CODE, CHAIN_NAME, wechat_appid)
            _load_catalogue(chain)
            _load_people(chain)
            demo_topups.load_packages(chain)
            tiers.ensure_default_tiers(chain.id)  # 银卡/金卡/钻石卡 on a year's spend
            demo_members.load(chain.id)
            demo_campaigns.load(chain.id, ADMIN_USERNAME)  # the week's orders get them
            demo_history.load(chain.id, DEMO_PASSWORD)  # the past week's trading, up to now
            demo_points.load(chain.id, ADMIN_USERNAME)
            demo_marketing.load(chain.id, ADMIN_USERNAME)  # tonight's price change
    return existing is None, demo_logins()


def demo_logins() -> list[tuple[str, str, str]]:
    staff = db.session.scalars(select(Staff).order_by(Staff.id))
    names = {s.id: s.name for s in db.session.scalars(select(Station))}
    return [
        (s.username, s.role_name, "、".join(names[i] for i in sorted(s.station_ids)) or "全部油站")
        for s in staff
    ]


def _load_catalogue(chain: Chain) -> None:
    rng = random.Random(20261125)
    fuels = {f.code: f for f in db.session.scalars(select(Fuel).where(Fuel.chain_id == chain.id))}
    now = utcnow()
    since = now - timedelta(days=30)  # the month's prices; tonight's change: demo_marketing
    for code, name, city, address, lat, lng, phone, hours, services, nozzles in STATIONS:
        station = Station(
            chain_id=chain.id,
            code=code,
            name=name,
            city=city,
            address=address,
            lat=lat,
            lng=lng,
            phone=phone,
            services=services,
        )
        db.session.add(station)
        db.session.flush()
        for weekday in range(7):
            db.session.add(
                StationHours(
                    chain_id=chain.id,
                    station_id=station.id,
                    weekday=weekday,
                    opens_min=hours[0],
                    closes_min=hours[1],
                )
            )
        sold = ["92", "95", "0"] if code == "XS001" else ["92", "95", "98", "0"]
        for fuel_code in sold:
            fuel = fuels[fuel_code]
            db.session.add(StationFuel(chain_id=chain.id, station_id=station.id, fuel_id=fuel.id))
            list_fen, member_fen = BASE_PRICES[fuel_code]
            delta = rng.choice((-4, -2, 0, 0, 3, 5))
            db.session.add(
                FuelPrice(
                    chain_id=chain.id,
                    station_id=station.id,
                    fuel_id=fuel.id,
                    list_price_fen=list_fen + delta,
                    member_price_fen=member_fen + delta,
                    effective_at=since,
                )
            )
        # Most nozzles pour 92#; each fuel sold has at least one.
        plan = sold + [rng.choice(["92", "92", "95", "0"]) for _ in range(nozzles - len(sold))]
        for number, fuel_code in enumerate(sorted(plan, key=sold.index), start=1):
            db.session.add(
                Nozzle(
                    chain_id=chain.id,
                    station_id=station.id,
                    number=number,
                    fuel_id=fuels[fuel_code].id,
                )
            )
        for position, caption in enumerate(("站点外景", "便利店")):
            data = _photo(code, position)
            db.session.add(
                StationPhoto(
                    chain_id=chain.id,
                    station_id=station.id,
                    position=position,
                    caption=caption,
                    content_type="image/jpeg",
                    width=800,
                    height=500,
                    sha256=hashlib.sha256(data).hexdigest(),
                    data=data,
                )
            )
    db.session.flush()


def _load_people(chain: Chain) -> None:
    password_hash = hash_password(DEMO_PASSWORD)

    def add_staff(username: str, name: str, role: str, station_ids: list[int]) -> None:
        staff = Staff(
            chain_id=chain.id,
            username=username,
            display_name=name,
            role=role,
            password_hash=password_hash,
        )
        db.session.add(staff)
        db.session.flush()
        for station_id in station_ids:
            db.session.add(
                StaffStation(chain_id=chain.id, staff_id=staff.id, station_id=station_id)
            )

    add_staff(ADMIN_USERNAME, "总部管理员", "chain_admin", [])
    stations = db.session.scalars(
        select(Station).where(Station.chain_id == chain.id).order_by(Station.code)
    )
    surnames = iter("赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张")
    for station in stations:
        prefix = station.code.lower()
        for role, title in (("manager", "站长"), ("cashier", "收银员"), ("attendant", "加油员")):
            add_staff(f"{prefix}.{role}", f"{next(surnames)}{title}", role, [station.id])
    for openid, nickname in DEMO_DRIVERS:
        member = Member(chain_id=chain.id, openid=openid, nickname=nickname)
        db.session.add(member)
        db.session.flush()
        # A demo top-up, booked like any other, so the wallet can pay right away.
        ledger.post(
            chain.id,
            "wallet.topup.demo",
            [
                Leg("topup_clearing", DEMO_WALLET_FEN),
                Leg("member_wallet", -DEMO_WALLET_FEN, member_id=member.id),
            ],
            memo="演示充值",
        )


def _photo(code: str, variant: int) -> bytes:
    """A simple drawn picture of a station forecourt (or its shop), as a JPEG."""
    rng = random.Random(f"{code}-{variant}")
    img = Image.new("RGB", (800, 500))
    draw = ImageDraw.Draw(img)
    for y in range(500):  # sky to ground gradient
        shade = 235 - y // 4 if y < 320 else 110 + (y - 320) // 6
        draw.line(
            [(0, y), (800, y)], fill=(shade - 40, shade - 10, shade) if y < 320 else (shade,) * 3
        )
    brand = (0, 112, 74)
    if variant == 0:
        draw.rectangle([80, 120, 720, 170], fill=brand)  # canopy
        draw.rectangle([80, 170, 720, 180], fill=(250, 200, 0))
        for x in range(140, 700, 140):
            draw.rectangle([x - 8, 180, x + 8, 360], fill=(220, 220, 220))  # columns
            draw.rectangle([x + 25, 280, x + 70, 360], fill=(240, 240, 240), outline=brand, width=3)
        draw.text((100, 134), f"YUNLING ENERGY  {code}", fill="white")
    else:
        draw.rectangle([120, 150, 680, 380], fill=(245, 245, 240), outline=brand, width=6)
        draw.rectangle([120, 150, 680, 200], fill=brand)
        for x in range(160, 640, 120):
            h = rng.randint(60, 120)
            draw.rectangle([x, 380 - h, x + 90, 370], fill=(rng.randint(150, 255), 160, 90))
        draw.text((140, 168), f"SHOP  {code}", fill="white")
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()

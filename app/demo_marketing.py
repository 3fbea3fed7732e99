"""The demo's marketing (part of the demo data; the week itself is app/demo_history.py's).

The evening the week starts, an hour before the regulars join, head office launches the chain's
coupons, a template of every kind (满减, a capped 折扣, 每升直降 on 95#, one that ends within the
week, one stopped during it, a draft), makes one the new member's gift and one the reward of the
bigger top-up packages, and puts up the first banners and announcements; 昆明北京路's manager
adds the station's own coupon and banner. More banners and announcements follow during the week
(大理's banner, 昆明's and 昆明滇池路's announcements ...). During the week the regulars get
the join gift as they join and the rewards with their top-ups, claim coupons in the claim
centre, and most of their orders use the coupon the order page or the counter preselects
(demo_orders.suggested_coupon). The mini-program's demo drivers claim theirs on given days and
each uses one on an order paid with WeChat Pay (their wallets stay as loaded): demo-driver-1
ends with three to use (one only at 昆明北京路, one only for 95#), one used, one expired, and a
second 满200减10 left to claim.

After the week, at the real time, the coupons past their validity are marked expired (as the
hourly job would) and head office schedules the coming price change (the national window, 24:00
tonight: +0.10 元/升 everywhere), which the price-change notices announce.

All of it through the real use cases, each at its moment on the week's stopped clock."""

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app import demo_orders
from app.extensions import db
from app.models import Staff, Station, TopupPackage
from app.models.base import utcnow
from app.services import payments
from app.services.catalogue import chain_prices, pricing
from app.services.marketing import banners, claiming, expiry, gifts, notices, templates
from app.services.marketing.banners import BannerFields
from app.services.marketing.notices import AnnouncementFields
from app.services.marketing.terms import day_start

PICTURES = Path(__file__).parent / "static" / "demo"
LAUNCH_BEFORE_START = timedelta(hours=1)
PRICE_RISE_FEN = 10  # the coming adjustment: +0.10 元/升
CLAIMS_A_DAY = 3  # regulars who claim a coupon in the claim centre each day
RELATIVE = {"validity": "relative"}

# key: (station of its own (None: the chain's), fields as templates.create_template takes them);
# first_day/last_day of a fixed validity are days from today (local), fuel codes in "fuels".
TEMPLATES = {
    "A": (None, dict(name="满200减10 加油券", kind="amount_off", off_fen=1_000,
                     min_spend_fen=20_000, valid_days=30, stock_total=300, per_member_limit=2,
                     claimable=True, note="全部油站、全部油品可用，每单限用一张", **RELATIVE)),
    "B": (None, dict(name="加油9.5折券", kind="percent_off", pay_percent=95, max_off_fen=2_000,
                     min_spend_fen=10_000, valid_days=15, stock_total=200, per_member_limit=1,
                     claimable=True, note="满100元可用，最高减20元", **RELATIVE)),
    "C": (None, dict(name="95#每升直降0.3元", kind="per_litre", per_litre_fen=30,
                     max_off_fen=1_500, validity="fixed", first_day=-8, last_day=30,
                     per_member_limit=1, claimable=True, fuels=["95"],
                     note="仅限95#汽油，每单最高减15元")),
    "D": ("KM001", dict(name="北京路站专享 满300减20", kind="amount_off", off_fen=2_000,
                        min_spend_fen=30_000, valid_days=14, stock_total=50, per_member_limit=1,
                        claimable=True, note="仅限昆明北京路加油站使用", **RELATIVE)),
    "E": (None, dict(name="新会员礼 满100减5", kind="amount_off", off_fen=500,
                     min_spend_fen=10_000, valid_days=7, per_member_limit=1,
                     note="新会员注册即送，7天内有效", **RELATIVE)),
    "F": (None, dict(name="充值礼 满150减8", kind="amount_off", off_fen=800, min_spend_fen=15_000,
                     valid_days=30, per_member_limit=1, note="充值套餐赠送", **RELATIVE)),
    "G": (None, dict(name="限时特惠 满100减6", kind="amount_off", off_fen=600,
                     min_spend_fen=10_000, validity="fixed", first_day=-8, last_day=-3,
                     stock_total=100, per_member_limit=1, claimable=True, note="限时活动")),
    "H": (None, dict(name="开业酬宾 无门槛减5元", kind="amount_off", off_fen=500, valid_days=10,
                     stock_total=100, per_member_limit=1, claimable=True, **RELATIVE)),
    "I": (None, dict(name="自驾游季 满300减15", kind="amount_off", off_fen=1_500,
                     min_spend_fen=30_000, valid_days=30, stock_total=500, per_member_limit=1,
                     claimable=True, note="草稿：待总部确认后启用", **RELATIVE)),
}  # fmt: skip
DRAFTS = {"I"}
JOIN_GIFT = "E"
TOPUP_REWARDS = {"F": {"充1000送80": 2, "充500送30": 1}}
STOPPED = ("H", 3, 12)  # stopped by head office three days ago at noon

# (days ago, None: at the launch; picture, title, who, scope, city or station code, target,
# target station code, last day shown in days from today, None: until withdrawn)
BANNERS = [
    (None, "coupon-centre", "领券中心 好券限量领", "admin", "chain", None, "coupon_centre", None,
     None),
    (None, "topup-gift", "充值有礼 再送优惠券", "admin", "chain", None, "wallet", None, None),
    (None, "km001-special", "北京路站专享 满300减20", "km001.manager", "station", "KM001",
     "order", "KM001", 13),
    (4, "dali-route", "苍山洱海 加满再出发", "admin", "city", "大理", "station", "DL001", None),
    (1, "member-code", "到店出示会员码", "admin", "chain", None, "member_code", None, None),
]  # fmt: skip
# (days ago, None: at the launch; who, scope, city or station code, pinned, title, body)
ANNOUNCEMENTS = [
    (None, "admin", "chain", None, True, "领券中心上线，好券限量领",
     "即日起，在小程序「我的 › 领券中心」可领取满200减10、加油9.5折、95#每升直降0.3元等优惠券，"
     "数量有限，领完即止。新会员注册即送满100减5优惠券；充值1000元再送满150减8优惠券2张。"),
    (None, "admin", "chain", None, False, "加油安全提示",
     "进站请减速慢行，加油时请熄火，勿吸烟、勿拨打电话；请听从加油员引导停车。"),
    (5, "admin", "city", "昆明", False, "昆明各站柜台支持会员码",
     "在昆明各油站柜台出示小程序会员码，即享会员价，并可用钱包余额和优惠券付款。"),
    (2, "km002.manager", "station", "KM002", False, "滇池路站洗车服务时间",
     "本站洗车服务时间为每日 08:00–20:00，雨天暂停，敬请谅解。"),
]  # fmt: skip
PUT_UP_AT = 10  # the hour of the day banners and announcements go up after the launch
# The mini-program's demo drivers: (openid, days ago, hour, minute, what, template key or the
# order's station, fuel, litres in ml and car (None: the default one))
DRIVERS = [
    ("demo-driver-1", 6, 9, 12, "claim", "G"),  # never used: expired two days ago
    ("demo-driver-1", 5, 19, 40, "claim", "A"),
    ("demo-driver-1", 4, 8, 10, "order", ("KM001", "95", 45_000, "云AD12345")),  # uses A
    ("demo-driver-1", 1, 9, 30, "claim", "B"),
    ("demo-driver-1", 1, 9, 31, "claim", "C"),
    ("demo-driver-1", 1, 18, 20, "claim", "D"),
    ("demo-driver-2", 4, 12, 0, "claim", "A"),
    ("demo-driver-2", 4, 12, 1, "claim", "C"),
    ("demo-driver-2", 3, 17, 30, "order", ("KM002", "95", 40_000, None)),  # uses C
    ("demo-driver-3", 3, 7, 50, "claim", "B"),
    ("demo-driver-3", 3, 7, 51, "claim", "A"),
    ("demo-driver-3", 2, 10, 20, "order", ("KM003", "0", 80_000, None)),  # uses B
]
PAID_AFTER = timedelta(seconds=40)


def schedule(history) -> None:
    at = history.local
    history.timeline.at(history.start - LAUNCH_BEFORE_START, _launch, history)
    key, days_ago, hour = STOPPED
    stopped_at = at(history.today - timedelta(days=days_ago), hour)
    history.timeline.at(stopped_at, _stop, history, key)
    for day in history.days()[1:-1]:  # claims from the first day until yesterday
        for _ in range(CLAIMS_A_DAY):
            moment = at(day, history.rng.randint(8, 21), history.rng.randint(0, 59))
            history.timeline.at(moment, _claim_some, history)
    for items, put_up in ((BANNERS, _put_up_banner), (ANNOUNCEMENTS, _put_up_announcement)):
        for days_ago, *item in items:
            if days_ago is not None:
                moment = at(history.today - timedelta(days=days_ago), PUT_UP_AT)
                history.timeline.at(moment, put_up, history, *item)
    drivers = {m.openid: m for m in history.drivers}
    for openid, days_ago, hour, minute, what, arg in DRIVERS:
        moment = at(history.today - timedelta(days=days_ago), hour, minute)
        step = _claim if what == "claim" else _order
        history.timeline.at(moment, step, history, drivers[openid], arg)


def _launch(history) -> None:
    """The templates made (昆明北京路's by its manager) and activated but the draft, the join
    gift and the top-up rewards set, the first banners and announcements put up."""
    admin = history.staff["admin"]
    fuels = {code: fuel_id for fuel_id, code in history.fuels.items()}
    for key, (station_code, spec) in TEMPLATES.items():
        fields = dict(spec)
        fields["fuel_ids"] = [fuels[code] for code in fields.pop("fuels", [])]
        for name in ("first_day", "last_day"):
            if name in fields:
                fields[name] = history.today + timedelta(days=fields[name])
        actor, station_id = admin, None
        if station_code is not None:
            actor = history.staff[f"{station_code.lower()}.manager"]
            station_id = history.stations[station_code].id
        template = templates.create_template(actor, station_id, **fields)
        if key not in DRAFTS:
            templates.activate_template(actor, template.id)
        history.coupon_templates[key] = template.id
    packages = {
        p.name: p.id
        for p in db.session.scalars(
            select(TopupPackage).where(TopupPackage.chain_id == history.chain_id)
        )
    }
    gifts.set_gifts(admin, history.coupon_templates[JOIN_GIFT], 1, {})
    for key, rewards in TOPUP_REWARDS.items():
        quantities = {packages[name]: quantity for name, quantity in rewards.items()}
        gifts.set_gifts(admin, history.coupon_templates[key], 0, quantities)
    for items, put_up in ((BANNERS, _put_up_banner), (ANNOUNCEMENTS, _put_up_announcement)):
        for days_ago, *item in items:
            if days_ago is None:
                put_up(history, *item)


def _place(history, scope: str, where: str | None) -> dict:
    return {
        "scope": scope,
        "city": where if scope == "city" else None,
        "station_id": history.stations[where].id if scope == "station" else None,
    }


def _put_up_banner(history, picture, title, who, scope, where, target, target_code, days):
    """A banner made, with its picture, and published at once (shown from now)."""
    actor = history.staff[who]
    fields = BannerFields(
        title=title,
        target=target,
        target_station_id=history.stations[target_code].id if target_code else None,
        live_from=utcnow(),
        live_until=day_start(history.today + timedelta(days=days + 1)) if days else None,
        **_place(history, scope, where),
    )
    image = (PICTURES / f"{picture}.png").read_bytes()
    banner = banners.create_banner(actor, fields, image)
    banners.publish(actor, banner.id)


def _put_up_announcement(history, who, scope, where, pinned, title, body) -> None:
    actor = history.staff[who]
    fields = AnnouncementFields(
        title=title, body=body, pinned=pinned, live_from=utcnow(), **_place(history, scope, where)
    )
    notices.publish(actor, notices.create_announcement(actor, fields).id)


def _stop(history, key: str) -> None:
    templates.stop_template(history.staff["admin"], history.coupon_templates[key])


def _claim_some(history) -> None:
    """A regular opens the claim centre for their home station and takes one of what is left
    for them (the app shows the rest as 已领完 or 已达领取上限)."""
    code = history.rng.choice(sorted(history.regulars))
    member = history.member_of(code)
    offers = [o for o in claiming.offers(member, history.stations[code].id) if o.may_claim]
    if offers:
        claiming.claim(member, history.rng.choice(offers).template.id)


def _claim(history, member, key: str) -> None:
    claiming.claim(member, history.coupon_templates[key])


def _order(history, member, order) -> None:
    """A demo driver orders litres with the coupon the order page suggests and pays with
    WeChat Pay (demo_orders.wechat_paid); the attendant and settlement follow."""
    code, fuel, volume_ml, plate = order
    station = history.stations[code]
    nozzle = next(n for n in station.nozzles if n.fuel == fuel)
    how = dict(fuel_code=None, nozzle_number=nozzle.number, mode="volume", volume_ml=volume_ml)
    coupon_id = demo_orders.suggested_coupon(member, station.id, **how)
    placed = payments.place_and_pay(
        member, station.id, "wechat", coupon_id=coupon_id, plate=plate, **how
    )
    paid_at = utcnow() + PAID_AFTER
    history.timeline.at(paid_at, demo_orders.wechat_paid, history, code, placed.order.id)


def load(chain_id: int, admin_username: str) -> None:
    """After the week: the coupons past their validity marked expired (the hourly job's work),
    and head office schedules the coming price change at every station."""
    expiry.expire_batch()
    admin = db.session.scalars(select(Staff).where(Staff.username == admin_username)).one()
    midnight = chain_prices.coming_midnight()
    stations = select(Station).where(Station.chain_id == chain_id).order_by(Station.code)
    for station in db.session.scalars(stations).all():
        for row in pricing.fuel_rows(station.id):
            if not row.enabled or row.current is None:
                continue
            pricing.schedule_price(
                admin,
                station.id,
                row.fuel.id,
                row.current.list_price_fen + PRICE_RISE_FEN,
                row.current.member_price_fen + PRICE_RISE_FEN,
                midnight,
            )

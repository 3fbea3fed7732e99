"""The demo's week of trading (app/demo_history.py), loaded with the demo data into a fresh
database: the console a station owner opens first has something on every page (orders, today's
figures against the same weekday last week, shifts, daily close, counter refunds), and its
marketing is alive (app/demo_marketing.py: coupons of every kind, claimed, given and used on
orders, banners and notices live for the mini-program), made by the real use cases so that the
books balance; loading again adds nothing. And the stopped clock the loader runs the week with."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import demo_data
from app.extensions import db
from app.models import (
    Announcement,
    Banner,
    CounterRefundRequest,
    Coupon,
    CouponGift,
    CouponTemplate,
    DailyClose,
    FuelPrice,
    Member,
    Order,
    Shift,
    Staff,
    Station,
)
from app.models.base import utcnow
from app.services import ledger
from app.services.marketing.mine import status_now
from app.services.platform.clock import clock_stopped_at, to_local
from app.services.reports import dashboard
from tests.api.conftest import Api, Driver
from tests.console.conftest import Console, page


def _staff(username: str) -> Staff:
    return db.session.scalar(select(Staff).where(Staff.username == username))


def _count(*where) -> int:
    return db.session.scalar(select(func.count(Order.id)).where(*where))


@pytest.mark.travel(hour=15)  # mid-afternoon: today has had its morning rush
def test_the_demo_week_fills_every_console_page(app, app_ctx, client, live_server):
    created, _ = demo_data.load(None)
    assert created
    km001 = db.session.scalar(select(Station).where(Station.code == "KM001"))
    today = to_local(utcnow()).date()

    figures = dashboard.today(_staff("km001.manager"))
    assert figures.orders_online > 0 and figures.orders_counter > 0
    assert figures.revenue_fen > 0 and figures.members > 0 and figures.litres
    assert sum(figures.today_by_hour) == figures.revenue_fen
    assert sum(figures.last_week_by_hour) > figures.last_week_so_far_fen > 0
    chain_wide = dashboard.today(_staff("admin"))
    assert chain_wide.orders > figures.orders

    first = db.session.scalar(select(func.min(Order.created_at)))
    assert (today - to_local(first).date()).days == 7  # the same weekday last week
    assert {m for (m,) in db.session.execute(select(Order.payment_method).distinct())} >= {
        "wechat",
        "wallet",
        "cash",
        "pos",
        "terminal",
    }
    assert _count(Order.channel == "online", Order.status == "settled") > 0
    assert _count(Order.channel == "counter", Order.member_id.is_(None)) > 0
    assert _count(Order.channel == "counter", Order.member_id.is_not(None)) > 0
    assert _count(Order.status == "cancelled") == _count(Order.status == "expired") == 1
    assert _count(Order.status == "settled", Order.refunded_fen > 0) > 0
    assert _count(Order.station_id == km001.id, Order.status == "paid") == 2  # at the pump
    for station in db.session.scalars(select(Station)):
        assert _count(Order.station_id == station.id) > 0, station.code

    open_shift = db.session.scalar(
        select(Shift).where(Shift.station_id == km001.id, Shift.status == "open")
    )
    assert open_shift.opened_by_id == _staff("km001.cashier").id
    closed = db.session.scalars(
        select(Shift).where(Shift.station_id == km001.id, Shift.status == "accepted")
    ).all()
    assert len(closed) >= 14
    assert all(s.metered_ml is not None and s.sold_ml > 0 for s in closed)
    tolerance = app.config["SHIFT_METER_TOLERANCE_ML"]
    flagged = [s for s in closed if s.metered_ml - s.sold_ml > tolerance]
    assert len(flagged) == 1 and flagged[0].note
    assert {s.over_short_fen for s in closed} >= {0, -5_000, 2_000}
    closed_days = {d.business_date for d in db.session.scalars(select(DailyClose))}
    assert today - timedelta(days=2) in closed_days
    assert today - timedelta(days=1) not in closed_days  # left for the manager

    requests = db.session.scalars(select(CounterRefundRequest)).all()
    pending = [r for r in requests if r.status == "pending" and r.channel == "counter"]
    assert len(pending) == 1 and pending[0].amount_fen > km001.refund_approval_threshold_fen
    assert [r.status for r in requests].count("sent") == 2
    asked = [r for r in requests if r.channel == "driver"]  # from the mini-program, waiting
    assert [(r.status, r.station_id, r.amount_fen) for r in asked] == [("pending", km001.id, 3000)]

    assert ledger.check() == []

    console = Console(client)
    console.login("km001.manager", demo_data.DEMO_PASSWORD)
    orders_page = page(console.get("/console/orders"))
    newest = db.session.scalar(
        select(Order.order_no).where(Order.station_id == km001.id).order_by(Order.id.desc())
    )
    assert newest in orders_page
    block = page(console.get("/console/dashboard", htmx=True))
    assert f"¥{figures.revenue_fen // 100}.{figures.revenue_fen % 100:02d}" in block
    shifts_page = page(console.get(f"/console/shifts?station_id={km001.id}"))
    assert f"当班中：{to_local(open_shift.opened_at):%Y-%m-%d %H:%M} 开班" in shifts_page
    assert flagged[0].note in page(console.get(f"/console/shifts/{flagged[0].id}"))
    daily = page(console.get(f"/console/daily-close?station_id={km001.id}"))
    assert (today - timedelta(days=2)).isoformat() in daily
    refunds_page = page(console.get("/console/counter-refunds"))
    assert "待审批" in refunds_page and "车主申请" in refunds_page
    assert '<span id="nav-order-refunds-count" class="nav-count">2' in refunds_page

    _the_marketing_is_alive(client, console, km001)

    tables = (Order, Shift, CouponTemplate, Coupon, Banner, Announcement, FuelPrice)
    counts = {t: db.session.scalar(select(func.count()).select_from(t)) for t in tables}
    again, _ = demo_data.load(None)
    assert not again
    assert counts == {t: db.session.scalar(select(func.count()).select_from(t)) for t in counts}


def _the_marketing_is_alive(client, console: Console, km001: Station) -> None:
    """Coupons of every kind, given every way and used on orders (online and at the counter,
    given back on a cancelled one); demo-driver-1 sees a suggestion on the order page; banners
    and notices are live for a city; the console's marketing pages list them (to the station's
    manager, logged in: the chain's, their city's and their station's)."""
    found = db.session.scalars(select(CouponTemplate)).all()
    assert {t.kind for t in found} == {"amount_off", "percent_off", "per_litre"}
    assert {t.status for t in found} == {"active", "stopped", "draft"}
    assert any(t.station_id == km001.id and t.claimable for t in found)  # the station's own
    assert any(t.claimable and t.stock_total and t.stock_left < t.stock_total for t in found)
    gifts = db.session.scalars(select(CouponGift)).all()
    assert {g.event for g in gifts} == {"join", "topup"}
    given = {g.template_id for g in gifts}
    assert all(not t.claimable for t in found if t.id in given)  # issued only
    sources = {s for (s,) in db.session.execute(select(Coupon.source).distinct())}
    assert sources == {"claim", "join_gift", "topup_reward"}
    used = select(Order).join(Coupon, Coupon.id == Order.coupon_id).where(Coupon.status == "used")
    channels = {o.channel for o in db.session.scalars(used.where(Order.status == "settled"))}
    assert channels == {"online", "counter"}
    cancelled = db.session.scalar(select(Order).where(Order.status == "cancelled"))
    returned = db.session.get(Coupon, cancelled.coupon_id)
    assert returned.status == "available" and returned.returned_at is not None

    me = db.session.scalar(select(Member).where(Member.openid == "demo-driver-1"))
    mine = db.session.scalars(select(Coupon).where(Coupon.member_id == me.id)).all()
    statuses = sorted(status_now(c, utcnow()) for c in mine)
    assert statuses == ["available", "available", "available", "expired", "used"]
    order = db.session.scalar(
        select(Order).where(Order.member_id == me.id, Order.coupon_id.is_not(None))
    )
    assert order.status == "settled" and order.coupon_fen > 0
    driver = Driver(client)
    api = Api(client, driver.token("demo-driver-1"))
    query = {"station_id": km001.id, "fuel": "92", "mode": "amount", "amount_fen": 30_000}
    choices = api.get("/orders/coupons", **query).get_json()
    suggested = db.session.get(Coupon, choices["suggested_coupon_id"])
    assert db.session.get(CouponTemplate, suggested.template_id).station_id == km001.id
    assert len(choices["coupons"]) == 2
    assert [c["reason"] for c in choices["unusable"]] == ["限95#汽油使用"]
    claimable = api.get("/coupons/claimable", station_id=km001.id).get_json()["items"]
    assert [c["may_claim"] for c in claimable].count(True) == 1

    banners = client.get("/api/v1/banners", query_string={"city": "昆明"}).get_json()["items"]
    assert len(banners) >= 3 and all(b["scope"] == "chain" for b in banners)
    picture = client.get(banners[0]["image"]["url"])
    assert picture.status_code == 200 and picture.mimetype == "image/jpeg"
    here = client.get("/api/v1/banners", query_string={"station_id": km001.id}).get_json()
    assert here["items"][0]["scope"] == "station"
    notices = client.get("/api/v1/notices", query_string={"city": "昆明"}).get_json()["items"]
    assert notices[0]["kind"] == "announcement" and notices[0]["pinned"]
    assert {n["kind"] for n in notices} == {"announcement", "price_change"}
    assert any(n["scope"] == "city" for n in notices if n["kind"] == "announcement")

    for url in ("/coupons", "/coupons/issued", "/marketing/banners", "/marketing/notices"):
        assert console.get("/console" + url).status_code == 200, url
    assert "北京路站专享" in page(console.get("/console/coupons"))
    listed = page(console.get("/console/marketing/banners"))
    assert "北京路站专享" in listed and "领券中心" in listed and "苍山洱海" not in listed  # 大理's
    assert "即将生效" in page(console.get("/console/marketing/price-notices"))


def test_a_stopped_clock_holds_in_its_own_context_only():
    moment = datetime(2019, 1, 4, 4, 0, tzinfo=UTC)  # surely past
    elsewhere = []
    with clock_stopped_at(moment):
        assert utcnow() == moment
        thread = threading.Thread(target=lambda: elsewhere.append(utcnow()))
        thread.start()
        thread.join(timeout=10)
    assert elsewhere and elsewhere[0] > moment
    assert utcnow() > moment
    with pytest.raises(ValueError), clock_stopped_at(datetime(2019, 1, 4)):  # naive
        pass

"""The demo week's everyday orders (see app/demo_history.py): at every station, from the first
day until twenty minutes ago, more at the bigger stations, busiest in the morning and evening
rush. About a third come from the mini-program (paid from the wallet, or with WeChat Pay; the
attendant confirms the litres, settlement follows), the rest are walk-in sales at the counter
(cash, bank card, WeChat or Alipay on the station's terminal, or the wallet of a member who
shows the member code). Members mostly keep the coupon the order page or the counter
preselects for them (their best for the order)."""

import random
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app import demo_regulars
from app.extensions import db
from app.models import Member, Order, WeChatPayment
from app.models.base import utcnow
from app.services import payments
from app.services.counter import sale_quote, walkin_sale
from app.services.counter.walkin_sale import Payment
from app.services.ledger import wallet_balance
from app.services.members import member_code
from app.services.orders import fueling, pickup, quoting

# Orders a day: a fraction of a real station's, enough for every page and quick to load.
DAILY_ORDERS = {"KM001": 16, "KM002": 5, "KM003": 6, "DL001": 3, "DL002": 4, "LJ001": 3, "XS001": 3}
# How busy each local hour is, relative: the morning and evening rush.
HOURS = (1, 1, 1, 1, 1, 2, 3, 7, 9, 7, 5, 5, 5, 4, 4, 4, 5, 7, 9, 8, 5, 4, 3, 2)
FUEL_MIX = {"92": 60, "95": 25, "0": 12, "98": 3}
ONLINE_SHARE = 0.35
# What drivers ask for at the pump, in fen; diesel goes to lorries and vans.
AMOUNTS = {"0": (30_000, 40_000, 50_000, 60_000)}
CAR_AMOUNTS = (10_000, 15_000, 20_000, 20_000, 25_000, 30_000)
LITRES = {"0": (4_000, 11_000)}  # in 10 ml steps: 40.00 to 110.00 litres
CAR_LITRES = (1_500, 4_800)
DEAREST_FEN_PER_LITRE = 1_100  # no fuel costs more: what litres may cost, to check a wallet
LAST_ORDER_BEFORE_NOW = timedelta(minutes=20)  # an order's steps take up to ~12 minutes
LAST_ORDER_BEFORE_CLOSING = 20  # minutes
COUPON_DECLINED = 0.15  # drivers who untick the preselected coupon (不使用优惠券)
DEMO_DRIVER = "demo-driver-"  # the mini-program's drivers: their coupons are scripted


def schedule(history) -> None:
    rng = history.rng
    for code, per_day in DAILY_ORDERS.items():
        station = history.stations[code]
        for day in history.days():
            opens, closes = station.hours[day.weekday()]
            busy = 1.15 if day.weekday() >= 4 else 1.0  # Friday to Sunday
            for _ in range(round(per_day * busy * rng.uniform(0.85, 1.15))):
                minute = _minute(rng, opens, closes - LAST_ORDER_BEFORE_CLOSING)
                moment = history.local(day, minute // 60, minute % 60, rng.randint(0, 59))
                if moment <= history.now - LAST_ORDER_BEFORE_NOW:
                    online = rng.random() < ONLINE_SHARE
                    history.timeline.at(
                        moment, online_order if online else counter_sale, history, code
                    )


def _minute(rng: random.Random, opens: int, closes: int) -> int:
    """A minute of the day in [opens, closes), the busy hours more likely."""
    hours = [h for h in range(24) if h * 60 + 59 >= opens and h * 60 < closes]
    hour = rng.choices(hours, [HOURS[h] for h in hours])[0]
    return rng.randint(max(hour * 60, opens), min(hour * 60 + 59, closes - 1))


def nozzle_for(history, station):
    """A nozzle of the station, its fuel drawn by how much of each fuel sells."""
    sold = sorted({n.fuel for n in station.nozzles})
    fuel = history.rng.choices(sold, [FUEL_MIX[f] for f in sold])[0]
    return history.rng.choice([n for n in station.nozzles if n.fuel == fuel])


def _amount(history, fuel: str) -> int:
    return history.rng.choice(AMOUNTS.get(fuel, CAR_AMOUNTS))


def _litres_ml(history, fuel: str) -> int:
    return history.rng.randint(*LITRES.get(fuel, CAR_LITRES)) * 10


def _at_most(volume_ml: int) -> int:
    return volume_ml * DEAREST_FEN_PER_LITRE // 1000


def suggested_coupon(member: Member, station_id: int, **how) -> int | None:
    """The coupon the order page suggests (the member's best for this order), as the
    mini-program asks for it (GET /orders/coupons); None when none can be used."""
    best = quoting.coupon_choices(member, station_id, **how).suggested
    return best.coupon.id if best else None


def keeps_coupon(history, member: Member) -> bool:
    """Whether the driver keeps the preselected coupon (the demo drivers' are scripted in
    app/demo_marketing.py, so none of theirs goes on a random order)."""
    return not member.openid.startswith(DEMO_DRIVER) and history.rng.random() >= COUPON_DECLINED


def online_order(history, code: str) -> None:
    """A driver orders in the mini-program and pays from the wallet (a regular with enough in
    it) or with WeChat Pay, for a preset amount, litres, or a fill-up."""
    rng = history.rng
    station = history.stations[code]
    nozzle = nozzle_for(history, station)
    mode = rng.choices(("amount", "volume", "fill_up"), (5, 3, 2))[0]
    amount = _amount(history, nozzle.fuel) if mode == "amount" else None
    volume = _litres_ml(history, nozzle.fuel) if mode == "volume" else None
    need = amount or (volume and _at_most(volume)) or station.fill_up_cap_fen
    member = None
    if rng.random() < 0.55:
        member = demo_regulars.with_balance(history, code, need)
    where = dict(fuel_code=None, nozzle_number=nozzle.number)
    if member is not None:
        how = dict(mode=mode, amount_fen=amount, volume_ml=volume, **where)
        coupon = (
            suggested_coupon(member, station.id, **how) if keeps_coupon(history, member) else None
        )
        placed = payments.place_and_pay(member, station.id, "wallet", coupon_id=coupon, **how)
        fuel_later(history, code, placed.order.id)
        return
    # WeChat Pay, for litres set beforehand (see app/demo_history.py).
    payer = _wechat_payer(history, station)
    how = dict(mode="volume", volume_ml=volume or _litres_ml(history, nozzle.fuel), **where)
    coupon = suggested_coupon(payer, station.id, **how) if keeps_coupon(history, payer) else None
    placed = payments.place_and_pay(payer, station.id, "wechat", coupon_id=coupon, **how)
    paid_at = utcnow() + timedelta(seconds=rng.randint(15, 90))
    history.timeline.at(paid_at, wechat_paid, history, code, placed.order.id)


def _wechat_payer(history, station) -> Member:
    pool = list(history.regulars.get(station.code, []))
    if station.city == "昆明":
        pool += history.drivers  # the demo drivers of the mini-program live in Kunming
    if not pool:
        pool = [m for members in history.regulars.values() for m in members]
    return history.rng.choice(pool)


def wechat_paid(history, code: str, order_id: int) -> None:
    """The driver pays the order's prepay: the transaction WeChat would notify, applied."""
    payment = db.session.scalar(select(WeChatPayment).where(WeChatPayment.order_id == order_id))
    config = current_app.config
    digits = "".join(history.rng.choice("0123456789") for _ in range(24))
    outcome = payments.apply_transaction(
        {
            "appid": config["WECHATPAY_APPID"],
            "mchid": config["WECHATPAY_MCHID"],
            "out_trade_no": payment.out_trade_no,
            "transaction_id": f"4200{digits}",
            "trade_state": "SUCCESS",
            "amount": {"total": payment.amount_fen, "currency": "CNY"},
        }
    )
    if outcome != "paid":
        raise RuntimeError(f"demo WeChat payment of order {order_id}: {outcome}")
    fuel_later(history, code, order_id)


def fuel_later(history, code: str, order_id: int) -> None:
    """The driver drives up to the nozzle: the attendant scans the QR a few minutes later."""
    moment = utcnow() + timedelta(seconds=history.rng.randint(150, 540))
    history.timeline.at(moment, fuel, history, code, order_id)


def fuel(history, code: str, order_id: int) -> None:
    """The attendant confirms the litres the pump shows; the settlement job runs right after."""
    order = db.session.get(Order, order_id, populate_existing=True)
    most = fueling.max_volume_ml(order)
    if order.mode == "volume":
        dispensed_ml = order.preset_volume_ml
    elif order.mode == "amount":
        dispensed_ml = most  # the pump stops at the amount
    else:  # a fill-up: the tank takes what it takes
        dispensed_ml = min(most, _litres_ml(history, history.fuels[order.fuel_id]))
    attendant = history.staff[f"{code.lower()}.attendant"]
    pickup.confirm_fueling(attendant, pickup.token_for(order), dispensed_ml)
    history.run_jobs_later()


def counter_sale(history, code: str) -> None:
    """A walk-in sale: the cashier types the amount or the litres the pump shows; some drivers
    show their member code (member price, and some pay from the wallet)."""
    rng = history.rng
    station = history.stations[code]
    cashier = history.cashier(code)
    nozzle = nozzle_for(history, station)
    if rng.random() < 0.5:
        figures = {"amount_fen": _amount(history, nozzle.fuel)}
    else:
        figures = {"volume_ml": _litres_ml(history, nozzle.fuel)}
    method = rng.choices(("cash", "pos", "terminal"), (3, 2, 5))[0]
    member, code_shown, coupon = None, "", None
    if history.regulars.get(code) and rng.random() < 0.25:
        member = history.member_of(code)
        need = figures.get("amount_fen") or _at_most(figures["volume_ml"])
        if rng.random() < 0.6 and wallet_balance(member.id) >= need:
            method = "wallet"
        code_shown = member_code.issue(member)[0]  # on the driver's phone
        coupon = "best" if keeps_coupon(history, member) else None  # the counter preselects it
    received = reference = app = None
    if method == "cash":
        entry = sale_quote.sale_station(cashier, station.id)
        priced = sale_quote.quote(
            entry, nozzle.number, chain_id=cashier.chain_id, member=member, coupon=coupon, **figures
        )
        due = priced.amount_fen
        received = due if rng.random() < 0.4 else -(-due // 10_000) * 10_000  # whole 100s
    elif method == "pos":
        reference = f"{rng.randint(0, 9999):04d}"  # the card's last four digits
    elif method == "terminal":
        app = rng.choice(("wechat", "wechat", "alipay"))
        prefix = "4200" if app == "wechat" else "2088"
        reference = prefix + "".join(rng.choice("0123456789") for _ in range(24))
    walkin_sale.record_sale(
        cashier,
        station.id,
        walkin_sale.new_sale_key(),
        nozzle.number,
        Payment(method, received, reference or "", app, code_shown),
        coupon=coupon,
        **figures,
    )

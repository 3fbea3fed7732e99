"""Placing, reading and cancelling a driver's fuel orders."""

import secrets
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Member, Order, Refund
from app.models.base import utcnow
from app.services import catalogue
from app.services.catalogue.entries import StationEntry
from app.services.members.tier_pricing import tier_price
from app.services.members.vehicles import default_plate, normalise_plate
from app.services.orders import statements
from app.services.platform import outbox
from app.services.platform.clock import to_local
from app.services.platform.errors import Invalid, NotFound, ServiceError
from app.services.platform.money import amount_for_volume
from app.services.platform.unit_of_work import unit_of_work

PAY_WITHIN = timedelta(minutes=15)
MIN_AMOUNT_FEN = 100  # 1 元
MIN_VOLUME_ML, MAX_VOLUME_ML = 1000, 1_000_000
VOLUME_STEP_ML = 10  # pumps show litres to two decimals


def clean_plate(plate: str | None) -> str | None:
    """The plate in its usual form (see members.vehicles for the rules); None if blank."""
    if plate is None or not plate.strip():
        return None
    return normalise_plate(plate)


class StationClosed(ServiceError):
    status = 409
    code = "station_closed"


def member_qualifies(member: Member) -> bool:
    """Member prices (直降) are for registered mini-program members: every logged-in driver is
    one. A member's tier takes its cut off the member price on top (members/tier_pricing.py)."""
    return member is not None


def new_order_no() -> str:
    """JY + local time + 8 random digits: 24 characters, valid as a WeChat out_trade_no."""
    stamp = to_local(utcnow()).strftime("%Y%m%d%H%M%S")
    return f"JY{stamp}{secrets.randbelow(10**8):08d}"


def resolve_fuel(station: StationEntry, fuel_code: str | None, nozzle_number: int | None):
    """The fuel offer and (optional) nozzle of an order, checked against the station."""
    nozzle = None
    if nozzle_number is not None:
        nozzle = station.nozzle_numbers.get(nozzle_number)
        if nozzle is None:
            raise Invalid({"nozzle": f"本站没有{nozzle_number}号枪"})
        if not nozzle.enabled:
            raise Invalid({"nozzle": f"{nozzle_number}号枪暂停使用"})
        if not nozzle.fuel_code:
            raise Invalid({"fuel": "本站不销售该油品"})
        if fuel_code is not None and nozzle.fuel_code != fuel_code:
            raise Invalid({"nozzle": f"{nozzle_number}号枪加的是{nozzle.fuel_name}，不是所选油品"})
    code = nozzle.fuel_code if nozzle else fuel_code
    if code is None:
        raise Invalid({"fuel": "请选择油品或油枪"})
    offer = station.offer(code)
    if offer is None:
        raise Invalid({"fuel": "本站不销售该油品"})
    return offer, nozzle


def place_order(
    member: Member,
    station_id: int,
    *,
    fuel_code: str | None,
    nozzle_number: int | None,
    mode: str,
    amount_fen: int | None = None,
    volume_ml: int | None = None,
    plate: str | None = None,
    channel: str = "online",
) -> Order:
    """Price an order on the server at the price in force now and store the snapshot, with
    its expiry job, in one transaction. plate: None takes the default vehicle's plate (if the
    member has vehicles), "" means no plate; channel: "counter" when staff place it."""
    plate = default_plate(member) if plate is None else clean_plate(plate)
    stations = catalogue.for_chain(member.chain_id, exact=True)
    station = stations.stations.get(station_id) if stations else None
    if station is None:  # the catalogue holds the chain's active stations only
        raise NotFound("油站不存在")
    now = utcnow()
    if not station.is_open(now):
        raise StationClosed("油站当前不在营业时间")
    fuel, nozzle = resolve_fuel(station, fuel_code, nozzle_number)
    price = fuel.price_at(now)
    if price is None:
        raise Invalid({"fuel": "该油品暂无价格，请稍后再试"})
    qualifies = member_qualifies(member)
    base_price = price.member_price_fen if qualifies else price.list_price_fen
    tiered = tier_price(member, fuel.fuel_id, base_price, qualifies)
    unit_price = tiered.unit_price_fen
    limit = station.max_order_fen
    if mode == "amount":
        if amount_fen is None or not MIN_AMOUNT_FEN <= amount_fen <= limit:
            raise Invalid({"amount_fen": f"金额应在 1 元到 {limit // 100} 元之间"})
        to_pay = amount_fen
    elif mode == "volume":
        if volume_ml is None or not MIN_VOLUME_ML <= volume_ml <= MAX_VOLUME_ML:
            raise Invalid({"volume_ml": "加油量应不少于 1 升"})
        if volume_ml % VOLUME_STEP_ML:
            raise Invalid({"volume_ml": "加油量精确到 0.01 升"})
        to_pay = amount_for_volume(unit_price, volume_ml)
        if to_pay > limit:
            raise Invalid({"volume_ml": f"该加油量超过单笔上限 {limit // 100} 元"})
    elif mode == "fill_up":
        to_pay = station.fill_up_cap_fen
    else:
        raise Invalid({"mode": "加油方式应为 amount、volume 或 fill_up"})
    row = dict(
        chain_id=member.chain_id,
        station_id=station.id,
        member_id=member.id,
        fuel_id=fuel.fuel_id,
        nozzle_id=nozzle.id if nozzle else None,
        plate=plate,
        mode=mode,
        channel=channel,
        preset_amount_fen=amount_fen if mode == "amount" else None,
        preset_volume_ml=volume_ml if mode == "volume" else None,
        price_id=price.id,
        list_price_fen=price.list_price_fen,
        unit_price_fen=unit_price,
        member_price_applied=qualifies and base_price < price.list_price_fen,
        tier_id=tiered.tier_id,
        tier_cut_fen=tiered.tier_cut_fen,
        pricing_note=tiered.note,
        amount_fen=to_pay,
        status="created",
        expires_at=now + PAY_WITHIN,
        created_at=now,
    )
    with unit_of_work(keep_loaded=True):  # the order as inserted is the answer
        order = None
        for _draw in range(2):  # random numbers clash once in 10^8 a second: one more draw
            row["order_no"] = new_order_no()
            order = statements.insert_order(row)
            if order is not None:
                break
        else:
            raise RuntimeError("two order numbers drawn in a row were taken")
        outbox.enqueue(
            "expire_order",
            {"order_id": order.id},
            dedupe_key=f"expire:{order.id}",
            run_after=order.expires_at,
        )
        return order


def get_order(member: Member, order_id: int) -> Order:
    """A driver's own order; anyone else's is 'not found' (no hint that it exists)."""
    # What the database holds now, even if the session had the order loaded: a use case
    # decides on it.
    order = db.session.get(Order, order_id, populate_existing=True)
    if order is None or order.member_id != member.id:
        raise NotFound("订单不存在")
    return order


def list_orders(member: Member, page: int, per_page: int) -> tuple[list[Order], int]:
    base = select(Order).where(Order.member_id == member.id)
    total = db.session.scalar(select(db.func.count()).select_from(base.subquery()))
    rows = db.session.scalars(
        base.order_by(Order.id.desc()).offset((page - 1) * per_page).limit(per_page)
    )
    return list(rows), total


def refunds_by_order(order_ids: list[int]) -> dict[int, list[Refund]]:
    """The refunds of these orders, oldest first, in one query whatever their number."""
    found: dict[int, list[Refund]] = {order_id: [] for order_id in order_ids}
    query = select(Refund).where(Refund.order_id.in_(order_ids)).order_by(Refund.id)
    for refund in db.session.scalars(query):
        found[refund.order_id].append(refund)
    return found

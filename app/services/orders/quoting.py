"""What a driver's order costs now, before any coupon: the station open, the fuel and nozzle
checked, the price in force, the member price and tier cut, the campaigns live for it, the
preset checked against the station's limits, and the breakdown (marketing.stacking). Placing an
order and the list of coupons for a prospective order both start here, so the list prices
exactly what is placed."""

from dataclasses import dataclass
from datetime import datetime

from app.models import Member
from app.models.base import utcnow
from app.services import catalogue
from app.services.catalogue.entries import FuelOffer, NozzleEntry, Price, StationEntry
from app.services.marketing import live_campaigns, redeeming, stacking
from app.services.marketing.live_campaigns import LiveCampaigns
from app.services.marketing.stacking import MAX_VOLUME_ML, VOLUME_STEP_ML, Breakdown
from app.services.members.tier_pricing import TierPrice, tier_price
from app.services.platform.errors import Invalid, NotFound, ServiceError
from app.services.platform.money import amount_for_volume

MIN_AMOUNT_FEN = 100  # 1 元
MIN_VOLUME_ML = 1000


class StationClosed(ServiceError):
    status = 409
    code = "station_closed"


def member_qualifies(member: Member) -> bool:
    """Member prices (直降) are for registered mini-program members: every logged-in driver is
    one. A member's tier takes its cut off the member price on top (members/tier_pricing.py)."""
    return member is not None


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


@dataclass(frozen=True)
class Quote:
    """A prospective order priced now, without a coupon."""

    station: StationEntry
    fuel: FuelOffer
    nozzle: NozzleEntry | None
    price: Price
    qualifies: bool  # the member price applies
    tier: TierPrice
    mode: str
    amount_fen: int | None  # the preset, as given
    volume_ml: int | None
    base: Breakdown  # the fuel's value and savings, no coupon
    campaigns: LiveCampaigns  # those live for it (base says which it got)

    @property
    def member_price_applied(self) -> bool:
        return self.qualifies and self.price.member_price_fen < self.price.list_price_fen


def quote(
    member: Member,
    station_id: int,
    now: datetime,
    *,
    fuel_code: str | None,
    nozzle_number: int | None,
    mode: str,
    amount_fen: int | None = None,
    volume_ml: int | None = None,
) -> Quote:
    """The order priced at the price in force at `now`; Invalid (naming the field),
    StationClosed or NotFound when it cannot be placed. A fill-up is priced on the station's
    fill-up cap (what the driver pays ahead; the difference comes back at settlement)."""
    stations = catalogue.for_chain(member.chain_id, exact=True)
    station = stations.stations.get(station_id) if stations else None
    if station is None:  # the catalogue holds the chain's active stations only
        raise NotFound("油站不存在")
    if not station.is_open(now):
        raise StationClosed("油站当前不在营业时间")
    fuel, nozzle = resolve_fuel(station, fuel_code, nozzle_number)
    price = fuel.price_at(now)
    if price is None:
        raise Invalid({"fuel": "该油品暂无价格，请稍后再试"})
    qualifies = member_qualifies(member)
    base_price = price.member_price_fen if qualifies else price.list_price_fen
    tiered = tier_price(member, fuel.fuel_id, base_price, qualifies)
    limit = station.max_order_fen
    live = live_campaigns.live(
        member.chain_id, station.id, station.city, fuel.fuel_id, member if qualifies else None, now
    )
    priced = {
        "member_price_fen": base_price,
        "tier_cut_fen": tiered.tier_cut_fen,
        "campaigns": live.rules,
    }
    if mode == "amount":
        if amount_fen is None or not MIN_AMOUNT_FEN <= amount_fen <= limit:
            raise Invalid({"amount_fen": f"金额应在 1 元到 {limit // 100} 元之间"})
        base = stacking.price(price.list_price_fen, amount_fen=amount_fen, **priced)
    elif mode == "volume":
        if volume_ml is None or not MIN_VOLUME_ML <= volume_ml <= MAX_VOLUME_ML:
            raise Invalid({"volume_ml": "加油量应不少于 1 升"})
        if volume_ml % VOLUME_STEP_ML:
            raise Invalid({"volume_ml": "加油量精确到 0.01 升"})
        base = stacking.price(price.list_price_fen, volume_ml=volume_ml, **priced)
        if base.value_fen > limit:
            raise Invalid({"volume_ml": f"该加油量超过单笔上限 {limit // 100} 元"})
    elif mode == "fill_up":
        base = stacking.price(price.list_price_fen, amount_fen=station.fill_up_cap_fen, **priced)
    else:
        raise Invalid({"mode": "加油方式应为 amount、volume 或 fill_up"})
    if base.unit_price_fen + base.day_cut_fen != tiered.unit_price_fen:
        raise RuntimeError("the tier's price and the stacked price differ")
    return Quote(
        station=station,
        fuel=fuel,
        nozzle=nozzle,
        price=price,
        qualifies=qualifies,
        tier=tiered,
        mode=mode,
        amount_fen=amount_fen if mode == "amount" else None,
        volume_ml=volume_ml if mode == "volume" else None,
        base=base,
        campaigns=live,
    )


@dataclass(frozen=True)
class CouponChoices:
    """A prospective order priced without a coupon, and the member's coupons for it (those it
    may use first, the best first: the one to suggest)."""

    quote: Quote
    options: list[redeeming.Option]

    @property
    def suggested(self) -> redeeming.Option | None:
        first = self.options[0] if self.options else None
        return first if first is not None and first.usable else None


def coupon_choices(member: Member, station_id: int, **how) -> CouponChoices:
    """What the order (as place_order takes it) costs now and what each of the member's
    coupons would save on it; changes nothing."""
    now = utcnow()
    q = quote(member, station_id, now, **how)
    return CouponChoices(q, redeeming.options(member, q.station.id, q.fuel.fuel_id, q.base, now))


def bill_of(order) -> Breakdown:
    """An order's breakdown from its snapshot: as placed (the discounts estimated on the
    preset), or once fuelled on the fuel dispensed (final)."""
    day = None
    if order.dispensed_ml is not None:
        coupon, campaign = order.dispensed_coupon_fen or 0, order.dispensed_campaign_fen or 0
        value, volume = order.dispensed_fen + coupon + campaign, order.dispensed_ml
        day = order.dispensed_day_fen
    else:
        coupon, campaign = order.coupon_fen, order.campaign_fen
        value = order.amount_fen + coupon + campaign
        volume = order.preset_volume_ml or stacking.litres_for_amount(order.unit_price_fen, value)
    unit = order.unit_price_fen
    before_day = unit + order.day_cut_fen
    base = before_day + order.tier_cut_fen
    at_list = value  # as stacking.price has it
    if unit != order.list_price_fen:
        at_list = max(amount_for_volume(order.list_price_fen, volume), value)
    if day is None:
        day = stacking.day_saving(before_day, unit, volume, value, at_list)
    return Breakdown(
        order.list_price_fen,
        base,
        order.tier_cut_fen,
        unit,
        volume,
        at_list,
        value,
        coupon,
        day_cut_fen=order.day_cut_fen,
        day_fen=day,
        campaign_fen=campaign,
        day_campaign_id=order.day_campaign_id,
        campaign_id=order.campaign_id,
    )

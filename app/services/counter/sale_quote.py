"""What a walk-in sale costs before it is recorded: the station and nozzle, the price in force
now (member price and tier cut when a member is identified), litres or amount worked out as a
pump does (half-up: litres x price to the fen; amount / price to 0.01 L), the campaigns live
for it (marketing.live_campaigns: 满额立减 for everyone, 会员日 and 首单 for a member) and a
coupon of the member's on it (the best unless the cashier chose another or none). The figures
are marketing.stacking's, as for orders placed on the phone."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from app.models import Member, Staff
from app.models.base import utcnow
from app.services import catalogue
from app.services.catalogue.entries import StationEntry
from app.services.marketing import live_campaigns, redeeming, stacking
from app.services.marketing.live_campaigns import LiveCampaigns
from app.services.marketing.stacking import Breakdown
from app.services.members.tier_pricing import TierPrice, tier_price
from app.services.orders.placing import (
    MAX_VOLUME_ML,
    MIN_AMOUNT_FEN,
    VOLUME_STEP_ML,
    member_qualifies,
    resolve_fuel,
)
from app.services.platform.errors import Invalid, NotFound, PermissionDenied
from app.services.staff.access import visible_station_ids

SALE_ROLES = ("cashier", "manager")


def parse_litres(text: str | None) -> int | None:
    """'30.1' litres -> 30100 ml; None when blank; Invalid on anything but two decimals."""
    cleaned = (text or "").strip().replace("升", "").replace("L", "").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise Invalid({"litres": "升数请输入数字，例如 30.25"}) from None
    if not value.is_finite() or value <= 0 or value > MAX_VOLUME_ML / 1000:
        raise Invalid({"litres": f"升数应在 0.01 到 {MAX_VOLUME_ML // 1000} 升之间"})
    if value != value.quantize(Decimal("0.01")):
        raise Invalid({"litres": "升数最多两位小数（与加油机显示一致）"})
    return int(value * 1000)


@dataclass(frozen=True)
class Quote:
    """A sale as priced now: what the page shows live and the sale records."""

    nozzle_number: int
    nozzle_id: int
    fuel_id: int
    fuel_name: str
    price_id: int
    list_price_fen: int
    unit_price_fen: int
    member_price_applied: bool
    tier: TierPrice
    volume_ml: int
    amount_fen: int  # to pay: the litres at unit_price_fen, less the coupon
    at_list_fen: int  # what the litres cost at the list price (revenue)
    entered: str  # "litres" or "amount": which figure the cashier typed
    member: Member | None
    bill: Breakdown  # the figures step by step
    campaigns: LiveCampaigns  # those live for it (bill says which it got)
    coupon: redeeming.Option | None = None  # the member's coupon on this sale
    options: tuple[redeeming.Option, ...] = ()  # the member's coupons for it, usable first

    @property
    def coupon_fen(self) -> int:
        return self.bill.coupon_fen

    @property
    def campaign_fen(self) -> int:
        """What the campaigns saved: the per-litre cut's and the one on the value."""
        return self.bill.campaign_saving_fen

    @property
    def value_fen(self) -> int:
        """The litres at unit_price_fen (what the pump shows for the driver's price)."""
        return self.bill.value_fen

    @property
    def saving_fen(self) -> int:
        return self.at_list_fen - self.amount_fen

    @property
    def campaign_lines(self) -> list[tuple[str, int]]:
        """Each campaign the sale got and what it saved, for the page and the receipt."""
        bill, lines = self.bill, []
        if bill.day_campaign_id is not None:
            lines.append((self.campaigns.name(bill.day_campaign_id), bill.day_fen))
        if bill.campaign_id is not None:
            lines.append((self.campaigns.name(bill.campaign_id), bill.campaign_fen))
        return lines

    @property
    def usable(self) -> list[redeeming.Option]:
        return [option for option in self.options if option.usable]


# Which coupon a sale takes: the member's best for it, none, or the one with this id.
CouponChoice = Literal["best"] | int | None


def sale_station(actor: Staff, station_id: int | None) -> StationEntry:
    """The station (as the catalogue holds it) where the actor may sell: cashiers and
    managers of that station only."""
    if actor.role not in SALE_ROLES:
        raise PermissionDenied("只有本站收银员和站长可以收银")
    if station_id is None or station_id not in visible_station_ids(actor):
        raise PermissionDenied("您不在该油站工作，不能在该站收银")
    stations = catalogue.for_chain(actor.chain_id, exact=True)
    station = stations.stations.get(station_id) if stations else None
    if station is None:
        raise NotFound("油站不存在或已停用")
    return station


def quote(
    station: StationEntry,
    nozzle_number: int | None,
    *,
    chain_id: int,
    volume_ml: int | None = None,
    amount_fen: int | None = None,
    member: Member | None = None,
    coupon: CouponChoice = None,
) -> Quote:
    """Price a sale at the price in force now: amount = litres x unit price half-up to the
    fen (litres typed), or litres = amount / unit price half-up to 0.01 L (amount typed), the
    campaigns live for it (chain_id: the station's chain); then the member's coupon (coupon:
    "best", None for none, or a coupon id: Invalid naming the field `coupon` when that one
    cannot be used on this sale)."""
    if nozzle_number is None:
        raise Invalid({"nozzle": "请选择油枪"})
    fuel, nozzle = resolve_fuel(station, None, nozzle_number)
    now = utcnow()
    price = fuel.price_at(now)
    if price is None:
        raise Invalid({"nozzle": f"{nozzle_number}号枪的油品暂无价格，请联系站长"})
    qualifies = member is not None and member_qualifies(member)
    base = price.member_price_fen if qualifies else price.list_price_fen
    tiered = tier_price(member, fuel.fuel_id, base, qualifies) if member else TierPrice(base)
    limit = station.max_order_fen
    live = live_campaigns.live(
        chain_id, station.id, station.city, fuel.fuel_id, member if qualifies else None, now
    )
    priced = {
        "member_price_fen": base,
        "tier_cut_fen": tiered.tier_cut_fen,
        "campaigns": live.rules,
    }
    if volume_ml is not None:
        if volume_ml <= 0 or volume_ml % VOLUME_STEP_ML or volume_ml > MAX_VOLUME_ML:
            raise Invalid({"litres": "升数最多两位小数（与加油机显示一致）"})
        bill, entered = (
            stacking.price(price.list_price_fen, volume_ml=volume_ml, **priced),
            "litres",
        )
        if not MIN_AMOUNT_FEN <= bill.value_fen <= limit:
            raise Invalid({"litres": f"金额应在 1 元到 {limit // 100} 元之间，请核对升数"})
    elif amount_fen is not None:
        if not MIN_AMOUNT_FEN <= amount_fen <= limit:
            raise Invalid({"amount": f"金额应在 1 元到 {limit // 100} 元之间"})
        bill, entered = (
            stacking.price(price.list_price_fen, amount_fen=amount_fen, **priced),
            "amount",
        )
    else:
        raise Invalid({"litres": "请输入加油机显示的升数或金额"})
    options = tuple(redeeming.options(member, station.id, fuel.fuel_id, bill)) if member else ()
    chosen = _chosen(options, coupon)
    if chosen is not None:
        bill = chosen.breakdown
    return Quote(
        nozzle_number=nozzle_number,
        nozzle_id=nozzle.id,
        fuel_id=fuel.fuel_id,
        fuel_name=fuel.name,
        price_id=price.id,
        list_price_fen=price.list_price_fen,
        unit_price_fen=bill.unit_price_fen,
        member_price_applied=qualifies and base < price.list_price_fen,
        tier=tiered,
        volume_ml=bill.volume_ml,
        amount_fen=bill.pay_fen,
        at_list_fen=bill.at_list_fen,
        entered=entered,
        member=member,
        bill=bill,
        campaigns=live,
        coupon=chosen,
        options=options,
    )


def _chosen(options, coupon: CouponChoice) -> redeeming.Option | None:
    if coupon is None:
        return None
    usable = [option for option in options if option.usable]
    if coupon == "best":
        return usable[0] if usable else None
    for option in options:
        if option.coupon.id == coupon:
            if not option.usable:
                raise Invalid({"coupon": f"该优惠券不能用于本单：{option.reason}"})
            return option
    raise Invalid({"coupon": "该优惠券不可用（不是该会员的、已使用或已过期），请重新选择"})

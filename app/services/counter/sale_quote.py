"""What a walk-in sale costs before it is recorded: the station and nozzle, the price in force
now (member price and tier cut when a member is identified), and litres or amount worked out as
a pump does (half-up: litres x price to the fen; amount / price to 0.01 L)."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from app.models import Member, Staff
from app.models.base import utcnow
from app.services import catalogue
from app.services.catalogue.entries import StationEntry
from app.services.members.tier_pricing import TierPrice, tier_price
from app.services.orders.placing import (
    MAX_VOLUME_ML,
    MIN_AMOUNT_FEN,
    VOLUME_STEP_ML,
    member_qualifies,
    resolve_fuel,
)
from app.services.platform.errors import Invalid, NotFound, PermissionDenied
from app.services.platform.money import amount_for_volume, round_half_up
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


def litres_for_amount(unit_price_fen: int, amount_fen: int) -> int:
    """The litres a pump shows when it stops at a preset amount: amount / price, half-up to
    0.01 L (in ml). The amount charged stays the one shown: price x litres shown can differ
    from it by a fen, as on the pump."""
    return round_half_up(amount_fen * 100, unit_price_fen) * VOLUME_STEP_ML


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
    amount_fen: int
    at_list_fen: int  # what the litres cost at the list price (revenue)
    entered: str  # "litres" or "amount": which figure the cashier typed
    member: Member | None

    @property
    def saving_fen(self) -> int:
        return self.at_list_fen - self.amount_fen


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
    volume_ml: int | None = None,
    amount_fen: int | None = None,
    member: Member | None = None,
) -> Quote:
    """Price a sale at the price in force now: amount = litres x unit price half-up to the
    fen (litres typed), or litres = amount / unit price half-up to 0.01 L (amount typed)."""
    if nozzle_number is None:
        raise Invalid({"nozzle": "请选择油枪"})
    fuel, nozzle = resolve_fuel(station, None, nozzle_number)
    price = fuel.price_at(utcnow())
    if price is None:
        raise Invalid({"nozzle": f"{nozzle_number}号枪的油品暂无价格，请联系站长"})
    qualifies = member is not None and member_qualifies(member)
    base = price.member_price_fen if qualifies else price.list_price_fen
    tiered = tier_price(member, fuel.fuel_id, base, qualifies) if member else TierPrice(base)
    unit = tiered.unit_price_fen
    limit = station.max_order_fen
    if volume_ml is not None:
        if volume_ml <= 0 or volume_ml % VOLUME_STEP_ML or volume_ml > MAX_VOLUME_ML:
            raise Invalid({"litres": "升数最多两位小数（与加油机显示一致）"})
        amount, entered = amount_for_volume(unit, volume_ml), "litres"
        if not MIN_AMOUNT_FEN <= amount <= limit:
            raise Invalid({"litres": f"金额应在 1 元到 {limit // 100} 元之间，请核对升数"})
    elif amount_fen is not None:
        if not MIN_AMOUNT_FEN <= amount_fen <= limit:
            raise Invalid({"amount": f"金额应在 1 元到 {limit // 100} 元之间"})
        amount, entered = amount_fen, "amount"
        volume_ml = litres_for_amount(unit, amount)
    else:
        raise Invalid({"litres": "请输入加油机显示的升数或金额"})
    at_list = amount
    if unit != price.list_price_fen:
        at_list = max(amount_for_volume(price.list_price_fen, volume_ml), amount)
    return Quote(
        nozzle_number=nozzle_number,
        nozzle_id=nozzle.id,
        fuel_id=fuel.fuel_id,
        fuel_name=fuel.name,
        price_id=price.id,
        list_price_fen=price.list_price_fen,
        unit_price_fen=unit,
        member_price_applied=qualifies and base < price.list_price_fen,
        tier=tiered,
        volume_ml=volume_ml,
        amount_fen=amount,
        at_list_fen=at_list,
        entered=entered,
        member=member,
    )

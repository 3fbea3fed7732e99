"""What a member's tier takes off the price per litre of an order: on the hot path of placing,
so one primary-key query, and none at all for a member without a tier."""

from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, select

from app.extensions import db
from app.models import Member, Tier, TierFuelCut
from app.services.marketing.stacking import unit_price
from app.services.platform.money import fen_to_yuan

# Built once (as the order flow's other statements): the member's tier and its cut on one fuel.
_TIER_CUT = (
    select(Tier.id, Tier.name, func.coalesce(TierFuelCut.cut_fen, 0))
    .select_from(Tier)
    .outerjoin(
        TierFuelCut,
        and_(TierFuelCut.tier_id == Tier.id, TierFuelCut.fuel_id == bindparam("fuel")),
    )
    .where(Tier.id == bindparam("tier"), Tier.chain_id == bindparam("chain"))
)


@dataclass(frozen=True)
class TierPrice:
    """The price per litre after the tier's cut, and what the order snapshot records of it."""

    unit_price_fen: int
    tier_id: int | None = None
    tier_cut_fen: int = 0  # the cut that applied (fen per litre), after the 1-fen floor
    note: str = ""


def tier_price(member: Member, fuel_id: int, base_fen: int, member_price: bool) -> TierPrice:
    """base_fen (the member price, or the list price when member_price is False) less the
    member's tier cut on this fuel, never below 1 fen (stacking.unit_price); as
    base_fen is at most the list price, so is the result."""
    if member.tier_id is None:
        return TierPrice(base_fen)
    params = {"tier": member.tier_id, "fuel": fuel_id, "chain": member.chain_id}
    row = db.session.execute(_TIER_CUT, params).first()
    if row is None:
        return TierPrice(base_fen)
    tier_id, name, cut = row
    unit = unit_price(base_fen, cut)  # the one pricing rule (marketing.stacking)
    applied = base_fen - unit
    return TierPrice(unit, tier_id, applied, pricing_note(name, cut, applied, member_price))


def pricing_note(name: str, cut: int, applied: int, member_price: bool) -> str:
    """Why the order costs what it does, in the words on the driver's receipt."""
    if not applied:
        return f"{name}：该油品暂无等级优惠"
    base = "会员价" if member_price else "挂牌价"
    note = f"{name}{base}再降{fen_to_yuan(applied)}元/升"
    return note if applied == cut else f"{note}（已到最低单价）"

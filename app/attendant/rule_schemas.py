"""The rules the handheld's offline estimate applies to a pump reading, as the attendant's
order answers carry them (marketing.stacking has the same rules in Python)."""

from typing import Literal

from pydantic import Field

from app.jsonapi.schemas import FEN, Schema


class CouponRuleOut(Schema):
    """A coupon's rule as marketing.stacking applies it to the litres dispensed: nothing below
    min_spend_fen (on the litres at the order's price); amount_off takes off_fen, percent_off
    (100 - pay_percent) % of it, per_litre per_litre_fen per litre, each rounded half-up to the
    fen once, at most max_off_fen, and always leaving at least 1 fen to pay."""

    kind: Literal["amount_off", "percent_off", "per_litre"]
    off_fen: int | None
    pay_percent: int | None
    per_litre_fen: int | None
    max_off_fen: int | None
    min_spend_fen: int


class CampaignRuleOut(Schema):
    """The campaign on the order's value (首单立减, 满额立减) as marketing.stacking applies it
    to the litres dispensed, before the coupon: first_order takes off_fen (or per_litre_fen per
    litre) from threshold_fen up; spend_off takes off_fen once fuel is worth threshold_fen, or
    for every full threshold_fen when repeating; at most max_off_fen, at least 1 fen left to
    pay. Fuel worth less than placed_value_fen never costs more than was paid. (A members'
    day cut per litre is in unit_price_fen already.)"""

    kind: Literal["first_order", "spend_off"]
    per_litre_fen: int | None
    off_fen: int | None
    threshold_fen: int
    repeating: bool
    max_off_fen: int | None
    placed_value_fen: int = Field(description=f"下单时的油款（预设金额、加满上限），{FEN}")

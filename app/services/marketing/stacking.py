"""What fuel costs a driver, every discount stacked in one place: `price()` is the only function
that works out an order's or a walk-in sale's amount to pay (placing, the coupon list, the
attendant's reading, settlement and the counter all call it). docs/coupons.md and
docs/campaigns.md have the rule with worked examples; in short, in this order:

1. Price per litre: the member price (a member; else the list price) less the member's tier
   cut, never below 1 fen (`unit_price`; members.tier_pricing reads the cut).
2. Campaigns per litre (活动, 会员日): of the per-litre campaigns live for this order, the one
   with the biggest cut takes it off the price per litre, again never below 1 fen.
3. Value: what the fuel costs at that price. Litres given: litres x price, half-up to the fen
   (at least 1 fen).
   An amount given (amount and fill-up orders, an amount typed at the counter): the amount, and
   the litres a pump stops at for it (amount / price, half-up to 0.01 L).
4. Campaign on the value (首单立减, 满额立减): at most one, the one taking the most off (the
   lower id on a tie). Its threshold (满) is compared with the value; 首单 takes its amount or
   its cut x litres, 满减 its amount once or for every full step (每满), each half-up once,
   capped by the campaign's max_off_fen, never more than the value less 1 fen.
5. Coupon: nothing below its minimum spend (满, compared with the value, as the campaign's);
   满减 its amount; 折扣 (100 - pay_percent) % of what the campaign left; 每升直降 its cut x
   litres; each half-up once, capped by max_off_fen, and never more than what the campaign
   left less 1 fen (a payment is at least 1 fen: nothing is free, nothing is negative).
6. To pay = value - campaign - coupon. at_list (the litres at the list price) is what revenue
   books; at_list - to pay is the whole saving (promotion expense), booked in parts: member
   price and tier, campaigns, coupon.

A campaign that does not stack with coupons (stacks_with_coupon False) is left out when the
order uses a coupon: the driver gets the coupon or the campaign, and the coupon list shows a
coupon only where it then saves more. Which campaigns are live for an order (station, fuel,
driver, moment) is marketing.live_campaigns' to say; here they are only figures.

Pure integer arithmetic, no database: a coupon comes in as a `CouponRule`, campaigns as
`CampaignRule`s. What the fuel dispensed for an order costs is `dispensed` (below), and the
most a pump may dispense for it marketing.pump_limit's."""

from dataclasses import dataclass, field, replace

from app.services.platform.money import amount_for_volume, round_half_up

MIN_UNIT_PRICE_FEN = 1  # a cut never takes the price per litre below 1 fen
MIN_PAY_FEN = 1  # a discount always leaves at least this to pay
VOLUME_STEP_ML = 10  # pumps show litres to two decimals
MAX_VOLUME_ML = 1_000_000  # the most one order may take (1000 L)


@dataclass(frozen=True)
class CouponRule:
    """What a coupon takes off, as its template says (fixed once the template is active)."""

    kind: str  # amount_off (满减), percent_off (折扣), per_litre (每升直降)
    off_fen: int | None = None
    pay_percent: int | None = None
    per_litre_fen: int | None = None
    max_off_fen: int | None = None
    min_spend_fen: int = 0

    @classmethod
    def of(cls, template) -> "CouponRule":
        return cls(
            template.kind,
            template.off_fen,
            template.pay_percent,
            template.per_litre_fen,
            template.max_off_fen,
            template.min_spend_fen or 0,
        )


@dataclass(frozen=True)
class CampaignRule:
    """What a campaign takes off (its figures, fixed once it is activated)."""

    id: int
    kind: str  # members_day (会员日, per litre), first_order (首单), spend_off (满额立减)
    per_litre_fen: int | None = None  # members_day: the cut; first_order: fen off a litre
    off_fen: int | None = None  # first_order: fen off; spend_off: fen off a step
    threshold_fen: int = 0  # spend_off: the step (满X); first_order: a minimum spend
    repeating: bool = False  # spend_off: off for every full step (每满), up to max_off_fen
    max_off_fen: int | None = None
    stacks_with_coupon: bool = True

    @property
    def per_litre(self) -> bool:
        """Takes its cut off the price per litre (step 2), not off the value (step 4)."""
        return self.kind == "members_day"

    @classmethod
    def of(cls, campaign) -> "CampaignRule":
        return cls(
            campaign.id,
            campaign.kind,
            campaign.per_litre_fen,
            campaign.off_fen,
            campaign.threshold_fen or 0,
            bool(campaign.repeating),
            campaign.max_off_fen,
            bool(campaign.stacks_with_coupon),
        )


@dataclass(frozen=True)
class Sale:
    """What price() is asked: a purchase before any coupon, to price with one or another."""

    list_price_fen: int
    member_price_fen: int | None = None
    tier_cut_fen: int = 0
    volume_ml: int | None = None
    amount_fen: int | None = None
    campaigns: tuple[CampaignRule, ...] = ()

    def price(self, coupon: CouponRule | None = None) -> "Breakdown":
        return price(
            self.list_price_fen,
            member_price_fen=self.member_price_fen,
            tier_cut_fen=self.tier_cut_fen,
            volume_ml=self.volume_ml,
            amount_fen=self.amount_fen,
            campaigns=self.campaigns,
            coupon=coupon,
        )


@dataclass(frozen=True)
class Breakdown:
    """An order's price, step by step, in fen (prices in fen per litre)."""

    list_price_fen: int
    base_price_fen: int  # the member price, or the list price for a non-member
    tier_cut_fen: int  # what the tier took off per litre (after the 1-fen floor)
    unit_price_fen: int  # after the tier's and the campaign's cuts per litre
    volume_ml: int  # given, or what the pump stops at for the amount
    at_list_fen: int  # the litres at the list price
    value_fen: int  # the litres at unit_price_fen (or the amount given)
    coupon_fen: int  # what the coupon takes off
    day_cut_fen: int = 0  # what the per-litre campaign took off per litre (after the floor)
    day_fen: int = 0  # that cut on these litres: part of at_list - value
    campaign_fen: int = 0  # what the campaign on the value takes off it
    day_campaign_id: int | None = None
    campaign_id: int | None = None
    sale: Sale | None = field(default=None, compare=False, repr=False)

    @property
    def net_fen(self) -> int:
        """What is left to pay before the coupon."""
        return self.value_fen - self.campaign_fen

    @property
    def pay_fen(self) -> int:
        return self.value_fen - self.campaign_fen - self.coupon_fen

    def with_coupon(self, coupon: "CouponRule | None") -> "Breakdown":
        """The same purchase with this coupon (or none): priced again, as a coupon may leave
        out a campaign that does not stack with it."""
        if self.sale is not None:
            return self.sale.price(coupon)
        if coupon is None:
            return replace(self, coupon_fen=0)
        off = coupon_off(coupon, self.value_fen, self.volume_ml, self.net_fen)
        return replace(self, coupon_fen=off)

    @property
    def member_saving_fen(self) -> int:
        """Member price and tier together, against the list price."""
        return self.at_list_fen - self.value_fen - self.day_fen

    @property
    def campaign_saving_fen(self) -> int:
        """What the campaigns saved: the per-litre cut's and the one on the value."""
        return self.day_fen + self.campaign_fen

    @property
    def saving_fen(self) -> int:
        return self.at_list_fen - self.pay_fen


def unit_price(base_fen: int, cut_fen: int) -> int:
    """A price per litre less a cut, never below MIN_UNIT_PRICE_FEN (nor above base_fen)."""
    return max(base_fen - cut_fen, min(MIN_UNIT_PRICE_FEN, base_fen))


def litres_for_amount(unit_price_fen: int, amount_fen: int) -> int:
    """The litres (ml) a pump shows when it stops at a preset amount: amount / price, half-up
    to 0.01 L. The amount charged stays the one preset: price x litres shown can differ from it
    by a fen, as on the pump."""
    return round_half_up(amount_fen * 100, unit_price_fen) * VOLUME_STEP_ML


def coupon_off(rule: CouponRule, value_fen: int, volume_ml: int, net_fen: int | None = None) -> int:
    """Step 5: what the coupon takes off fuel worth value_fen (volume_ml litres) of which
    net_fen is left to pay after the campaign (all of it without one)."""
    net = value_fen if net_fen is None else net_fen
    if value_fen < rule.min_spend_fen or net <= MIN_PAY_FEN:
        return 0
    if rule.kind == "amount_off":
        off = rule.off_fen
    elif rule.kind == "percent_off":
        off = round_half_up(net * (100 - rule.pay_percent), 100)
    elif rule.kind == "per_litre":
        off = round_half_up(rule.per_litre_fen * volume_ml, 1000)
    else:
        raise ValueError(f"no such coupon kind: {rule.kind}")
    if rule.max_off_fen is not None:
        off = min(off, rule.max_off_fen)
    return max(0, min(off, net - MIN_PAY_FEN))


def campaign_steps(rule: CampaignRule, value_fen: int) -> int:
    """How many of the campaign's thresholds fuel worth value_fen reaches: 0 takes nothing."""
    if rule.kind == "spend_off":
        steps = value_fen // rule.threshold_fen
        return steps if rule.repeating else min(steps, 1)
    return 1 if value_fen >= rule.threshold_fen else 0


def campaign_off(rule: CampaignRule, value_fen: int, volume_ml: int) -> int:
    """Step 4: what a campaign on the value takes off fuel worth value_fen (volume_ml litres)."""
    steps = campaign_steps(rule, value_fen)
    if not steps or value_fen <= MIN_PAY_FEN:
        return 0
    if rule.kind == "spend_off":
        off = rule.off_fen * steps
    elif rule.kind == "first_order":
        off = rule.off_fen
        if off is None:
            off = round_half_up(rule.per_litre_fen * volume_ml, 1000)
    else:
        raise ValueError(f"not a campaign on the value: {rule.kind}")
    if rule.max_off_fen is not None:
        off = min(off, rule.max_off_fen)
    return max(0, min(off, value_fen - MIN_PAY_FEN))


def day_saving(before_cut: int, unit: int, volume_ml: int, value: int, at_list: int) -> int:
    """What the per-litre campaign saved on these litres: their value before its cut less
    after it (within what the member price and tier left of the list price)."""
    if unit == before_cut:
        return 0
    return max(0, min(amount_for_volume(before_cut, volume_ml) - value, at_list - value))


def price(
    list_price_fen: int,
    *,
    member_price_fen: int | None = None,
    tier_cut_fen: int = 0,
    volume_ml: int | None = None,
    amount_fen: int | None = None,
    campaigns: tuple[CampaignRule, ...] | list[CampaignRule] = (),
    coupon: CouponRule | None = None,
) -> Breakdown:
    """The breakdown of fuel bought by litres (volume_ml) or by amount (amount_fen, at the
    driver's price per litre): the steps of the module's docstring. member_price_fen None: not
    a member, the list price is the base. campaigns: those live for this purchase."""
    if (volume_ml is None) == (amount_fen is None):
        raise ValueError("price() takes litres or an amount, one of them")
    sale = Sale(
        list_price_fen, member_price_fen, tier_cut_fen, volume_ml, amount_fen, tuple(campaigns)
    )
    base = list_price_fen if member_price_fen is None else member_price_fen
    before_day = unit_price(base, tier_cut_fen)
    usable = [c for c in campaigns if coupon is None or c.stacks_with_coupon]
    per_litre = [c for c in usable if c.per_litre]
    day = max(per_litre, key=lambda c: (c.per_litre_fen, -c.id)) if per_litre else None
    unit = unit_price(before_day, day.per_litre_fen) if day else before_day
    if volume_ml is not None:  # at least 1 fen: a few ml at 1 fen/L would come to nothing
        value = max(amount_for_volume(unit, volume_ml), MIN_PAY_FEN)
    else:
        value, volume_ml = amount_fen, litres_for_amount(unit, amount_fen)
    at_list = value  # at the list price already: the amount is what the litres cost
    if unit != list_price_fen:
        at_list = max(amount_for_volume(list_price_fen, volume_ml), value)
    offs = [(campaign_off(c, value, volume_ml), -c.id, c) for c in usable if not c.per_litre]
    off, _, chosen = max(offs, key=lambda found: found[:2]) if offs else (0, 0, None)
    bill = Breakdown(
        list_price_fen,
        base,
        base - before_day,
        unit,
        volume_ml,
        at_list,
        value,
        0,
        day_cut_fen=before_day - unit,
        day_fen=day_saving(before_day, unit, volume_ml, value, at_list),
        campaign_fen=off,
        day_campaign_id=day.id if day and unit != before_day else None,
        campaign_id=chosen.id if off else None,
        sale=sale,
    )
    if coupon is None:
        return bill
    return replace(bill, coupon_fen=coupon_off(coupon, value, volume_ml, bill.net_fen))


@dataclass(frozen=True)
class Placed:
    """An order's price as placed (its snapshot), to price the fuel dispensed for it."""

    list_price_fen: int
    unit_price_fen: int  # after every cut per litre
    value_fen: int  # the fuel's value as placed (the preset, the fill-up cap)
    pay_fen: int  # to pay as placed
    coupon: CouponRule | None = None
    day: CampaignRule | None = None  # the per-litre campaign, per_litre_fen the cut applied
    campaign: CampaignRule | None = None  # the campaign on the value

    @property
    def has_discount_on_value(self) -> bool:
        return self.coupon is not None or self.campaign is not None

    def for_litres(self, volume_ml: int) -> Breakdown:
        """price() of litres at the order's prices, with its coupon and campaigns."""
        cut = self.day.per_litre_fen if self.day else 0
        campaigns = tuple(c for c in (self.day, self.campaign) if c is not None)
        return price(
            self.list_price_fen,
            member_price_fen=self.unit_price_fen + cut,
            volume_ml=volume_ml,
            campaigns=campaigns,
            coupon=self.coupon,
        )


def dispensed(placed: Placed, volume_ml: int) -> Breakdown:
    """The litres dispensed for an order placed as `placed`: price() on them. Fuel worth less
    than the value placed never costs the driver more than they paid: where it falls short of
    a threshold (the coupon's minimum spend, a step of the campaign's 满减) and would cost
    more, the discounts make up the difference, which is less than the saving they promised
    (the fuel is worth less than the preset they were worked out on): the coupon, if the fuel
    fell short of its minimum spend, else the campaign on the value, else the coupon. So a
    pump that stops short never asks the driver for more than they paid."""
    bill = placed.for_litres(volume_ml)
    short = bill.pay_fen - placed.pay_fen
    if short <= 0 or bill.value_fen >= placed.value_fen or not placed.has_discount_on_value:
        return bill
    coupon = placed.coupon
    if coupon is not None and (placed.campaign is None or bill.value_fen < coupon.min_spend_fen):
        return replace(bill, coupon_fen=bill.coupon_fen + short)
    return replace(bill, campaign_fen=bill.campaign_fen + short, campaign_id=placed.campaign.id)


def for_litres(list_price_fen: int, unit_price_fen: int, volume_ml: int, coupon=None) -> Breakdown:
    """price() of litres at an order's list and unit price (no campaign)."""
    return Placed(list_price_fen, unit_price_fen, 0, 0, coupon).for_litres(volume_ml)

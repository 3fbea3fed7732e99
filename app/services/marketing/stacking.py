"""What fuel costs a driver, every discount stacked in one place: `price()` is the only function
that works out an order's or a walk-in sale's amount to pay (placing, the coupon list, the
attendant's reading, settlement and the counter all call it). docs/coupons.md has the rule with
a worked example; in short, in this order:

1. Price per litre: the member price (a member; else the list price) less the member's tier
   cut, never below 1 fen (`unit_price`; members.tier_pricing reads the cut).
2. Campaigns (a later phase: time-boxed pricing rules with a precedence) belong here, between
   the price per litre and the coupon, and nowhere else.
3. Value: what the fuel costs at that price. Litres given: litres x price, half-up to the fen.
   An amount given (amount and fill-up orders, an amount typed at the counter): the amount, and
   the litres a pump stops at for it (amount / price, half-up to 0.01 L).
4. Coupon, on the value: nothing below its minimum spend (满, compared with the value); 满减
   its amount; 折扣 value x (100 - pay_percent) %; 每升直降 its cut x litres; each rounded
   half-up to the fen once, then capped by the coupon's max_off_fen, and never more than the
   value less 1 fen (a payment is at least 1 fen: nothing is free, nothing is negative).
5. To pay = value - coupon. at_list (the litres at the list price) is what revenue books;
   at_list - to pay is the whole saving (promotion expense).

Pure integer arithmetic, no database: a coupon comes in as a `CouponRule`."""

from dataclasses import dataclass, replace

from app.services.platform.money import amount_for_volume, round_half_up

MIN_UNIT_PRICE_FEN = 1  # a tier cut never takes the price per litre below 1 fen
MIN_PAY_FEN = 1  # a coupon always leaves at least this to pay
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
class Breakdown:
    """An order's price, step by step, in fen (prices in fen per litre)."""

    list_price_fen: int
    base_price_fen: int  # the member price, or the list price for a non-member
    tier_cut_fen: int  # what the tier took off per litre (after the 1-fen floor)
    unit_price_fen: int
    volume_ml: int  # given, or what the pump stops at for the amount
    at_list_fen: int  # the litres at the list price
    value_fen: int  # the litres at unit_price_fen (or the amount given)
    coupon_fen: int  # what the coupon takes off the value

    @property
    def pay_fen(self) -> int:
        return self.value_fen - self.coupon_fen

    def with_coupon(self, coupon: "CouponRule | None") -> "Breakdown":
        """The same fuel with this coupon (or none) in step 4."""
        off = coupon_off(coupon, self.value_fen, self.volume_ml) if coupon is not None else 0
        return replace(self, coupon_fen=off)

    @property
    def member_saving_fen(self) -> int:
        """Member price and tier together, against the list price."""
        return self.at_list_fen - self.value_fen

    @property
    def saving_fen(self) -> int:
        return self.at_list_fen - self.pay_fen


def unit_price(base_fen: int, cut_fen: int) -> int:
    """Step 1: the price per litre after the tier's cut, never below MIN_UNIT_PRICE_FEN (nor
    above base_fen)."""
    return max(base_fen - cut_fen, min(MIN_UNIT_PRICE_FEN, base_fen))


def litres_for_amount(unit_price_fen: int, amount_fen: int) -> int:
    """The litres (ml) a pump shows when it stops at a preset amount: amount / price, half-up
    to 0.01 L. The amount charged stays the one preset: price x litres shown can differ from it
    by a fen, as on the pump."""
    return round_half_up(amount_fen * 100, unit_price_fen) * VOLUME_STEP_ML


def coupon_off(rule: CouponRule, value_fen: int, volume_ml: int) -> int:
    """Step 4: what the coupon takes off fuel worth value_fen (volume_ml litres)."""
    if value_fen < rule.min_spend_fen or value_fen <= MIN_PAY_FEN:
        return 0
    if rule.kind == "amount_off":
        off = rule.off_fen
    elif rule.kind == "percent_off":
        off = round_half_up(value_fen * (100 - rule.pay_percent), 100)
    elif rule.kind == "per_litre":
        off = round_half_up(rule.per_litre_fen * volume_ml, 1000)
    else:
        raise ValueError(f"no such coupon kind: {rule.kind}")
    if rule.max_off_fen is not None:
        off = min(off, rule.max_off_fen)
    return max(0, min(off, value_fen - MIN_PAY_FEN))


def price(
    list_price_fen: int,
    *,
    member_price_fen: int | None = None,
    tier_cut_fen: int = 0,
    volume_ml: int | None = None,
    amount_fen: int | None = None,
    coupon: CouponRule | None = None,
) -> Breakdown:
    """The breakdown of fuel bought by litres (volume_ml) or by amount (amount_fen, at the
    driver's price per litre): the steps of the module's docstring. member_price_fen None: not
    a member, the list price is the base."""
    if (volume_ml is None) == (amount_fen is None):
        raise ValueError("price() takes litres or an amount, one of them")
    base = list_price_fen if member_price_fen is None else member_price_fen
    unit = unit_price(base, tier_cut_fen)
    # Step 2, campaigns: a later phase's rules change `unit` or take an amount off the value
    # here, before the coupon, and say whether a coupon still applies on top of them.
    if volume_ml is not None:
        value = amount_for_volume(unit, volume_ml)
    else:
        value, volume_ml = amount_fen, litres_for_amount(unit, amount_fen)
    at_list = value  # at the list price already: the amount is what the litres cost
    if unit != list_price_fen:
        at_list = max(amount_for_volume(list_price_fen, volume_ml), value)
    no_coupon = Breakdown(list_price_fen, base, base - unit, unit, volume_ml, at_list, value, 0)
    return no_coupon.with_coupon(coupon)


def for_litres(list_price_fen: int, unit_price_fen: int, volume_ml: int, coupon=None) -> Breakdown:
    """price() of litres from an order's snapshot (its list price and the unit price it got)."""
    return price(
        list_price_fen,
        member_price_fen=unit_price_fen,
        volume_ml=volume_ml,
        coupon=coupon,
    )


def dispensed(
    list_price_fen: int, unit_price_fen: int, volume_ml: int, coupon, placed_pay_fen: int
) -> Breakdown:
    """The litres dispensed for an order placed to pay placed_pay_fen with this coupon: price()
    on them. Where they fall short of the coupon's minimum spend (no saving by step 4), the
    driver still pays no more than the amount placed: the coupon makes up the difference, which
    is less than the saving it promised (the fuel is worth less than the preset it was worked
    out on). So a pump that stops short never asks the driver for more than they paid."""
    bill = for_litres(list_price_fen, unit_price_fen, volume_ml, coupon)
    if coupon is not None and placed_pay_fen < bill.value_fen < coupon.min_spend_fen:
        return replace(bill, coupon_fen=bill.value_fen - placed_pay_fen)
    return bill


def max_volume_ml(
    list_price_fen: int, unit_price_fen: int, available_fen: int, coupon, placed_pay_fen: int
) -> int:
    """The most litres (a 10 ml step) of an order placed to pay placed_pay_fen with the coupon
    whose amount to pay (`dispensed`) is within available_fen.

    The amount to pay rises with the litres, except where the coupon's minimum spend starts to
    count: so the largest fit is looked for at or above that threshold, then below it."""

    def pay(volume: int) -> int:
        if volume <= 0:
            return 0
        return dispensed(list_price_fen, unit_price_fen, volume, coupon, placed_pay_fen).pay_fen

    def largest(low: int, high: int) -> int | None:
        """The largest step in [low, high] paying within available_fen; None if low does not."""
        if pay(low) > available_fen:
            return None
        top = high
        while low < high:  # a binary search on 10 ml steps
            mid = (low + high + VOLUME_STEP_ML) // 2 // VOLUME_STEP_ML * VOLUME_STEP_ML
            if pay(mid) <= available_fen:
                low = mid
            else:
                high = mid - VOLUME_STEP_ML
        while low < top and pay(low + VOLUME_STEP_ML) <= available_fen:
            low += VOLUME_STEP_ML  # a fen of rounding may let one more step fit
        return low

    threshold = _first_volume_worth(unit_price_fen, coupon.min_spend_fen, MAX_VOLUME_ML)
    # Below the threshold the amount to pay stops at the amount placed: search up to it.
    high = max(_ceiling(unit_price_fen, available_fen, coupon), threshold)
    above = largest(threshold, high) if threshold <= MAX_VOLUME_ML else None
    if above is not None:
        return above
    return largest(0, max(threshold - VOLUME_STEP_ML, 0)) or 0


def _ceiling(unit_price_fen: int, available_fen: int, coupon: CouponRule) -> int:
    """A volume past which the amount to pay surely exceeds available_fen: the fuel's value
    exceeds it by more than the coupon can take off (1000 L when a per-litre cut without a cap
    reaches the price itself)."""
    most_off = coupon.off_fen if coupon.kind == "amount_off" else coupon.max_off_fen
    net, extra = unit_price_fen, most_off
    if most_off is None:  # per_litre without a cap: pay >= (price - cut) x litres - 2 fen
        net, extra = unit_price_fen - coupon.per_litre_fen, 2
        if net <= 0:
            return MAX_VOLUME_ML
    litres = (available_fen + extra + 1) * 1000 // net + VOLUME_STEP_ML
    return -(-litres // VOLUME_STEP_ML) * VOLUME_STEP_ML


def _first_volume_worth(unit_price_fen: int, value_fen: int, high: int) -> int:
    """The first 10 ml step whose value at unit_price_fen reaches value_fen (past high if none
    up to it does)."""
    low, high = 0, high + VOLUME_STEP_ML
    while low < high:
        mid = (low + high) // 2 // VOLUME_STEP_ML * VOLUME_STEP_ML
        if amount_for_volume(unit_price_fen, mid) >= value_fen:
            high = mid
        else:
            low = mid + VOLUME_STEP_ML
    return low

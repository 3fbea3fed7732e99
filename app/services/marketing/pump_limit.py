"""The most a pump may dispense for a paid order: the largest 10 ml step whose amount to pay
(marketing.stacking.dispensed, every discount counted) is within what is left of the payment.

The amount to pay rises with the litres, except where a threshold starts to count (a coupon's
minimum spend, each step of a campaign's 满减, the value placed, below which the driver never
pays more than they paid): between two such volumes it rises. So the largest fit is looked
for between the highest of them and a ceiling, then between each lower pair in turn.

Every reading worth less than the preset fits what was paid (marketing.stacking.dispensed). The
most is the largest reading that fits, not always the end of an unbroken run of them: a preset
a few fen short of a step of a 每满 (399.95 元 with 每满200减10) lets the litres that reach the
step (400 元, 20 元 off) cost less than those just before it, which do not fit."""

from app.services.marketing.stacking import (
    MAX_VOLUME_ML,
    VOLUME_STEP_ML,
    CampaignRule,
    CouponRule,
    Placed,
    dispensed,
)
from app.services.platform.money import amount_for_volume

MAX_STEPS = 100  # a repeating 满减 is worked out for at most this many steps (its cap stops it)


def max_volume_ml(placed: Placed, available_fen: int) -> int:
    """The largest 10 ml step the pump may dispense for available_fen (what is left of the
    payment) on an order placed as `placed`."""
    unit = placed.unit_price_fen
    if not placed.has_discount_on_value:  # the litres at the order's price, nothing else
        return litres_within(unit, available_fen)

    def pay(volume: int) -> int:
        return dispensed(placed, volume).pay_fen if volume > 0 else 0

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

    ceiling = _ceiling(unit, available_fen, placed)
    starts = _thresholds(placed, amount_for_volume(unit, ceiling))
    starts = sorted({_first_volume_worth(unit, fen) for fen in starts} - {0})
    starts = [volume for volume in starts if volume <= MAX_VOLUME_ML]
    high = max([ceiling, *starts])
    for low in reversed([0, *starts]):
        found = largest(low, high)
        if found is not None:
            return found
        high = low - VOLUME_STEP_ML
    return 0


def litres_within(unit_price_fen: int, available_fen: int) -> int:
    """The largest 10 ml step whose value at unit_price_fen is within available_fen."""
    volume = available_fen * 1000 // unit_price_fen // VOLUME_STEP_ML * VOLUME_STEP_ML
    while amount_for_volume(unit_price_fen, volume + VOLUME_STEP_ML) <= available_fen:
        volume += VOLUME_STEP_ML  # rounding half-up to the fen may let one more step fit
    return volume


def _thresholds(placed: Placed, up_to_fen: int) -> set[int]:
    """The values at which the amount to pay may drop as the litres grow: where a threshold
    starts to count (up to up_to_fen), and the value placed."""
    found = {placed.value_fen}
    if placed.coupon is not None and placed.coupon.min_spend_fen:
        found.add(placed.coupon.min_spend_fen)
    campaign = placed.campaign
    if campaign is not None and campaign.threshold_fen:
        steps = 1
        if campaign.kind == "spend_off" and campaign.repeating:
            steps = min(up_to_fen // campaign.threshold_fen, MAX_STEPS)
        found.update(campaign.threshold_fen * n for n in range(1, steps + 1))
    return found


def _most_off(rule: CouponRule | CampaignRule) -> tuple[int, int]:
    """The most a discount takes off any fuel, and the cut per litre it takes without a cap
    (0 when it has one)."""
    if rule.max_off_fen is not None:
        return rule.max_off_fen, 0
    if isinstance(rule, CouponRule):
        return (rule.off_fen, 0) if rule.kind == "amount_off" else (0, rule.per_litre_fen)
    if rule.off_fen is not None:  # a 满减 without 每满, or a 首单 amount
        return rule.off_fen, 0
    return 0, rule.per_litre_fen


def _ceiling(unit_price_fen: int, available_fen: int, placed: Placed) -> int:
    """A volume past which the amount to pay surely exceeds available_fen: the fuel's value
    exceeds it by more than the discounts can take off (1000 L when cuts per litre without a
    cap reach the price itself)."""
    extra, net = 0, unit_price_fen
    for rule in (placed.coupon, placed.campaign):
        if rule is not None:
            most, cut = _most_off(rule)
            extra += most + (2 if cut else 0)  # a fen of rounding each way
            net -= cut
    if net <= 0:
        return MAX_VOLUME_ML
    litres = (available_fen + extra + 1) * 1000 // net + VOLUME_STEP_ML
    return min(-(-litres // VOLUME_STEP_ML) * VOLUME_STEP_ML, MAX_VOLUME_ML)


def _first_volume_worth(unit_price_fen: int, value_fen: int) -> int:
    """The first 10 ml step whose value at unit_price_fen reaches value_fen (past
    MAX_VOLUME_ML if none up to it does)."""
    low, high = 0, MAX_VOLUME_ML + VOLUME_STEP_ML
    while low < high:
        mid = (low + high) // 2 // VOLUME_STEP_ML * VOLUME_STEP_ML
        if amount_for_volume(unit_price_fen, mid) >= value_fen:
            high = mid
        else:
            low = mid + VOLUME_STEP_ML
    return low

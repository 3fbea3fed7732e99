"""Points (积分): earning rules per chain, the points book with lots by year, expiry, the
redemption catalogue, redemptions and their codes (docs/points.md).

rules            rule versions: basis, rate per fuel, tier multiplier, daily cap, expiry
book             every change of a member's points, under the account's lock, by lot
earning          points for a settled order, taken back in proportion on a later refund
expiry           the hourly job expiring what is left of due lots
catalogue        the redemption catalogue for staff: items, stock, 上架/下架
redeeming        a driver's redemption (points, stock, coupon or code in one transaction)
codes            redemption codes: made, shown, verified once at the counter
mine             what a driver sees: balance and lots, ledger, catalogue, redemptions
redemption_list  redemptions for staff: search and export
adjusting        a member's points for staff, and a chain admin's adjustment
check            balances and lots recomputed from the ledger

payments calls earn_for_order when an order settles and reverse_for_refund when staff refund
one; the rest is called by the faces."""

from app.services.marketing.points.earning import earn_for_order, reverse_for_refund

__all__ = ["earn_for_order", "reverse_for_refund"]

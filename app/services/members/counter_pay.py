"""Paying from the wallet at the counter with the member code (会员码): the driver, present,
shows the code; the cashier picks the nozzle and the amount, litres or a fill-up. The order is
placed and paid exactly as the mini-program does it (member price, tier cut, wallet split
principal first, ledger, pickup token, the station's live event), so the attendant's handheld
confirmation and the settlement (the difference back to the wallet) apply unchanged."""

from app.models import Order, Staff
from app.services import orders
from app.services.members import member_code
from app.services.payments import paying
from app.services.platform import audit
from app.services.platform.unit_of_work import unit_of_work


def pay_at_counter(
    actor: Staff,
    station_id: int,
    code: str,
    *,
    nozzle_number: int,
    mode: str,
    amount_fen: int | None = None,
    volume_ml: int | None = None,
) -> Order:
    """Identify the member by the code, place the order at the nozzle and pay it from the
    wallet, in one transaction, audited. For a cashier, manager or chain admin of the station
    (member_code.identify checks it).

    The code's single use is the driver's presence and consent: it is used up only if the
    payment goes through. When the order or the payment is refused (InsufficientBalance,
    WalletFrozen, Invalid, ...) everything rolls back and the code can be shown again within
    its minute. A refused code (unknown, used, expired, locked out) is raised after this
    transaction has committed what identify recorded, so unknown codes still count towards the
    lockout on this path too."""
    refusal = None
    with unit_of_work(keep_loaded=True) as unit:
        try:
            member = member_code.identify(actor, code, station_id)
        except (member_code.CodeInvalid, member_code.CodeLocked) as err:
            if unit.failed:  # refused before identify wrote anything: nothing to keep
                raise
            refusal = err  # keep the miss identify counted: commit, then refuse
        else:
            order = orders.place_order(
                member,
                station_id,
                fuel_code=None,
                nozzle_number=nozzle_number,
                mode=mode,
                amount_fen=amount_fen,
                volume_ml=volume_ml,
                plate=None,
                channel="counter",
            )
            paid = paying.pay_from_wallet(member, order)
            audit.record(
                actor,
                "order.counter_wallet_pay",
                "order",
                paid.id,
                chain_id=paid.chain_id,
                station_id=paid.station_id,
                after={
                    "order_no": paid.order_no,
                    "amount_fen": paid.amount_fen,
                    "member": member.nickname or f"会员 {member.id}",
                    "nozzle": nozzle_number,
                },
            )
    if refusal is not None:
        raise refusal
    return paid

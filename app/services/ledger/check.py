"""The check: every balance the ledger backs recomputed from its entries and compared with the
rows it stands for. `flask ledger check` runs it; an empty list means the books are right."""

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import (
    COUNTER_ACCOUNTS,
    WALLET_ACCOUNTS,
    CounterSale,
    LedgerEntry,
    LedgerTransaction,
    Order,
    RechargeCard,
    Refund,
    Shift,
    ShiftCorrection,
    Topup,
    Wallet,
)
from app.services.ledger.check_campaigns import campaign_problems
from app.services.ledger.check_coupons import coupon_problems

# The ledger kinds that credit a wallet's principal for a top-up (one per channel).
TOPUP_KINDS = ("topup.wechat", "topup.cash", "topup.pos", "card.redeem")


def check() -> list[str]:
    """Every problem found: unbalanced transactions, wallets off their entries, orders whose
    paid - refunded differs from what the ledger holds for them, refund accounts off their
    refunds, top-up and recharge card accounts off their rows, coupons and campaigns off their
    postings (check_coupons, check_campaigns). Empty means all is well."""
    problems = []
    unbalanced = db.session.execute(
        select(LedgerEntry.transaction_id, func.sum(LedgerEntry.amount_fen))
        .group_by(LedgerEntry.transaction_id)
        .having(func.sum(LedgerEntry.amount_fen) != 0)
    )
    problems += [f"transaction {t} sums to {s}, not 0" for t, s in unbalanced]

    for account, column in WALLET_ACCOUNTS.items():
        from_entries = dict(
            db.session.execute(
                select(LedgerEntry.member_id, -func.sum(LedgerEntry.amount_fen))
                .where(LedgerEntry.account == account)
                .group_by(LedgerEntry.member_id)
            ).all()
        )
        cached = dict(db.session.execute(select(Wallet.member_id, getattr(Wallet, column))).all())
        for member_id in sorted(set(from_entries) | set(cached)):
            expected, actual = from_entries.get(member_id, 0), cached.get(member_id, 0)
            if expected != actual:
                problems.append(
                    f"wallet of member {member_id}: {column[:-4]} {actual}, entries {expected}"
                )

    # For each order: what it still holds as prepaid plus its net revenue = paid - refunded.
    held = dict(
        db.session.execute(
            select(LedgerEntry.order_id, -func.sum(LedgerEntry.amount_fen))
            .where(
                LedgerEntry.order_id.is_not(None),
                LedgerEntry.account.in_(("prepaid_orders", "fuel_revenue", "promotion_expense")),
            )
            .group_by(LedgerEntry.order_id)
        ).all()
    )
    for order_id, paid, refunded in db.session.execute(
        select(Order.id, Order.paid_fen, Order.refunded_fen)
    ):
        in_ledger = held.get(order_id, 0)
        if in_ledger != paid - refunded:
            problems.append(f"order {order_id}: paid {paid} - refunded {refunded} != {in_ledger}")
    return (
        problems
        + _order_bonus()
        + _refund_accounts()
        + _recharge_cards()
        + _bonus_expense()
        + _counter_money()
        + _shift_drawers()
        + _counter_sales()
        + _topup_credits()
        + _lots()
        + coupon_problems()
        + campaign_problems()
    )


def _order_bonus() -> list[str]:
    """Each order's bonus legs: what it took from bonus balances less what went back."""
    in_ledger = dict(
        db.session.execute(
            select(LedgerEntry.order_id, func.sum(LedgerEntry.amount_fen))
            .where(LedgerEntry.account == "member_bonus", LedgerEntry.order_id.is_not(None))
            .group_by(LedgerEntry.order_id)
        ).all()
    )
    on_orders = dict(
        db.session.execute(
            select(Order.id, Order.bonus_paid_fen - Order.bonus_refunded_fen).where(
                (Order.bonus_paid_fen > 0) | Order.id.in_(list(in_ledger))
            )
        ).all()
    )
    return [
        f"order {order_id}: bonus {on_orders.get(order_id, 0)} != {in_ledger.get(order_id, 0)}"
        for order_id in sorted(set(in_ledger) | set(on_orders))
        if on_orders.get(order_id, 0) != in_ledger.get(order_id, 0)
    ]


def _refund_accounts() -> list[str]:
    """refunds_payable holds the WeChat refunds still under way; refunds_owed those WeChat
    gave up on that staff have not followed up yet."""
    problems = []
    waiting = {
        "refunds_payable": (
            Refund.method == "wechat",
            Refund.status.in_(("PENDING", "PROCESSING")),
        ),
        "refunds_owed": (Refund.status.in_(("CLOSED", "ABNORMAL")), Refund.followup.is_(None)),
    }
    for account, where in waiting.items():
        expected = db.session.scalar(select(func.sum(Refund.amount_fen)).where(*where)) or 0
        booked = -(
            db.session.scalar(
                select(func.sum(LedgerEntry.amount_fen)).where(LedgerEntry.account == account)
            )
            or 0
        )
        if booked != expected:
            problems.append(f"{account}: {booked} in the ledger, {expected} in the refunds")
    return problems


def _recharge_cards() -> list[str]:
    """recharge_cards owes the face value of every card sold and neither redeemed nor voided."""
    owed = db.session.scalar(
        select(func.sum(RechargeCard.face_fen)).where(RechargeCard.status == "active")
    )
    booked = db.session.scalar(
        select(func.sum(LedgerEntry.amount_fen)).where(LedgerEntry.account == "recharge_cards")
    )
    if -(booked or 0) != (owed or 0):
        return [f"recharge_cards: {-(booked or 0)} in the ledger, {owed or 0} on sold cards"]
    return []


def _compare(name: str, booked: dict, expected: dict, what: str) -> list[str]:
    """A problem for each key whose ledger figure differs from what the rows say."""
    return [
        f"{name} {'(chain-wide)' if key is None else key}: {booked.get(key, 0)} in the ledger,"
        f" {expected.get(key, 0)} {what}"
        for key in sorted(set(booked) | set(expected), key=lambda k: (k is None, k or 0))
        if booked.get(key, 0) != expected.get(key, 0)
    ]


def _by_station(account: str) -> dict[int | None, int]:
    """The debit balance of an account per station."""
    query = (
        select(LedgerEntry.station_id, func.sum(LedgerEntry.amount_fen))
        .where(LedgerEntry.account == account)
        .group_by(LedgerEntry.station_id)
    )
    return {station: total for station, total in db.session.execute(query) if total}


def _bonus_expense() -> list[str]:
    """bonus_expense, per station: the bonus of every credited top-up less what was revoked."""
    query = (
        select(Topup.station_id, func.sum(Topup.bonus_fen - Topup.revoked_bonus_fen))
        .where(Topup.status == "credited")
        .group_by(Topup.station_id)
    )
    given = {station: total for station, total in db.session.execute(query) if total}
    return _compare("bonus_expense of station", _by_station("bonus_expense"), given, "on top-ups")


def _found_at_closes():
    """Per station, what the shifts' closes found over (+) or short (-) in the drawer: each
    closed shift's over/short and its cash corrections."""
    closes = select(Shift.station_id, Shift.over_short_fen.label("fen")).where(
        Shift.status != "open", Shift.over_short_fen != 0
    )
    corrections = select(ShiftCorrection.station_id, ShiftCorrection.delta_fen).where(
        ShiftCorrection.kind == "cash"
    )
    found = closes.union_all(corrections).subquery()
    return select(found.c.station_id, func.sum(found.c.fen)).group_by(found.c.station_id)


def _counter_money() -> list[str]:
    """cash_drawer, card_clearing and terminal_clearing, per station: the counter top-ups
    approved there in that channel, the recharge cards sold there for it and not voided (a void
    hands the money back out of the same account; a redeemed card's money stays where it came
    in), and the walk-in sales paid that way (paid less refunded); the drawer also what the
    shifts' closes found over or short (cash_over_short holds the other side of it)."""
    over_short = {station: fen for station, fen in db.session.execute(_found_at_closes()) if fen}
    problems = _compare(
        "cash_over_short of station",
        {station: -fen for station, fen in _by_station("cash_over_short").items()},
        over_short,
        "over (+) or short (-) at the shifts' closes",
    )
    for channel, account in COUNTER_ACCOUNTS.items():
        expected: dict[int | None, int] = dict(over_short) if channel == "cash" else {}
        topups = (
            select(Topup.station_id, func.sum(Topup.principal_fen))
            .where(Topup.status == "credited", Topup.channel == channel)
            .group_by(Topup.station_id)
        )
        cards = (
            select(RechargeCard.sold_station_id, func.sum(RechargeCard.face_fen))
            .where(
                RechargeCard.sold_payment == channel,
                RechargeCard.status.in_(("active", "redeemed")),
            )
            .group_by(RechargeCard.sold_station_id)
        )
        sales = (
            select(Order.station_id, func.sum(Order.paid_fen - Order.refunded_fen))
            .where(Order.channel == "counter", Order.payment_method == channel)
            .group_by(Order.station_id)
        )
        for query in (topups, cards, sales):
            for station, total in db.session.execute(query):
                expected[station] = expected.get(station, 0) + total
        expected = {station: total for station, total in expected.items() if total}
        what = f"from {channel} top-ups and cards sold"  # and walk-in sales
        problems += _compare(f"{account} of station", _by_station(account), expected, what)
    return problems


def _shift_drawers() -> list[str]:
    """Each closed shift's cash drawer entries: those of its movements add up to the expected
    cash it stored, and with the close's over/short and later corrections to the cash counted
    (corrections included). A counter entry's shift is of its own station."""
    closing = LedgerTransaction.kind.in_(("shift.over_short", "shift.correction"))
    legs = (
        select(
            LedgerEntry.shift_id,
            func.sum(case((closing, 0), else_=LedgerEntry.amount_fen)).label("moved"),
            func.sum(LedgerEntry.amount_fen).label("held"),
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.account == "cash_drawer", LedgerEntry.shift_id.is_not(None))
        .group_by(LedgerEntry.shift_id)
        .subquery()
    )
    corrections = (
        select(ShiftCorrection.shift_id, func.sum(ShiftCorrection.delta_fen).label("fen"))
        .where(ShiftCorrection.kind == "cash")
        .group_by(ShiftCorrection.shift_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Shift.id,
            Shift.expected_cash_fen,
            Shift.counted_cash_fen + func.coalesce(corrections.c.fen, 0),
            func.coalesce(legs.c.moved, 0),
            func.coalesce(legs.c.held, 0),
        )
        .outerjoin(legs, legs.c.shift_id == Shift.id)
        .outerjoin(corrections, corrections.c.shift_id == Shift.id)
        .where(Shift.status != "open")
    )
    problems = []
    for shift_id, expected, counted, moved, held in rows:
        if moved != expected:
            problems.append(f"shift {shift_id}: expected cash {expected}, drawer entries {moved}")
        if held != counted:
            problems.append(f"shift {shift_id}: counted cash {counted}, drawer holds {held}")
    elsewhere = db.session.execute(
        select(LedgerEntry.id, LedgerEntry.station_id, Shift.station_id)
        .join(Shift, Shift.id == LedgerEntry.shift_id)
        .where(Shift.station_id.is_distinct_from(LedgerEntry.station_id))
    )
    return problems + [
        f"ledger entry {entry}: station {station}, its shift's station {other}"
        for entry, station, other in elsewhere
    ]


def _counter_sales() -> list[str]:
    """Every order paid at the counter in cash, by card or on the terminal has its walk-in
    sale, for the amount paid."""
    rows = db.session.execute(
        select(Order.id, Order.paid_fen, CounterSale.amount_fen)
        .outerjoin(CounterSale, CounterSale.order_id == Order.id)
        .where(
            Order.payment_method.in_(("cash", "pos", "terminal")),
            CounterSale.amount_fen.is_distinct_from(Order.paid_fen),
        )
    )
    return [f"order {order_id}: paid {paid}, counter sale {sold}" for order_id, paid, sold in rows]


def _topup_credits() -> list[str]:
    """Per member: the principal credited by top-up postings equals the principal of their
    credited top-ups (every channel: WeChat, counter cash or POS, recharge card)."""
    booked_query = (
        select(LedgerEntry.member_id, -func.sum(LedgerEntry.amount_fen))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.account == "member_wallet", LedgerTransaction.kind.in_(TOPUP_KINDS))
        .group_by(LedgerEntry.member_id)
    )
    topups_query = (
        select(Topup.member_id, func.sum(Topup.principal_fen))
        .where(Topup.status == "credited")
        .group_by(Topup.member_id)
    )
    booked = dict(db.session.execute(booked_query).all())
    credited = dict(db.session.execute(topups_query).all())
    return _compare("top-up credits of member", booked, credited, "on credited top-ups")


def _lots() -> list[str]:
    """A member's top-up lots (members.wallet_split) hold together no more than the wallet's
    principal: what a driver may send back to WeChat is in the wallet. (Each lot's spent +
    refunded <= principal is a CHECK.)"""
    unspent = Topup.principal_fen - Topup.spent_principal_fen - Topup.refunded_principal_fen
    rows = db.session.execute(
        select(Topup.member_id, func.sum(unspent), func.coalesce(Wallet.principal_fen, 0))
        .outerjoin(Wallet, Wallet.member_id == Topup.member_id)
        .where(Topup.status == "credited")
        .group_by(Topup.member_id, Wallet.principal_fen)
        .having(func.sum(unspent) > func.coalesce(Wallet.principal_fen, 0))
    )
    return [
        f"top-ups of member {member_id}: {lots} unspent, wallet principal {principal}"
        for member_id, lots, principal in rows
    ]

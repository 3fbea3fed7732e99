"""A shift's money at the counter, from the ledger: every entry on the station's cash drawer,
card clearing and terminal clearing that landed in the shift (ledger/shifts.py), by kind of
movement. The cash the drawer should hold (应收现金) is the sum of its cash drawer entries, the
close's own postings (over/short, corrections) apart; the card and terminal totals are what the
cashier reconciles against the POS and the terminal's settlement."""

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.extensions import db
from app.models import COUNTER_ACCOUNTS, LedgerEntry, LedgerTransaction, Shift
from app.services import ledger
from app.services.ledger import Leg

# What each kind of ledger transaction is on the slip, by the start of its kind (the first
# that fits). A kind not listed shows as itself, so that no money goes unexplained.
MOVEMENTS = (
    ("counter.sale.", "加油收款"),
    ("topup.", "会员充值"),
    ("card.sell", "售出充值卡"),
    ("card.void", "作废充值卡退款"),
    ("refund.", "退款付出"),
)
# The close's postings: the drawer made to match what was counted, and later corrections.
CLOSE_KINDS = {"shift.over_short": "长短款记账", "shift.correction": "现金更正记账"}
ACCOUNT_METHOD = {account: method for method, account in COUNTER_ACCOUNTS.items()}


def movement_name(kind: str) -> str:
    if kind in CLOSE_KINDS:
        return CLOSE_KINDS[kind]
    return next((name for start, name in MOVEMENTS if kind.startswith(start)), kind)


@dataclass
class Movement:
    """One kind of movement: how many, and the money per account (in: +, out: -)."""

    name: str
    count: int = 0
    fen: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTER_ACCOUNTS, 0))

    @property
    def cash_fen(self) -> int:
        return self.fen["cash"]


@dataclass
class Drawer:
    movements: list[Movement]  # in MOVEMENTS order, then others
    closes: list[Movement]  # over/short and corrections, once closed

    def total(self, method: str) -> int:
        return sum(line.fen[method] for line in self.movements)

    @property
    def expected_cash_fen(self) -> int:
        return self.total("cash")

    @property
    def card_fen(self) -> int:
        return self.total("pos")

    @property
    def terminal_fen(self) -> int:
        return self.total("terminal")


def drawer_of(shift_id: int) -> Drawer:
    """The shift's counter entries, summed by kind of movement and account."""
    rows = db.session.execute(
        select(
            LedgerTransaction.kind,
            LedgerEntry.account,
            func.count(LedgerEntry.transaction_id.distinct()),
            func.sum(LedgerEntry.amount_fen),
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.shift_id == shift_id)
        .group_by(LedgerTransaction.kind, LedgerEntry.account)
    )
    lines: dict[str, Movement] = {}
    closes: dict[str, Movement] = {}
    for kind, account, count, fen in rows:
        name = movement_name(kind)
        line = (closes if kind in CLOSE_KINDS else lines).setdefault(name, Movement(name))
        line.count += count
        line.fen[ACCOUNT_METHOD[account]] += fen
    order = [name for _, name in MOVEMENTS] + [*CLOSE_KINDS.values()]
    rank = lambda line: (order.index(line.name) if line.name in order else len(order), line.name)  # noqa: E731
    return Drawer(sorted(lines.values(), key=rank), sorted(closes.values(), key=rank))


def post_count(shift: Shift, kind: str, fen: int, memo: str) -> None:
    """The drawer made to match what was counted, in the caller's transaction: Dr cash_drawer /
    Cr cash_over_short for cash found over (fen > 0), the other way round when short. The
    entry lands in this shift (closed, or closing now), never the one in progress."""
    station = shift.station_id
    legs = [
        Leg("cash_drawer", fen, station_id=station),
        Leg("cash_over_short", -fen, station_id=station),
    ]
    ledger.post(shift.chain_id, kind, legs, station_id=station, memo=memo, shift_id=shift.id)

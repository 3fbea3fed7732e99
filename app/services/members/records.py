"""What a member's page shows staff: tier, the two balances and whether the wallet is
frozen, vehicles, recharge cards redeemed, and the paged lists of top-ups, orders and ledger
entries (each paged on its own, newest first, without counting the whole list).

Who sees which records: every cashier, manager and chain admin sees the member themselves
(identity, tier, balances, vehicles: needed to serve them at any counter); the records (top-ups,
orders, wallet entries, cards redeemed) are a chain admin's in full, a station's staff only
those of their own stations (`stations_seen`)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import (
    LedgerEntry,
    LedgerTransaction,
    Order,
    RechargeCard,
    Staff,
    Station,
    Tier,
    Topup,
    Vehicle,
    Wallet,
)
from app.services.members.lookup import get_member
from app.services.members.privacy import phone_for_member_page
from app.services.staff.access import visible_station_ids

T = TypeVar("T")
PER_PAGE = 20
# What a wallet movement was, by the ledger transaction's kind (the longest prefix that fits).
KIND_NAMES = {
    "topup.cash": "柜台充值（现金）",
    "topup.pos": "柜台充值（银行卡）",
    "topup.wechat": "微信充值",
    "topup.card": "充值卡兑换",
    "topup.refund": "充值本金退款",
    "topup": "充值",
    "card": "充值卡兑换",
    "wallet.topup": "充值",
    "order.pay.wallet": "钱包支付加油",
    "refund.cancel": "取消订单退回",
    "refund.settlement": "加油差额退回",
    "refund.manual": "人工退款",
    "refund.to_wallet": "微信退款改退钱包",
    "refund": "退款",
}


def stations_seen(actor: Staff) -> set[int] | None:
    """The stations whose records the actor sees on a member's page: None for every one (a
    chain admin, chain-wide records included), else the actor's own stations."""
    if actor.role == "chain_admin":
        return None
    return visible_station_ids(actor) or {-1}


def _at_stations(column, seen: set[int] | None) -> tuple:
    """The conditions that a record's station is one the actor sees (none for every one)."""
    return () if seen is None else (column.in_(seen),)


def kind_name(kind: str) -> str:
    parts = kind.split(".")
    for end in range(len(parts), 0, -1):
        name = KIND_NAMES.get(".".join(parts[:end]))
        if name:
            return name
    return "钱包变动"


@dataclass
class Summary:
    member: object
    phone: str  # whole for a manager or chain admin, masked for a cashier
    principal_fen: int
    bonus_fen: int
    frozen_at: datetime | None
    frozen_reason: str | None
    frozen_by: str | None
    tier_name: str
    vehicles: list[Vehicle]
    cards: list[RechargeCard]
    own_stations_only: bool  # the records listed are those of the actor's stations only


def summary(actor: Staff, member_id: int) -> Summary:
    member = get_member(actor, member_id)
    wallet = db.session.scalars(select(Wallet).where(Wallet.member_id == member.id)).one_or_none()
    frozen_by = None
    if wallet and wallet.frozen_by_id:
        frozen_by = db.session.get(Staff, wallet.frozen_by_id).display_name
    tier = db.session.get(Tier, member.tier_id) if member.tier_id else None
    vehicles = db.session.scalars(
        select(Vehicle).where(Vehicle.member_id == member.id).order_by(Vehicle.slot)
    )
    seen = stations_seen(actor)
    cards = db.session.scalars(
        select(RechargeCard)
        .where(
            RechargeCard.redeemed_member_id == member.id,
            *_at_stations(RechargeCard.sold_station_id, seen),
        )
        .order_by(RechargeCard.redeemed_at.desc())
        .limit(50)
    )
    return Summary(
        member=member,
        phone=phone_for_member_page(actor, member.phone),
        principal_fen=wallet.principal_fen if wallet else 0,
        bonus_fen=wallet.bonus_fen if wallet else 0,
        frozen_at=wallet.frozen_at if wallet else None,
        frozen_reason=wallet.frozen_reason if wallet else None,
        frozen_by=frozen_by,
        tier_name=tier.name if tier else "",
        vehicles=list(vehicles),
        cards=list(cards),
        own_stations_only=seen is not None,
    )


@dataclass
class Page(Generic[T]):
    rows: list[T]
    number: int
    has_next: bool


def _page(query, number: int, per_page: int) -> tuple[list, int, bool]:
    number = max(number, 1)
    rows = list(db.session.execute(query.offset((number - 1) * per_page).limit(per_page + 1)))
    return rows[:per_page], number, len(rows) > per_page


@dataclass
class TopupLine:
    topup: Topup
    station_name: str
    requested_by: str
    decided_by: str


def topups(actor: Staff, member_id: int, number: int = 1, per_page: int = PER_PAGE):
    """The member's top-ups of every channel and status that the actor sees, newest first."""
    member = get_member(actor, member_id)
    requester, decider = Staff.__table__.alias("requester"), Staff.__table__.alias("decider")
    query = (
        select(Topup, Station.name, requester.c.display_name, decider.c.display_name)
        .outerjoin(Station, Station.id == Topup.station_id)
        .outerjoin(requester, requester.c.id == Topup.requested_by_id)
        .outerjoin(decider, decider.c.id == Topup.decided_by_id)
        .where(Topup.member_id == member.id, *_at_stations(Topup.station_id, stations_seen(actor)))
        .order_by(Topup.id.desc())
    )
    rows, number, has_next = _page(query, number, per_page)
    lines = [
        TopupLine(t, station or "", asked or "", decided or "")
        for t, station, asked, decided in rows
    ]
    return Page(lines, number, has_next)


@dataclass
class OrderLine:
    order: Order
    station_name: str


def orders(
    actor: Staff,
    member_id: int,
    number: int = 1,
    per_page: int = PER_PAGE,
    station_id: int | None = None,
):
    """The member's orders that the actor sees, newest first; only one station's when
    station_id is given."""
    member = get_member(actor, member_id)
    query = (
        select(Order, Station.name)
        .join(Station, Station.id == Order.station_id)
        .where(Order.member_id == member.id, *_at_stations(Order.station_id, stations_seen(actor)))
        .order_by(Order.id.desc())
    )
    if station_id is not None:
        query = query.where(Order.station_id == station_id)
    rows, number, has_next = _page(query, number, per_page)
    return Page([OrderLine(o, name) for o, name in rows], number, has_next)


@dataclass
class LedgerLine:
    """One ledger transaction as it moved the member's wallet (credits to the member positive)."""

    transaction_id: int
    created_at: datetime
    kind: str
    kind_name: str
    memo: str
    order_no: str
    principal_fen: int
    bonus_fen: int


def ledger_lines(actor: Staff, member_id: int, number: int = 1, per_page: int = PER_PAGE):
    """The member's wallet entries that the actor sees (by the ledger transaction's station),
    one line per ledger transaction, newest first."""
    member = get_member(actor, member_id)
    principal = func.sum(
        case((LedgerEntry.account == "member_wallet", -LedgerEntry.amount_fen), else_=0)
    )
    bonus = func.sum(
        case((LedgerEntry.account == "member_bonus", -LedgerEntry.amount_fen), else_=0)
    )
    query = (
        select(
            LedgerTransaction.id,
            LedgerTransaction.created_at,
            LedgerTransaction.kind,
            LedgerTransaction.memo,
            Order.order_no,
            principal,
            bonus,
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .outerjoin(Order, Order.id == LedgerTransaction.order_id)
        .where(
            LedgerEntry.account.in_(("member_wallet", "member_bonus")),
            LedgerEntry.member_id == member.id,
            *_at_stations(LedgerTransaction.station_id, stations_seen(actor)),
        )
        .group_by(LedgerTransaction.id, Order.order_no)
        .order_by(LedgerTransaction.id.desc())
    )
    rows, number, has_next = _page(query, number, per_page)
    lines = [
        LedgerLine(tid, at, kind, kind_name(kind), memo or "", order_no or "", p or 0, b or 0)
        for tid, at, kind, memo, order_no, p, b in rows
    ]
    return Page(lines, number, has_next)

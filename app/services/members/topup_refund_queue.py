"""The approval queue of drivers' requests to refund a top-up's unspent principal: what a
manager or chain admin may decide, with what approving each now would refund and revoke (the
decisions themselves are in topup_refunds)."""

from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import Member, Staff, Station, Topup, TopupRefundRequest, Wallet
from app.services.members.topup_refunds import (
    DECIDE_ROLES,
    bonus_to_revoke,
    check_role,
    refundable_now,
)
from app.services.staff.access import visible_station_ids

PER_PAGE = 20


@dataclass(frozen=True)
class RequestRow:
    """A row of the approval queue: the request, its top-up, the driver and the station, and
    what approving it now would refund and revoke (the amounts are fixed on approval)."""

    request: TopupRefundRequest
    topup: Topup
    member: Member
    station_name: str  # "全部油站" for a chain-wide top-up
    wallet_principal_fen: int
    wallet_bonus_fen: int
    refundable_now_fen: int
    bonus_to_revoke_fen: int


@dataclass(frozen=True)
class RequestPage:
    items: list[RequestRow]
    page: int
    per_page: int
    total: int

    @property
    def has_more(self) -> bool:
        return self.page * self.per_page < self.total


def _visible(actor: Staff) -> tuple:
    where = (TopupRefundRequest.chain_id == actor.chain_id,)
    if actor.role != "chain_admin":  # a manager: their stations' (never chain-wide ones)
        where += (TopupRefundRequest.station_id.in_(visible_station_ids(actor) or {-1}),)
    return where


def list_refund_requests(
    actor: Staff,
    status: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    station_id: int | None = None,
) -> RequestPage:
    """The requests this manager or chain admin may decide (status None: all; station_id: of
    that station only), waiting ones oldest first, the others newest first."""
    check_role(actor)
    where = _visible(actor)
    if status is not None:
        where += (TopupRefundRequest.status == status,)
    if station_id is not None:
        where += (TopupRefundRequest.station_id == station_id,)
    total = db.session.scalar(select(func.count(TopupRefundRequest.id)).where(*where))
    order = TopupRefundRequest.id.asc() if status == "requested" else TopupRefundRequest.id.desc()
    rows = db.session.execute(
        select(TopupRefundRequest, Topup, Member, Station.name)
        .add_columns(Wallet.principal_fen, Wallet.bonus_fen)
        .join(Topup, Topup.id == TopupRefundRequest.topup_id)
        .join(Member, Member.id == TopupRefundRequest.member_id)
        .outerjoin(Station, Station.id == TopupRefundRequest.station_id)
        .outerjoin(Wallet, Wallet.member_id == TopupRefundRequest.member_id)
        .where(*where)
        .order_by(order)
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    )
    items = []
    for request, topup, member, station_name, principal, bonus in rows:
        principal, bonus = principal or 0, bonus or 0
        refund_fen = refundable_now(topup, principal) if request.status == "requested" else 0
        revoke_fen = bonus_to_revoke(topup, refund_fen, bonus) if refund_fen else 0
        row = (request, topup, member, station_name or "全部油站", principal, bonus)
        items.append(RequestRow(*row, refund_fen, revoke_fen))
    return RequestPage(items, max(page, 1), per_page, total)


def count_open_refund_requests(actor: Staff) -> int:
    """How many requests wait for this manager or chain admin (0 for other roles)."""
    if actor.role not in DECIDE_ROLES:
        return 0
    where = (*_visible(actor), TopupRefundRequest.status == "requested")
    return db.session.scalar(select(func.count(TopupRefundRequest.id)).where(*where))

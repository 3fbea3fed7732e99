"""What a driver sees of their wallet and top-ups: the two balances, the history with what each
WeChat top-up could still give back, and its refund requests."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import Member, Refund, Station, Topup, TopupPackage, TopupRefundRequest, Wallet
from app.services.members.topup_refunds import refundable_now, requests_of
from app.services.platform.errors import NotFound


@dataclass(frozen=True)
class WalletSummary:
    principal_fen: int
    bonus_fen: int
    frozen: bool
    frozen_reason: str | None
    frozen_at: datetime | None

    @property
    def balance_fen(self) -> int:
        return self.principal_fen + self.bonus_fen


def wallet_summary(member: Member) -> WalletSummary:
    """The member's principal and bonus balances and whether the wallet is frozen (a member
    who never topped up has an empty wallet)."""
    wallet = db.session.scalar(select(Wallet).where(Wallet.member_id == member.id))
    if wallet is None:
        return WalletSummary(0, 0, False, None, None)
    return WalletSummary(
        wallet.principal_fen,
        wallet.bonus_fen,
        wallet.frozen_at is not None,
        wallet.frozen_reason,
        wallet.frozen_at,
    )


@dataclass(frozen=True)
class TopupView:
    """A top-up as its driver sees it: where, with which package, what could still be refunded
    now (its lot's principal neither spent nor refunded, at most the wallet's principal: so
    the figures of all top-ups never add up to more than the wallet holds; the amount is fixed
    when a manager approves), and its requests."""

    topup: Topup
    station_name: str | None
    package_name: str | None
    refundable_fen: int
    requests: list[TopupRefundRequest]
    refunds: dict[int, Refund]  # the WeChat refunds of approved requests, by id

    @property
    def open_request(self) -> TopupRefundRequest | None:
        return next((r for r in self.requests if r.status == "requested"), None)


def _views(member: Member, topups: list[tuple[Topup, str | None, str | None]]) -> list[TopupView]:
    principal = wallet_summary(member).principal_fen
    ids = [topup.id for topup, _, _ in topups]
    requests = requests_of(ids)
    refunds = {
        refund.id: refund
        for refund in db.session.scalars(select(Refund).where(Refund.topup_id.in_(ids or [-1])))
    }
    return [
        TopupView(
            topup, station, package, refundable_now(topup, principal), requests[topup.id], refunds
        )
        for topup, station, package in topups
    ]


def _query():
    return (
        select(Topup, Station.name, TopupPackage.name)
        .outerjoin(Station, Station.id == Topup.station_id)
        .outerjoin(TopupPackage, TopupPackage.id == Topup.package_id)
    )


def list_topups(member: Member, page: int, per_page: int) -> tuple[list[TopupView], int]:
    """The member's top-ups, newest first, one page, and how many there are."""
    total = db.session.scalar(select(func.count(Topup.id)).where(Topup.member_id == member.id))
    rows = db.session.execute(
        _query()
        .where(Topup.member_id == member.id)
        .order_by(Topup.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return _views(member, [tuple(row) for row in rows]), total


def get_topup(member: Member, topup_id: int) -> TopupView:
    """One of the member's top-ups; NotFound for anybody else's."""
    row = db.session.execute(
        _query().where(Topup.id == topup_id, Topup.member_id == member.id)
    ).first()
    if row is None:
        raise NotFound("充值记录不存在")
    return _views(member, [tuple(row)])[0]

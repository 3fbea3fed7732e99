"""Helpers for recharge card tests: batches made and cards sold through the real services."""

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import LedgerEntry, RechargeCard
from app.models.base import utcnow
from app.services.members import recharge_cards


def new_batch(actor, station=None, count=3, face_fen=10_000, days=365, name="春节充值卡"):
    """A batch by actor (station None: chain-wide); answers recharge_cards.NewBatch."""
    expires_at = utcnow() + timedelta(days=days)
    station_id = station.id if station is not None else None
    return recharge_cards.create_batch(actor, station_id, name, face_fen, count, expires_at)


def sold_card(seller, station, made, index=0, payment="cash", pos_reference=""):
    """Card `index` of a NewBatch sold at station; answers (number, secret)."""
    number, secret = made.cards[index]
    recharge_cards.activate_card(seller, station.id, number, payment, pos_reference)
    return number, secret


def card(number: str) -> RechargeCard:
    db.session.expire_all()
    return db.session.scalars(select(RechargeCard).where(RechargeCard.number == number)).one()


def account_total(account: str, station_id: int | None = None) -> int:
    """Sum of the entries on an account (debit positive), for one station if given."""
    query = select(func.sum(LedgerEntry.amount_fen)).where(LedgerEntry.account == account)
    if station_id is not None:
        query = query.where(LedgerEntry.station_id == station_id)
    return db.session.scalar(query) or 0

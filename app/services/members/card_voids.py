"""Voiding recharge cards (作废): one card, or every card of a batch not yet redeemed.

A card not yet sold holds no money: voiding it changes its state only. A sold, unredeemed card
gives its money back the way it came in (Dr recharge_cards / Cr the selling station's
cash_drawer for cash, or card_clearing for a bank-card POS slip, which is reversed): the
station hands the face value back to the buyer. A redeemed card is never voided (its money is
in a wallet); a batch void skips those and says how many. The rules of who may void are
recharge_cards.may_manage."""

from dataclasses import dataclass

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import CardBatch, RechargeCard, Staff
from app.models.base import utcnow
from app.services import ledger
from app.services.ledger import Leg
from app.services.members.recharge_cards import PAYMENT_ACCOUNTS, batch_of, may_manage
from app.services.platform import audit
from app.services.platform.errors import Conflict, Invalid, NotFound
from app.services.platform.unit_of_work import unit_of_work


@dataclass(frozen=True)
class BatchVoided:
    batch: CardBatch
    new_voided: int  # not sold: just void
    sold_voided: int  # sold, not redeemed: their money given back
    refunded_fen: int
    redeemed_kept: int  # redeemed: never voided


def void_card(actor: Staff, card_id: int, reason: str) -> RechargeCard:
    """new or active -> void; a sold card's money goes back out of the selling station's
    drawer (or POS clearing). A redeemed card is never voided."""
    reason = _reason(reason)
    with unit_of_work(keep_loaded=True):
        card = db.session.get(RechargeCard, card_id, populate_existing=True)
        if card is None or card.chain_id != actor.chain_id:
            raise NotFound("充值卡不存在")
        may_manage(actor, card.station_id)
        before = card.status
        if before == "redeemed":
            raise Conflict("该卡已兑换到会员钱包，不能作废")
        if before == "void":
            raise Conflict("该卡已作废")
        now = utcnow()
        done = db.session.execute(
            update(RechargeCard)
            .where(RechargeCard.id == card.id, RechargeCard.status == before)
            .values(status="void", voided_at=now, voided_by_id=actor.id, void_reason=reason)
        ).rowcount
        if not done:
            raise Conflict("该卡状态刚刚已变化（可能已被兑换），请刷新后核对")
        refunded = 0
        if before == "active":
            sold = [(card.sold_station_id, card.sold_payment, card.face_fen)]
            refunded = _give_back(card.chain_id, sold, f"作废已售充值卡 {card.number}")
        audit.record(
            actor,
            "recharge_card.void",
            "recharge_card",
            card.id,
            chain_id=card.chain_id,
            station_id=card.sold_station_id or card.station_id,
            before={"card_status": before},
            after={"card_status": "void", "number": card.number, "reason": reason}
            | ({"refunded_fen": refunded} if refunded else {}),
        )
        db.session.refresh(card)
    return card


def void_batch(actor: Staff, batch_id: int, reason: str) -> BatchVoided:
    """Every card of the batch not yet redeemed becomes void (sold ones give their money back,
    as void_card); redeemed cards stay as they are. Counts of each are answered."""
    reason = _reason(reason)
    with unit_of_work(keep_loaded=True):
        batch = batch_of(actor, batch_id)
        may_manage(actor, batch.station_id)
        now = utcnow()
        won = db.session.execute(
            update(CardBatch)
            .where(CardBatch.id == batch.id, CardBatch.voided_at.is_(None))
            .values(voided_at=now, voided_by_id=actor.id, void_reason=reason)
        ).rowcount
        if not won:
            raise Conflict("该批次已作废")
        void = {"status": "void", "voided_at": now, "voided_by_id": actor.id, "void_reason": reason}
        cards = RechargeCard.__table__.c
        new_voided = db.session.execute(
            update(RechargeCard.__table__)
            .where(cards.batch_id == batch.id, cards.status == "new")
            .values(void)
        ).rowcount
        sold = db.session.execute(
            update(RechargeCard.__table__)
            .where(cards.batch_id == batch.id, cards.status == "active")
            .values(void)
            .returning(cards.sold_station_id, cards.sold_payment, cards.face_fen)
        ).all()
        memo = f"作废充值卡批次「{batch.name}」"
        refunded = _give_back(batch.chain_id, sold, memo) if sold else 0
        redeemed = db.session.scalar(
            select(func.count())
            .select_from(RechargeCard)
            .where(RechargeCard.batch_id == batch.id, RechargeCard.status == "redeemed")
        )
        audit.record(
            actor,
            "card_batch.void",
            "card_batch",
            batch.id,
            chain_id=batch.chain_id,
            station_id=batch.station_id,
            after={
                "name": batch.name,
                "reason": reason,
                "new_voided": new_voided,
                "sold_voided": len(sold),
                "refunded_fen": refunded,
                "redeemed_kept": redeemed,
            },
        )
        db.session.refresh(batch)
    return BatchVoided(batch, new_voided, len(sold), refunded, redeemed)


def _give_back(chain_id: int, sold: list[tuple[int, str, int]], memo: str) -> int:
    """One ledger transaction returning sold cards' money: Dr recharge_cards / Cr the account
    each was sold into, per selling station. Answers the total."""
    totals: dict[tuple[int, str], int] = {}
    for station_id, payment, face_fen in sold:
        totals[(station_id, payment)] = totals.get((station_id, payment), 0) + face_fen
    legs = []
    for (station_id, payment), amount in totals.items():
        legs.append(Leg("recharge_cards", amount, station_id=station_id))
        legs.append(Leg(PAYMENT_ACCOUNTS[payment], -amount, station_id=station_id))
    stations = {station_id for station_id, _ in totals}
    only = next(iter(stations)) if len(stations) == 1 else None
    ledger.post(chain_id, "card.void", legs, station_id=only, memo=memo)
    return sum(totals.values())


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": "请填写作废原因"})
    if len(reason) > 200:
        raise Invalid({"reason": "作废原因最多 200 个字"})
    return reason

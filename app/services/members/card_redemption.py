"""A driver redeems a recharge card (number + secret) into their wallet: once, before it
expires, with wrong guesses counted and locked out.

What a driver is told:
- an unknown number and a wrong secret get the same answer (404 card_invalid), so card numbers
  cannot be probed; each counts a miss for the member (MissGuard "card-member:<id>":
  MEMBER_MAX_MISSES within MEMBER_WINDOW lock them out of redeeming for MEMBER_LOCK) and, when
  the number is a card's, for the card (CARD_MAX_MISSES lock it for CARD_LOCK; a locked card
  refuses even the right secret, and its count starts again once the lock runs out);
- while either is locked: 429 card_locked;
- with the right secret only, why the card cannot be redeemed: not sold yet (409
  card_not_active: activated at the counter when sold; this tells someone holding an unsold
  card's secret no more than that), already redeemed (409 card_redeemed), void (409 card_void)
  or expired (410 card_expired);
- a number failing its check digit, or a secret that is not 16 digits, is a typo (Invalid):
  it cannot be any card's, so it counts no miss.

Misses are counted by guarded UPDATEs, so requests sent at once by several processes all count.
A miss is committed with the refusal: try_redeem answers such a refusal instead of raising it,
so the API stores it as the request's answer without rolling the count back (api/cards.py)."""

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, or_, select, update

from app.extensions import db
from app.models import Member, MissGuard, RechargeCard, Topup, Wallet
from app.models.base import insert_unless_exists, utcnow
from app.services import ledger
from app.services.ledger import Leg
from app.services.members import card_secrets
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid, NotFound, ServiceError
from app.services.platform.unit_of_work import unit_of_work

MEMBER_MAX_MISSES = 5
MEMBER_WINDOW = timedelta(minutes=15)
MEMBER_LOCK = timedelta(minutes=30)
CARD_MAX_MISSES = 5
CARD_LOCK = timedelta(hours=1)


class CardInvalid(NotFound):
    code = "card_invalid"


class CardLocked(ServiceError):
    status = 429
    code = "card_locked"


class CardNotActive(Conflict):
    code = "card_not_active"


class CardRedeemed(Conflict):
    code = "card_redeemed"


class CardVoid(Conflict):
    code = "card_void"


class CardExpired(ServiceError):
    status = 410
    code = "card_expired"


@dataclass(frozen=True)
class Redeemed:
    topup: Topup
    card: RechargeCard
    principal_fen: int  # the wallet's balances after the credit
    bonus_fen: int


def redeem_card(member: Member, number: str, secret: str) -> Redeemed:
    """Credit the card's face value to the member's wallet as principal (card money is paid
    money): card active -> redeemed (compare-and-set; Topup.card_id unique as the backstop),
    Dr recharge_cards / Cr member_wallet, and a credited Topup of channel 'card'."""
    outcome = try_redeem(member, number, secret)
    if isinstance(outcome, ServiceError):
        raise outcome
    return outcome


def try_redeem(member: Member, number: str, secret: str) -> Redeemed | ServiceError:
    """redeem_card, answering a wrong guess or a lock-out instead of raising it: that refusal
    was committed with the miss it counted (in the caller's transaction when nested, which must
    then commit too). Every other refusal is raised, its work undone."""
    number, secret = card_secrets.clean(number), card_secrets.clean(secret)
    if not card_secrets.well_formed(number):
        raise Invalid({"number": "卡号有误，请核对卡上印的 12 位卡号"})
    if not (len(secret) == card_secrets.SECRET_DIGITS and secret.isascii() and secret.isdigit()):
        raise Invalid({"secret": "卡密为 16 位数字，请核对"})
    with unit_of_work(keep_loaded=True):
        now = utcnow()
        locked_until = db.session.scalar(
            select(MissGuard.locked_until).where(MissGuard.key == _member_key(member))
        )
        if locked_until is not None and locked_until > now:
            return CardLocked(_member_locked(locked_until, now))
        card = db.session.scalars(
            select(RechargeCard)
            .where(RechargeCard.number == number, RechargeCard.chain_id == member.chain_id)
            .execution_options(populate_existing=True)  # as committed now, not as seen before
        ).one_or_none()
        if card is not None and card.locked_until is not None and card.locked_until > now:
            return CardLocked(_card_locked(card.locked_until, now))
        if card_secrets.matches(card.secret_hash if card else None, number, secret):
            return _redeem(member, card, now)
        return _count_miss(member, card, now)


def _redeem(member: Member, card: RechargeCard, now: datetime) -> Redeemed:
    _check_redeemable(card.status, card, now)
    won = db.session.execute(
        update(RechargeCard)
        .where(
            RechargeCard.id == card.id,
            RechargeCard.status == "active",
            RechargeCard.expires_at > now,
            or_(RechargeCard.locked_until.is_(None), RechargeCard.locked_until <= now),
        )
        .values(status="redeemed", redeemed_at=now, redeemed_member_id=member.id, misses=0)
    ).rowcount
    if not won:  # another request got there first: say what it did
        status = db.session.scalar(select(RechargeCard.status).where(RechargeCard.id == card.id))
        _check_redeemable(status, card, now)
        raise CardLocked(_card_locked(now + CARD_LOCK, now))  # locked meanwhile
    topup = Topup(
        chain_id=member.chain_id,
        station_id=card.sold_station_id,
        member_id=member.id,
        topup_no=_topup_no(now),
        channel="card",
        principal_fen=card.face_fen,
        bonus_fen=0,
        status="credited",
        card_id=card.id,
        note=f"充值卡 {card.number}",
        created_at=now,
        credited_at=now,
    )
    db.session.add(topup)
    db.session.flush()  # the unique card_id: a second credit of this card fails here
    ledger.post(
        member.chain_id,
        "card.redeem",
        [
            Leg("recharge_cards", card.face_fen, station_id=card.sold_station_id),
            Leg("member_wallet", -card.face_fen, member_id=member.id),
        ],
        station_id=card.sold_station_id,
        memo=f"充值卡 {card.number} 兑换到会员钱包",
    )
    db.session.refresh(card)
    wallet = db.session.execute(
        select(Wallet.principal_fen, Wallet.bonus_fen).where(Wallet.member_id == member.id)
    ).one()
    return Redeemed(topup, card, wallet.principal_fen, wallet.bonus_fen)


def _check_redeemable(status: str, card: RechargeCard, now: datetime) -> None:
    if status == "redeemed":
        raise CardRedeemed("该卡已兑换，不能重复兑换")
    if status == "void":
        raise CardVoid("该卡已作废，请联系售卡油站")
    if status == "new":
        raise CardNotActive("该卡尚未激活：充值卡在油站售出时激活，请联系售卡油站")
    if card.expires_at <= now:
        day = to_local(card.expires_at).strftime("%Y-%m-%d")
        raise CardExpired(f"该卡已于 {day} 过期，不能兑换")


def _member_key(member: Member) -> str:
    return f"card-member:{member.id}"


def _count_miss(member: Member, card: RechargeCard | None, now: datetime) -> ServiceError:
    """Count this wrong guess for the member and the card; the refusal to answer."""
    key = _member_key(member)
    row = {"key": key, "chain_id": member.chain_id, "misses": 0, "window_started_at": now}
    insert_unless_exists(MissGuard, ("key",), row)
    g = MissGuard.__table__.c
    fresh = g.window_started_at > now - MEMBER_WINDOW
    counted = case((fresh, g.misses + 1), else_=1)
    member_row = db.session.execute(
        update(MissGuard.__table__)
        .where(g.key == key, or_(g.locked_until.is_(None), g.locked_until <= now))
        .values(
            misses=counted,
            window_started_at=case((fresh, g.window_started_at), else_=now),
            locked_until=case((counted >= MEMBER_MAX_MISSES, now + MEMBER_LOCK), else_=None),
        )
        .returning(g.misses, g.locked_until)
    ).first()
    card_until = None
    if card is not None:
        c = RechargeCard.__table__.c
        ran_out = c.locked_until.is_not(None) & (c.locked_until <= now)
        card_counted = case((ran_out, 1), else_=c.misses + 1)
        card_row = db.session.execute(
            update(RechargeCard.__table__)
            .where(c.id == card.id, or_(c.locked_until.is_(None), c.locked_until <= now))
            .values(
                misses=card_counted,
                locked_until=case((card_counted >= CARD_MAX_MISSES, now + CARD_LOCK), else_=None),
            )
            .returning(c.locked_until)
        ).first()
        # No row: a miss sent at the same time locked the card.
        card_until = card_row.locked_until if card_row is not None else now + CARD_LOCK
    if member_row is None:  # locked by a miss sent at the same time
        return CardLocked(_member_locked(now + MEMBER_LOCK, now))
    if member_row.locked_until is not None:
        return CardLocked(_member_locked(member_row.locked_until, now))
    if card_until is not None and card_until > now:
        return CardLocked(_card_locked(card_until, now))
    left = MEMBER_MAX_MISSES - member_row.misses
    minutes = int(MEMBER_LOCK.total_seconds() // 60)
    return CardInvalid(f"卡号或卡密不正确，请核对后重输（再错 {left} 次将暂停兑换 {minutes} 分钟）")


def _minutes(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def _member_locked(until: datetime, now: datetime) -> str:
    return f"卡密连续输错 {MEMBER_MAX_MISSES} 次，兑换已暂停，请 {_minutes(until, now)} 分钟后再试"


def _card_locked(until: datetime, now: datetime) -> str:
    return (
        f"该卡的卡密已被连续输错 {CARD_MAX_MISSES} 次，已暂时锁定，"
        f"请 {_minutes(until, now)} 分钟后再试"
    )


def _topup_no(now: datetime) -> str:
    """KC + local time to the second + 8 random digits (unique; the top-up's number)."""
    return f"KC{to_local(now):%Y%m%d%H%M%S}{secrets.randbelow(10**8):08d}"

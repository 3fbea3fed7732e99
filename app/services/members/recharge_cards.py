"""Recharge cards (充值卡), the staff side: batches, the one-time secret sheet, and selling a
card at the counter. Voids are in card_voids, drivers redeem cards in card_redemption, the
lists staff read are in card_queries.

Money: selling (activating) a card is one ledger transaction, Dr cash_drawer (cash) or
card_clearing (bank-card POS slip) of the selling station / Cr recharge_cards of that station:
the face value is owed to whoever holds the card until it is redeemed (Dr recharge_cards / Cr
member_wallet) or the card is voided (its money given back, card_voids).

Who: a batch for one station is created and managed (sheet, voids) by that station's manager
or a chain admin; a chain-wide batch (no station) by a chain admin only. Cashiers and managers
of a station and chain admins sell cards there; a card of a station's batch sells only there.

The secrets: only keyed hashes are stored (card_secrets). create_batch answers the batch's
secret seed, never stored: the console hands it to the creating browser (a cookie limited to
the sheet's URL), and take_secrets rebuilds the secrets from it for the one download, within
SHEET_WINDOW of the creation. A lost sheet cannot be recovered: void the batch (its cards were
not sold) and create another.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import CardBatch, RechargeCard, Staff, Station
from app.models.base import utcnow
from app.services import ledger
from app.services.ledger import Leg
from app.services.members import card_secrets
from app.services.platform import audit
from app.services.platform.clock import to_local
from app.services.platform.errors import (
    Conflict,
    Invalid,
    NotFound,
    PermissionDenied,
    ServiceError,
)
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff import access

MIN_FACE_FEN, MAX_FACE_FEN = 100, 1_000_000  # 1 元 to 10000 元 (the table's CHECK)
MAX_COUNT = 10_000
SHEET_WINDOW = timedelta(minutes=30)
SELL_ROLES = ("cashier", "manager", "chain_admin")
PAYMENT_ACCOUNTS = {"cash": "cash_drawer", "pos": "card_clearing"}
PAYMENT_NAMES = {"cash": "现金", "pos": "银行卡"}


class SheetGone(ServiceError):
    """The secret sheet was downloaded already, or can no longer be."""

    status = 410
    code = "secrets_gone"


class OtherStation(PermissionDenied):
    code = "other_station"


@dataclass(frozen=True)
class NewBatch:
    batch: CardBatch
    seed: str  # for the creating browser only; never stored
    cards: list[tuple[str, str]]  # (number, secret), shown once

    def __repr__(self) -> str:  # the secrets stay out of logs and tracebacks
        return f"<NewBatch {self.batch.id}: {len(self.cards)} cards>"


def may_manage(actor: Staff, station_id: int | None) -> None:
    """Batches of that station (or chain-wide ones, station_id None) are the actor's to manage."""
    if actor.role not in access.CATALOGUE_ROLES:
        raise PermissionDenied("只有站长和总部管理员可以管理充值卡")
    if station_id is None:
        if actor.role != "chain_admin":
            raise PermissionDenied("全连锁通用的充值卡只有总部管理员可以管理")
        return
    access.station_for_manager(actor, station_id)


def batch_problems(
    name: str | None,
    face_fen: int | None,
    count: int | None,
    expires_at: datetime | None,
    now: datetime,
) -> dict[str, str]:
    """What is wrong with a new batch's fields, by field (empty: nothing)."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "请填写批次名称"
    elif len(name) > 40:
        errors["name"] = "批次名称最多 40 个字"
    if face_fen is None or not MIN_FACE_FEN <= face_fen <= MAX_FACE_FEN:
        errors["face_fen"] = "面值应在 1 元到 10000 元之间"
    if count is None or not 1 <= count <= MAX_COUNT:
        errors["count"] = f"张数应在 1 到 {MAX_COUNT} 之间"
    if expires_at is None or expires_at <= now + timedelta(days=1):
        errors["expires_at"] = "有效期应晚于明天"
    return errors


def create_batch(
    actor: Staff,
    station_id: int | None,
    name: str,
    face_fen: int | None,
    count: int | None,
    expires_at: datetime | None,
) -> NewBatch:
    """A batch of `count` new cards of one face value, for a station or the whole chain."""
    may_manage(actor, station_id)
    now = utcnow()
    errors = batch_problems(name, face_fen, count, expires_at, now)
    if errors:
        raise Invalid(errors)
    name = name.strip()
    seed = card_secrets.new_seed()
    with unit_of_work(keep_loaded=True):
        batch = CardBatch(
            chain_id=actor.chain_id,
            station_id=station_id,
            name=name,
            face_fen=face_fen,
            count=count,
            expires_at=expires_at,
            created_by_id=actor.id,
            created_at=now,
        )
        db.session.add(batch)
        db.session.flush()
        numbers = _insert_cards(batch, seed)
        audit.record(
            actor,
            "card_batch.create",
            "card_batch",
            batch.id,
            chain_id=actor.chain_id,
            station_id=station_id,
            after={
                "name": name,
                "face_fen": face_fen,
                "count": count,
                "expires_at": _local(expires_at),
            },
        )
    cards = [(number, card_secrets.secret_for(seed, number)) for number in numbers]
    return NewBatch(batch, card_secrets.seed_text(seed), cards)


def _insert_cards(batch: CardBatch, seed: bytes) -> list[str]:
    """The batch's cards, numbered at random; a number already taken is drawn again."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(RechargeCard.__table__)
        .on_conflict_do_nothing(index_elements=["number"])
        .returning(RechargeCard.__table__.c.number)
    )
    numbers: list[str] = []
    while len(numbers) < batch.count:
        drawn = {card_secrets.new_number() for _ in range(batch.count - len(numbers))}
        rows = [
            {
                "chain_id": batch.chain_id,
                "batch_id": batch.id,
                "station_id": batch.station_id,
                "number": number,
                "secret_hash": card_secrets.hash_secret(
                    number, card_secrets.secret_for(seed, number)
                ),
                "face_fen": batch.face_fen,
                "expires_at": batch.expires_at,
                "status": "new",
                "misses": 0,
                "pos_reference": "",
                "void_reason": "",
            }
            for number in sorted(drawn - set(numbers))
        ]
        numbers += db.session.execute(statement, rows).scalars().all()
    return sorted(numbers)


def take_secrets(actor: Staff, batch_id: int, seed_text: str | None) -> list[tuple[str, str]]:
    """(number, secret) of every card of the batch, once: the first call within SHEET_WINDOW
    of the creation, from the browser holding the batch's seed, wins (compare-and-set)."""
    with unit_of_work():
        batch = batch_of(actor, batch_id)
        may_manage(actor, batch.station_id)
        if batch.secrets_taken_at is not None:
            taken = _local(batch.secrets_taken_at)
            raise SheetGone(f"卡密表已于 {taken} 下载，只能下载一次；如已丢失，请作废本批次")
        if batch.voided_at is not None:
            raise SheetGone("批次已作废，卡密表不再提供")
        now = utcnow()
        if now > batch.created_at + SHEET_WINDOW:
            raise SheetGone("卡密表只能在创建后 30 分钟内下载；未下载的批次请作废后重新创建")
        seed = card_secrets.seed_from_text(seed_text)
        rows = db.session.execute(
            select(RechargeCard.number, RechargeCard.secret_hash)
            .where(RechargeCard.batch_id == batch.id)
            .order_by(RechargeCard.number)
        ).all()
        first = rows[0]
        if seed is None or not card_secrets.matches(
            first.secret_hash, first.number, card_secrets.secret_for(seed, first.number)
        ):
            raise PermissionDenied("卡密表只能在创建本批次的浏览器中下载")
        won = db.session.execute(
            update(CardBatch)
            .where(CardBatch.id == batch.id, CardBatch.secrets_taken_at.is_(None))
            .values(secrets_taken_at=now)
        ).rowcount
        if not won:
            raise SheetGone("卡密表刚刚已被下载，只能下载一次")
        audit.record(
            actor,
            "card_batch.secrets",
            "card_batch",
            batch.id,
            chain_id=batch.chain_id,
            station_id=batch.station_id,
            after={"name": batch.name, "count": len(rows)},
        )
    return [(row.number, card_secrets.secret_for(seed, row.number)) for row in rows]


def activate_card(
    actor: Staff, station_id: int, number: str, payment: str, pos_reference: str = ""
) -> RechargeCard:
    """Sell a card at the counter: new -> active, its face value into the station's cash drawer
    (cash) or bank-card clearing (POS), owed on recharge_cards until redeemed."""
    if actor.role not in SELL_ROLES:
        raise PermissionDenied("只有收银员、站长和总部管理员可以销售充值卡")
    if station_id not in access.visible_station_ids(actor):
        raise PermissionDenied("您不在该油站工作")
    number, pos_reference = card_secrets.clean(number), (pos_reference or "").strip()
    errors = {}
    if not card_secrets.well_formed(number):
        errors["number"] = "卡号为 12 位数字，请核对"
    if payment not in PAYMENT_ACCOUNTS:
        errors["payment"] = "请选择收款方式"
    elif payment == "pos" and not pos_reference:
        errors["pos_reference"] = "银行卡收款请填写 POS 签购单参考号"
    if len(pos_reference) > 64:
        errors["pos_reference"] = "参考号最多 64 个字符"
    if errors:
        raise Invalid(errors)
    with unit_of_work(keep_loaded=True):
        card = db.session.scalars(
            select(RechargeCard)
            .where(RechargeCard.number == number, RechargeCard.chain_id == actor.chain_id)
            .execution_options(populate_existing=True)
        ).one_or_none()
        if card is None:
            raise Invalid({"number": "没有这个卡号，请核对"})
        if card.station_id is not None and card.station_id != station_id:
            home = db.session.get(Station, card.station_id).name
            raise OtherStation(f"该卡属于「{home}」的批次，只能在该站销售")
        now = utcnow()
        _check_sellable(card, now)
        sold = db.session.execute(
            update(RechargeCard)
            .where(
                RechargeCard.id == card.id,
                RechargeCard.status == "new",
                RechargeCard.expires_at > now,
            )
            .values(
                status="active",
                activated_at=now,
                activated_by_id=actor.id,
                sold_station_id=station_id,
                sold_payment=payment,
                pos_reference=pos_reference if payment == "pos" else "",
            )
        ).rowcount
        if not sold:
            raise Conflict("该卡刚刚已被售出或作废，请刷新后核对")
        ledger.post(
            card.chain_id,
            "card.sell",
            [
                Leg(PAYMENT_ACCOUNTS[payment], card.face_fen, station_id=station_id),
                Leg("recharge_cards", -card.face_fen, station_id=station_id),
            ],
            station_id=station_id,
            memo=f"售出充值卡 {number}（{PAYMENT_NAMES[payment]}）",
        )
        after = {"number": number, "face_fen": card.face_fen, "payment": payment}
        if pos_reference and payment == "pos":
            after["pos_reference"] = pos_reference
        audit.record(
            actor,
            "recharge_card.activate",
            "recharge_card",
            card.id,
            chain_id=card.chain_id,
            station_id=station_id,
            before={"card_status": "new"},
            after={"card_status": "active", **after},
        )
        db.session.refresh(card)
    return card


def _check_sellable(card: RechargeCard, now: datetime) -> None:
    if card.status == "void":
        raise Conflict("该卡已作废，不能销售")
    if card.status in ("active", "redeemed"):
        raise Conflict(f"该卡已于 {_local(card.activated_at)} 售出激活，不能重复销售")
    if card.expires_at <= now:
        raise Conflict("该卡已过期，不能销售")


def batch_of(actor: Staff, batch_id: int) -> CardBatch:
    batch = db.session.get(CardBatch, batch_id, populate_existing=True)
    if batch is None or batch.chain_id != actor.chain_id:
        raise NotFound("充值卡批次不存在")
    return batch


def _local(moment: datetime | None) -> str:
    return to_local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""

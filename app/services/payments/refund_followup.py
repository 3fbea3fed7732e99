"""WeChat refunds that never reached the driver (CLOSED or ABNORMAL), followed up by staff.

Managers (their stations) and chain admins (every station) see them in a list, then either
re-issue one through WeChat (a new refund: new out_refund_no, same money, sent by the outbox like
the first) or pay it into the driver's wallet with the driver's consent recorded. Each refund is
followed up at most once: a compare-and-set on `refund.followup` decides, unique constraints on
`refund_followup` back it. The original refund row stays as it was, as history. Each use case
is one transaction (a unit_of_work block).
"""

from dataclasses import dataclass

from sqlalchemy import func, or_, select, text, update

from app.extensions import db
from app.models import Member, Order, Refund, RefundFollowup, Staff, Station, Topup
from app.models.base import utcnow
from app.services import ledger
from app.services.ledger.postings import Leg
from app.services.members import wallet_split
from app.services.payments.refunds import OWED_STATUSES
from app.services.platform import audit, outbox
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.access import visible_station_ids

FOLLOWUP_ROLES = ("manager", "chain_admin")
CONSENT_CHANNELS = {"phone": "电话联系", "in_person": "到站当面", "message": "微信或短信消息"}
NOTE_MAX = 200
# The predicate of the partial index ix_refund_needs_followup, written as it is, so the
# planner uses the index for the list and the navigation's count.
_OWED = text("refund.status IN ('CLOSED', 'ABNORMAL') AND refund.followup IS NULL")


@dataclass(frozen=True)
class Owed:
    """A row of the list: the refund WeChat gave up on, its order's number (or the top-up's,
    for a refund of a top-up's principal), driver and station."""

    refund: Refund
    order_no: str
    member: Member
    station_name: str  # "全部油站" for a chain-wide top-up

    @property
    def may_reissue(self) -> bool:
        return may_reissue(self.refund)


def may_reissue(refund: Refund) -> bool:
    """CLOSED: nothing was paid out, WeChat takes a new refund. ABNORMAL: the money is stuck
    at WeChat and the original path (the driver's card) is dead: only the wallet helps."""
    return refund.status == "CLOSED"


def owed_refunds(actor: Staff, station_id: int | None = None) -> list[Owed]:
    """The refunds waiting for a follow-up at the actor's stations, oldest first."""
    stations = _stations(actor)
    if station_id is not None:
        if station_id not in stations:
            raise PermissionDenied("您不是该油站的站长")
        stations = {station_id}
    rows = db.session.execute(
        select(
            Refund,
            func.coalesce(Order.order_no, Topup.topup_no),
            Member,
            func.coalesce(Station.name, "全部油站"),
        )
        .outerjoin(Order, Order.id == Refund.order_id)
        .outerjoin(Topup, Topup.id == Refund.topup_id)
        .join(Member, Member.id == func.coalesce(Order.member_id, Topup.member_id))
        .outerjoin(Station, Station.id == Refund.station_id)
        .where(Refund.chain_id == actor.chain_id, _at(actor, stations, station_id), _OWED)
        .order_by(Refund.finished_at, Refund.id)
    )
    return [Owed(*row) for row in rows]


def _at(actor: Staff, stations: set[int], station_id: int | None = None):
    """Refunds of these stations; a chain admin also sees chain-wide top-ups' (no station)."""
    at_stations = Refund.station_id.in_(stations or {-1})
    if actor.role == "chain_admin" and station_id is None:
        return or_(at_stations, Refund.station_id.is_(None))
    return at_stations


def count_owed(actor: Staff) -> int:
    """How many refunds wait for this manager or chain admin (0 for other roles)."""
    if actor.role not in FOLLOWUP_ROLES:
        return 0
    stations = visible_station_ids(actor) or {-1}
    query = select(func.count()).select_from(Refund)
    query = query.where(Refund.chain_id == actor.chain_id, _at(actor, stations), _OWED)
    return db.session.scalar(query)


def reissue(actor: Staff, refund_id: int) -> Refund:
    """Send the money of a CLOSED WeChat refund again: a new refund of the same amount with a
    new out_refund_no, submitted to WeChat by a job. Returns the new refund."""
    with unit_of_work():
        original = _owed_refund(actor, refund_id)
        if not may_reissue(original):
            raise Conflict("微信退款异常（原路退回失败）不能重新原路退款，请征得车主同意后退回钱包")
        _claim(original, "reissued")
        source = _source_locked(original)
        new = _new_refund(original, source, actor, "wechat", original.reason)
        ledger.post(
            original.chain_id,
            "refund.reissue",
            [Leg("refunds_owed", new.amount_fen), Leg("refunds_payable", -new.amount_fen)],
            station_id=original.station_id,
            order_id=original.order_id,
            memo=new.out_refund_no,
        )
        outbox.enqueue("submit_refund", {"refund_id": new.id}, dedupe_key=f"refund:{new.id}")
        _record(actor, original, new, source, "reissued")
    return new


def return_to_wallet(
    actor: Staff, refund_id: int, consent_channel: str | None, consent_note: str | None
) -> Refund:
    """Pay a CLOSED or ABNORMAL WeChat refund into the driver's wallet, once the driver has
    agreed; who recorded the consent, how the driver gave it and the note are kept.
    Returns the new (wallet) refund."""
    with unit_of_work():
        original = _owed_refund(actor, refund_id)
        consent_note = _check_consent(consent_channel, consent_note)
        _claim(original, "wallet")
        source = _source_locked(original)
        new = _new_refund(original, source, actor, "wallet", "微信退款未到账，经车主同意退回钱包")
        # As principal: it was paid in (a top-up's refunded principal stays counted as
        # refunded, and its revoked bonus stays revoked: the money is now ordinary principal).
        ledger.post(
            original.chain_id,
            "refund.to_wallet",
            [
                Leg("refunds_owed", new.amount_fen),
                Leg("member_wallet", -new.amount_fen, member_id=source.member_id),
            ],
            station_id=original.station_id,
            order_id=original.order_id,
            memo=new.out_refund_no,
        )
        _record(actor, original, new, source, "wallet", consent_channel, consent_note)
    return new


def _stations(actor: Staff) -> set[int]:
    if actor.role not in FOLLOWUP_ROLES:
        raise PermissionDenied("只有站长和总部管理员可以处理待处理退款")
    return visible_station_ids(actor)


def _owed_refund(actor: Staff, refund_id: int) -> Refund:
    stations = _stations(actor)
    refund = db.session.get(Refund, refund_id)
    if refund is None or refund.chain_id != actor.chain_id:
        raise NotFound("退款不存在")
    if refund.station_id not in stations and not (
        refund.station_id is None and actor.role == "chain_admin"
    ):
        raise PermissionDenied("该退款不属于您的油站")
    if refund.followup is not None:
        raise Conflict("这笔退款已经处理过了，请刷新页面")
    if refund.method != "wechat" or refund.status not in OWED_STATUSES:
        raise Conflict("这笔退款不需要处理")
    return refund


def _check_consent(channel: str | None, note: str | None) -> str:
    note = (note or "").strip()
    problems = {}
    if channel not in CONSENT_CHANNELS:
        problems["consent_channel"] = "请选择车主同意的方式"
    if not note:
        problems["consent_note"] = "请写明与车主沟通的情况（何时、与谁、车主如何同意）"
    elif len(note) > NOTE_MAX:
        problems["consent_note"] = f"说明最多 {NOTE_MAX} 个字"
    if problems:
        raise Invalid(problems)
    return note


def _claim(refund: Refund, action: str) -> None:
    """The compare-and-set that lets one follow-up through: a second click, or a second
    manager at the same moment, finds the refund taken."""
    won = db.session.execute(
        update(Refund)
        .where(Refund.id == refund.id, Refund.status.in_(OWED_STATUSES))
        .where(Refund.followup.is_(None))
        .values(followup=action)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise Conflict("这笔退款刚刚已由其他人处理，请刷新页面")


def _source_locked(refund: Refund) -> Order | Topup:
    """The refund's order (or top-up), locked so its refunds are numbered one at a time (as
    create_refund does). A top-up is a lot of its member's principal: the wallet is locked
    before it, the one lock order of lots (members.wallet_split)."""
    if refund.order_id is not None:
        model, source_id = Order, refund.order_id
    else:
        model, source_id = Topup, refund.topup_id
        member_id = db.session.scalar(select(Topup.member_id).where(Topup.id == source_id))
        wallet_split.lock_wallet(member_id)
    return db.session.scalars(select(model).where(model.id == source_id).with_for_update()).one()


def _number(source: Order | Topup) -> str:
    return source.order_no if isinstance(source, Order) else source.topup_no


def _new_refund(
    original: Refund, source: Order | Topup, actor: Staff, method: str, reason: str
) -> Refund:
    of_source = (
        Refund.order_id == source.id if isinstance(source, Order) else Refund.topup_id == source.id
    )
    count = db.session.scalar(select(func.count(Refund.id)).where(of_source))
    now = utcnow()
    new = Refund(
        chain_id=original.chain_id,
        station_id=original.station_id,
        order_id=original.order_id,
        topup_id=original.topup_id,
        out_refund_no=f"{_number(source)}R{count + 1:02d}",
        method=method,
        kind=original.kind,
        amount_fen=original.amount_fen,
        reason=reason[:80],
        actor_staff_id=actor.id,
        created_at=now,
        status="SUCCESS" if method == "wallet" else "PENDING",
        finished_at=now if method == "wallet" else None,
    )
    db.session.add(new)
    db.session.flush()
    return new


def _record(
    actor: Staff,
    original: Refund,
    new: Refund,
    source: Order | Topup,
    action: str,
    consent_channel: str | None = None,
    consent_note: str = "",
) -> None:
    db.session.add(
        RefundFollowup(
            chain_id=original.chain_id,
            station_id=original.station_id,
            refund_id=original.id,
            new_refund_id=new.id,
            action=action,
            staff_id=actor.id,
            consent_channel=consent_channel,
            consent_note=consent_note,
        )
    )
    after = {
        "order_no": _number(source),
        "amount_fen": new.amount_fen,
        "out_refund_no": new.out_refund_no,
        "method": new.method,
    }
    if consent_channel:
        after |= {"consent": CONSENT_CHANNELS[consent_channel], "consent_note": consent_note}
    audit.record(
        actor,
        "refund.reissue" if action == "reissued" else "refund.to_wallet",
        "refund",
        original.id,
        chain_id=original.chain_id,
        station_id=original.station_id,
        before={"out_refund_no": original.out_refund_no, "status": original.status},
        after=after,
    )
    db.session.flush()

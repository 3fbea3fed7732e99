"""Counter top-ups with approval (审核充值): a cashier records a top-up a driver paid in cash or
by bank card at the station's counter; the wallet moves only when a manager of that station
(or a chain admin) approves it, never the person who asked (the CHECK four_eyes backs this).

Each step is one transaction and audited. Approving is a compare-and-set pending -> credited:
of two managers approving at once, one credits the wallet, the other is told it is done.
A package's coupons (marketing.gifts) are given with the credit.
The principal goes to the station's cash drawer (cash) or card clearing (bank card) account;
a package's bonus is the station's bonus expense. Both land in the member's two balances."""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update

from app.extensions import db
from app.models import Member, Staff, Station, Topup, TopupPackage
from app.models.base import insert_unless_exists, utcnow
from app.services import ledger
from app.services.ledger import Leg
from app.services.marketing import gifts
from app.services.members.lookup import get_member
from app.services.platform import audit
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.services.platform.money import fen_to_yuan
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.access import visible_station_ids

COUNTER_CHANNELS = {"cash": "现金", "pos": "银行卡"}
REQUEST_ROLES = ("cashier", "manager", "chain_admin")
APPROVE_ROLES = ("manager", "chain_admin")
MIN_FEN = 100  # 1 元
MAX_FEN = 1_000_000  # 10 000 元 at once: a slip of a zero should not need a second look only
TEXT_MAX = 200
REQUEST_NO = re.compile(r"CT\d{22}")
LEDGER_SOURCE = {"cash": "cash_drawer", "pos": "card_clearing"}
_COUNTER = Topup.channel.in_(tuple(COUNTER_CHANNELS))


def new_request_no() -> str:
    """CT + local time + 8 random digits (24 characters): the top-up's number, made when the
    form is shown, so that the same form sent twice records one top-up."""
    stamp = to_local(utcnow()).strftime("%Y%m%d%H%M%S")
    return f"CT{stamp}{secrets.randbelow(10**8):08d}"


def counter_packages(actor: Staff, station_id: int) -> list[TopupPackage]:
    """Packages with a bonus (充500送30) a counter top-up at this station may use now: enabled,
    in their time window, of the chain or of this station."""
    _station(actor, station_id, REQUEST_ROLES)
    now = utcnow()
    query = select(TopupPackage).where(
        TopupPackage.chain_id == actor.chain_id,
        or_(TopupPackage.station_id.is_(None), TopupPackage.station_id == station_id),
        TopupPackage.kind == "fixed",
        TopupPackage.enabled.is_(True),
        or_(TopupPackage.starts_at.is_(None), TopupPackage.starts_at <= now),
        or_(TopupPackage.ends_at.is_(None), TopupPackage.ends_at > now),
    )
    return list(db.session.scalars(query.order_by(TopupPackage.sort_order, TopupPackage.pay_fen)))


def request_counter_topup(
    actor: Staff,
    station_id: int,
    member_id: int,
    channel: str,
    amount_fen: int | None,
    pos_reference: str | None,
    note: str | None,
    package_id: int | None = None,
    request_no: str | None = None,
) -> Topup:
    """Record a top-up paid at the counter, waiting for a manager's approval. With a package,
    the amount is the package's and its bonus comes with it. request_no (from
    new_request_no, carried by the form): a repeat of the same request returns the first."""
    with unit_of_work(keep_loaded=True):
        station = _station(actor, station_id, REQUEST_ROLES)
        member = get_member(actor, member_id)
        values = _checked(actor, station, channel, amount_fen, pos_reference, note, package_id)
        number = request_no or new_request_no()
        if not REQUEST_NO.fullmatch(number):
            raise Invalid({"request_no": "表单已失效，请刷新页面后重新填写"})
        row = {
            "chain_id": actor.chain_id,
            "station_id": station.id,
            "member_id": member.id,
            "topup_no": number,
            "status": "pending",
            "requested_by_id": actor.id,
            "created_at": utcnow(),
            **values,
        }
        created = insert_unless_exists(Topup, ("topup_no",), row)
        topup = db.session.scalars(select(Topup).where(Topup.topup_no == number)).one()
        if not created:
            same = {k: getattr(topup, k) for k in ("station_id", "member_id", "requested_by_id")}
            if same != {k: row[k] for k in same} or topup.principal_fen != row["principal_fen"]:
                raise Conflict("这张表单已经提交过其他充值，请刷新页面后重新填写")
            return topup
        after = {
            "topup_no": number,
            "member": member.nickname or f"会员{member.id}",
            "channel": values["channel"],
            "principal_fen": values["principal_fen"],
            "bonus_fen": values["bonus_fen"],
            "pos_reference": values["pos_reference"],
            "note": values["note"],
            "status": "pending",
        }
        audit.record(
            actor,
            "topup.request",
            "topup",
            topup.id,
            chain_id=actor.chain_id,
            station_id=station.id,
            after=after,
        )
    return topup


def _checked(actor, station, channel, amount_fen, pos_reference, note, package_id) -> dict:
    """The top-up's columns from the form's values; Invalid naming every wrong field."""
    problems = {}
    if channel not in COUNTER_CHANNELS:
        problems["channel"] = "请选择付款方式：现金或银行卡"
    reference = (pos_reference or "").strip()
    if channel == "pos" and not reference:
        problems["pos_reference"] = "银行卡付款请填写 POS 签购单上的参考号"
    if len(reference) > 64:
        problems["pos_reference"] = "参考号最多 64 个字符"
    note = (note or "").strip()
    if len(note) > TEXT_MAX:
        problems["note"] = f"备注最多 {TEXT_MAX} 个字"
    bonus = 0
    if package_id is not None:
        package = db.session.get(TopupPackage, package_id)
        if package is None or package not in counter_packages(actor, station.id):
            problems["package_id"] = "该充值套餐不存在或已停用，请重新选择"
        else:
            if amount_fen is not None and amount_fen != package.pay_fen:
                problems["amount"] = f"所选套餐的充值金额是 {fen_to_yuan(package.pay_fen)} 元"
            amount_fen, bonus = package.pay_fen, package.bonus_fen
    if amount_fen is None:
        problems.setdefault("amount", "请输入充值金额")
    elif not MIN_FEN <= amount_fen <= MAX_FEN:
        problems.setdefault("amount", f"充值金额应在 {MIN_FEN // 100} 到 {MAX_FEN // 100} 元之间")
    if problems:
        raise Invalid(problems)
    return {
        "channel": channel,
        "package_id": package_id,
        "principal_fen": amount_fen,
        "bonus_fen": bonus,
        "pos_reference": reference if channel == "pos" else "",
        "note": note,
    }


def approve_counter_topup(actor: Staff, topup_id: int) -> Topup:
    """pending -> credited and the wallet credited, in one transaction; Conflict when someone
    else decided first. The requester can never approve their own top-up."""
    with unit_of_work(keep_loaded=True):
        topup = _pending_for(actor, topup_id)
        now = utcnow()
        won = db.session.execute(
            update(Topup)
            .where(
                Topup.id == topup.id,
                Topup.status == "pending",
                _COUNTER,
                Topup.requested_by_id.is_distinct_from(actor.id),
            )
            .values(status="credited", decided_by_id=actor.id, decided_at=now, credited_at=now)
            .returning(Topup.id)
        ).first()
        if won is None:
            raise Conflict("这笔充值已经被审核过了，请刷新页面")
        db.session.refresh(topup)
        station_id, member_id = topup.station_id, topup.member_id
        legs = [
            Leg(LEDGER_SOURCE[topup.channel], topup.principal_fen, station_id=station_id),
            Leg("member_wallet", -topup.principal_fen, member_id=member_id),
        ]
        if topup.bonus_fen:
            legs += [
                Leg("bonus_expense", topup.bonus_fen, station_id=station_id),
                Leg("member_bonus", -topup.bonus_fen, member_id=member_id),
            ]
        ledger.post(
            topup.chain_id,
            f"topup.{topup.channel}",
            legs,
            station_id=station_id,
            memo=topup.topup_no,
        )
        gifts.reward_topup(topup)  # the package's coupons, with the credit
        _record(actor, topup, "topup.approve", {"status": "credited"})
    return topup


def reject_counter_topup(actor: Staff, topup_id: int, reason: str | None) -> Topup:
    """pending -> rejected with the reason; nothing moves. Conflict when already decided."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": "请填写驳回原因"})
    if len(reason) > TEXT_MAX:
        raise Invalid({"reason": f"驳回原因最多 {TEXT_MAX} 个字"})
    with unit_of_work(keep_loaded=True):
        topup = _pending_for(actor, topup_id)
        won = db.session.execute(
            update(Topup)
            .where(
                Topup.id == topup.id,
                Topup.status == "pending",
                _COUNTER,
                Topup.requested_by_id.is_distinct_from(actor.id),
            )
            .values(
                status="rejected", decided_by_id=actor.id, decided_at=utcnow(), reject_reason=reason
            )
            .returning(Topup.id)
        ).first()
        if won is None:
            raise Conflict("这笔充值已经被审核过了，请刷新页面")
        db.session.refresh(topup)
        _record(actor, topup, "topup.reject", {"status": "rejected", "reason": reason})
    return topup


def _station(actor: Staff, station_id: int, roles: tuple[str, ...]) -> Station:
    if actor.role not in roles:
        if roles == APPROVE_ROLES:
            raise PermissionDenied("只有站长和总部管理员可以审核充值")
        raise PermissionDenied("只有收银员、站长和总部管理员可以办理柜台充值")
    station = db.session.get(Station, station_id)
    if station is None or station.chain_id != actor.chain_id:
        raise NotFound("油站不存在")
    if station.id not in visible_station_ids(actor):
        raise PermissionDenied(
            "您不在该油站工作" if roles != APPROVE_ROLES else "您不是该油站的站长"
        )
    return station


def _pending_for(actor: Staff, topup_id: int) -> Topup:
    """The counter top-up to decide, checked: the actor manages its station, did not ask for
    it, and it still waits (else Conflict)."""
    if actor.role not in APPROVE_ROLES:
        raise PermissionDenied("只有站长和总部管理员可以审核充值")
    topup = db.session.get(Topup, topup_id)
    if topup is None or topup.chain_id != actor.chain_id or topup.channel not in COUNTER_CHANNELS:
        raise NotFound("充值记录不存在")
    _station(actor, topup.station_id, APPROVE_ROLES)
    if topup.requested_by_id == actor.id:
        raise PermissionDenied("不能审核自己发起的充值，请由本站其他站长或总部管理员审核")
    if topup.status != "pending":
        raise Conflict("这笔充值已经被审核过了，请刷新页面")
    return topup


def _record(actor: Staff, topup: Topup, action: str, after: dict) -> None:
    member = db.session.get(Member, topup.member_id)
    facts = {
        "topup_no": topup.topup_no,
        "member": member.nickname or f"会员{member.id}",
        "channel": topup.channel,
        "principal_fen": topup.principal_fen,
        "bonus_fen": topup.bonus_fen,
    }
    audit.record(
        actor,
        action,
        "topup",
        topup.id,
        chain_id=topup.chain_id,
        station_id=topup.station_id,
        before={**facts, "status": "pending"},
        after={**facts, **after},
    )


@dataclass
class Pending:
    """A line of the approvals queue."""

    topup: Topup
    member: Member
    station_name: str
    requested_by: str
    created_at: datetime


def pending_station_ids(actor: Staff, station_id: int | None = None) -> set[int]:
    """The stations whose top-ups the actor decides (one of them when station_id is given)."""
    if actor.role not in APPROVE_ROLES:
        raise PermissionDenied("只有站长和总部管理员可以审核充值")
    stations = visible_station_ids(actor)
    if station_id is not None:
        _station(actor, station_id, APPROVE_ROLES)
        stations = {station_id}
    return stations


def list_pending(
    actor: Staff, station_id: int | None = None, page: int = 1, per_page: int = 20
) -> tuple[list[Pending], bool]:
    """Counter top-ups waiting at the actor's stations, oldest first; (rows, has_next)."""
    stations = pending_station_ids(actor, station_id)
    query = (
        select(Topup, Member, Station.name, Staff.display_name)
        .join(Member, Member.id == Topup.member_id)
        .join(Station, Station.id == Topup.station_id)
        .outerjoin(Staff, Staff.id == Topup.requested_by_id)
        .where(
            Topup.chain_id == actor.chain_id,
            Topup.station_id.in_(stations or {-1}),
            Topup.status == "pending",
            _COUNTER,
        )
        .order_by(Topup.id)
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page + 1)
    )
    rows = [
        Pending(topup, member, station, requester or "—", topup.created_at)
        for topup, member, station, requester in db.session.execute(query)
    ]
    return rows[:per_page], len(rows) > per_page


def count_pending(actor: Staff) -> int:
    """How many counter top-ups wait for this manager or chain admin to decide (0 for other
    roles)."""
    if actor.role not in APPROVE_ROLES:
        return 0
    query = (
        select(func.count())
        .select_from(Topup)
        .where(
            Topup.chain_id == actor.chain_id,
            Topup.station_id.in_(visible_station_ids(actor) or {-1}),
            Topup.status == "pending",
            _COUNTER,
            Topup.requested_by_id.is_distinct_from(actor.id),  # their own wait for someone else
        )
    )
    return db.session.scalar(query)

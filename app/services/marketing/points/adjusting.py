"""A member's points for staff (会员积分): found by phone, the balance with its lots and the
ledger; and a chain admin's adjustment with a reason (人工调整: points given for a complaint,
or taken back for a mistake), audited.

An adjustment up goes into the lot of this local year, with the expiry of the rule in force
(12 months after the year ends without one); one down takes from the lots that expire first
and is refused beyond the balance: points never go below zero."""

from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import Member, PointsEntry, Staff
from app.models.base import utcnow
from app.services.marketing.points import book, mine, rules
from app.services.platform import audit
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.services.platform.unit_of_work import unit_of_work

VIEW_ROLES = ("cashier", "manager", "chain_admin")
MAX_ADJUST = 1_000_000
PER_PAGE = 20


def check_view(actor: Staff) -> None:
    if actor.role not in VIEW_ROLES:
        raise PermissionDenied("只有收银员、站长和总部管理员可以查看会员积分")


def get_member(actor: Staff, member_id: int) -> Member:
    check_view(actor)
    member = db.session.get(Member, member_id)
    if member is None or member.chain_id != actor.chain_id:
        raise NotFound("会员不存在")
    return member


def find_members(actor: Staff, phone: str) -> list[tuple[Member, int]]:
    """Members of the chain by phone (11 digits, or the last 4), with their balance now."""
    check_view(actor)
    phone = (phone or "").strip().replace(" ", "").replace("-", "")
    if not (phone.isdigit() and len(phone) in (4, 11)):
        raise Invalid({"phone": "手机号请输入完整的 11 位或后 4 位"})
    match = Member.phone == phone if len(phone) == 11 else Member.phone.like(f"%{phone}")
    found = db.session.scalars(
        select(Member).where(Member.chain_id == actor.chain_id, match).order_by(Member.id).limit(50)
    )
    return [(member, mine.balance_now(member.id)) for member in found]


@dataclass(frozen=True)
class MemberPoints:
    member: Member
    summary: mine.Summary
    entries: list[PointsEntry]
    number: int
    has_next: bool


def member_points(actor: Staff, member_id: int, page: int = 1) -> MemberPoints:
    member = get_member(actor, member_id)
    where = PointsEntry.member_id == member.id
    entries = list(
        db.session.scalars(
            select(PointsEntry)
            .where(where)
            .order_by(PointsEntry.id.desc())
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE + 1)
        )
    )
    return MemberPoints(
        member, mine.summary(member), entries[:PER_PAGE], page, len(entries) > PER_PAGE
    )


def adjust(actor: Staff, member_id: int, delta: int | None, reason: str) -> int:
    """Give (delta > 0) or take (delta < 0) points with a reason, in one transaction; the
    balance after. Chain admins only."""
    if actor.role != "chain_admin":
        raise PermissionDenied("只有总部管理员可以调整会员积分")
    reason = (reason or "").strip()
    problems = {}
    if delta is None or delta == 0 or abs(delta) > MAX_ADJUST:
        problems["delta"] = f"请填写调整的积分：1 到 {MAX_ADJUST}，扣减填负数"
    if not reason or len(reason) > 200:
        problems["reason"] = "请填写调整原因（最多 200 个字）"
    if problems:
        raise Invalid(problems)
    with unit_of_work():
        member = get_member(actor, member_id)
        now = utcnow()
        balance = book.lock(member.id, member.chain_id, now)
        if delta > 0:
            rule = rules.rule_at(member.chain_id, now)
            months = rule.expiry_months if rule else book.DEFAULT_EXPIRY_MONTHS
            lot_id, balance = book.credit(member.id, member.chain_id, delta, now, months)
            parts = [(lot_id, delta)]
        else:
            if balance < -delta:
                raise Conflict(f"积分不足：会员现有 {balance} 积分，不能扣减 {-delta} 积分")
            parts, balance = book.debit(member.id, -delta, now)
        book.write_entry(
            member.id,
            member.chain_id,
            "adjust",
            delta,
            balance,
            parts,
            now,
            actor_staff_id=actor.id,
            note=reason,
        )
        audit.record(
            actor,
            "points.adjust",
            "points_account",
            member.id,
            chain_id=member.chain_id,
            after={
                "member": member.nickname or f"会员{member.id}",
                "delta": delta,
                "balance": balance,
                "reason": reason,
            },
        )
        return balance


def entry_count(member_id: int) -> int:
    return db.session.scalar(
        select(func.count(PointsEntry.id)).where(PointsEntry.member_id == member_id)
    )

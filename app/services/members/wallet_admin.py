"""Freezing a member's wallet (a frozen wallet pays nothing; credits still arrive) and
unfreezing it: managers and chain admins, with a reason, audited. Each is a compare-and-set
on Wallet.frozen_at, so two staff freezing at once freeze it once."""

from sqlalchemy import select, update

from app.extensions import db
from app.models import Staff, Wallet
from app.models.base import insert_unless_exists, utcnow
from app.services.members.lookup import get_member, working_station
from app.services.platform import audit
from app.services.platform.errors import Conflict, Invalid, PermissionDenied
from app.services.platform.unit_of_work import unit_of_work

FREEZE_ROLES = ("manager", "chain_admin")
REASON_MAX = 200


def may_freeze(actor: Staff) -> bool:
    return actor.role in FREEZE_ROLES


def freeze_wallet(
    actor: Staff, member_id: int, reason: str | None, station_id: int | None = None
) -> Wallet:
    """Freeze the member's wallet with the reason; station_id: where the actor acts from (for
    the audit log). Conflict if it is frozen already."""
    reason = _reason(reason, "请填写冻结原因")
    with unit_of_work(keep_loaded=True):
        member, station_id = _member(actor, member_id, station_id)
        # A member who never had money gets the wallet here, so that nothing can pay from it.
        row = {"chain_id": member.chain_id, "member_id": member.id, "principal_fen": 0}
        insert_unless_exists(Wallet, ("member_id",), row | {"bonus_fen": 0})
        won = db.session.execute(
            update(Wallet)
            .where(Wallet.member_id == member.id, Wallet.frozen_at.is_(None))
            .values(frozen_at=utcnow(), frozen_reason=reason, frozen_by_id=actor.id)
            .returning(Wallet.id)
        ).first()
        if won is None:
            raise Conflict("该钱包已经冻结，请刷新页面")
        wallet = _wallet(member.id)
        audit.record(
            actor,
            "wallet.freeze",
            "wallet",
            wallet.id,
            chain_id=member.chain_id,
            station_id=station_id,
            before={"member": _name(member), "frozen": False},
            after={"member": _name(member), "frozen": True, "reason": reason},
        )
    return wallet


def unfreeze_wallet(
    actor: Staff, member_id: int, reason: str | None, station_id: int | None = None
) -> Wallet:
    """Unfreeze the member's wallet, saying why; Conflict if it is not frozen."""
    reason = _reason(reason, "请填写解冻原因")
    with unit_of_work(keep_loaded=True):
        member, station_id = _member(actor, member_id, station_id)
        before = _wallet(member.id)
        frozen_reason = before.frozen_reason if before else None
        won = db.session.execute(
            update(Wallet)
            .where(Wallet.member_id == member.id, Wallet.frozen_at.is_not(None))
            .values(frozen_at=None, frozen_reason=None, frozen_by_id=None)
            .returning(Wallet.id)
        ).first()
        if won is None:
            raise Conflict("该钱包没有冻结，请刷新页面")
        wallet = _wallet(member.id)
        audit.record(
            actor,
            "wallet.unfreeze",
            "wallet",
            wallet.id,
            chain_id=member.chain_id,
            station_id=station_id,
            before={"member": _name(member), "frozen": True, "frozen_reason": frozen_reason},
            after={"member": _name(member), "frozen": False, "reason": reason},
        )
    return wallet


def _reason(reason: str | None, missing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": missing})
    if len(reason) > REASON_MAX:
        raise Invalid({"reason": f"原因最多 {REASON_MAX} 个字"})
    return reason


def _member(actor: Staff, member_id: int, station_id: int | None):
    if not may_freeze(actor):
        raise PermissionDenied("只有站长和总部管理员可以冻结或解冻钱包")
    station = working_station(actor, station_id)
    return get_member(actor, member_id), station.id if station else None


def _wallet(member_id: int) -> Wallet | None:
    query = select(Wallet).where(Wallet.member_id == member_id)
    return db.session.scalars(query.execution_options(populate_existing=True)).one_or_none()


def _name(member) -> str:
    return member.nickname or f"会员{member.id}"

"""Redemption codes (兑换码): 12 digits a driver shows at the counter for a car wash or shop
goods, verified once by a cashier, station manager or chain admin at a station of the chain.

- The code is made from a random nonce with the app's secret (HMAC), so the driver's app can be
  shown it again at any time; only a keyed hash of it is stored and searched, unique in the
  chain, so a copy of the database alone gives no usable code.
- `verify` is a compare-and-set unused -> used that records when, where and by whom: of two
  cashiers typing the same code at once, one verifies it and the other is told it was used.
- Unknown codes count as misses of the staff member, and too many lock them out of typing codes
  for a while (platform.staff_misses; used codes do not count: a late try, not a guess)."""

import hashlib
import hmac
import re
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.models import Member, PointsRedemption, Staff, Station
from app.models.base import utcnow
from app.services.platform import audit, staff_misses
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied, ServiceError
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.access import COUNTER_ROLES, visible_station_ids

DIGITS = 12
_FORMAT = re.compile(rf"\d{{{DIGITS}}}")
KIND = "redemption-code"  # its misses' counter (platform.staff_misses)


class CodeNotFound(NotFound):
    code = "redemption_code_not_found"


class CodeUsed(Conflict):
    code = "redemption_code_used"


class CodeLocked(ServiceError):
    status = 429
    code = "redemption_code_locked"


def _key(purpose: bytes) -> bytes:
    return hashlib.sha256(purpose + current_app.config["SECRET_KEY"].encode()).digest()


def derive(nonce: str) -> str:
    digest = hmac.new(_key(b"points-code:"), nonce.encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**DIGITS:0{DIGITS}d}"


def hash_code(chain_id: int, code: str) -> str:
    """Keyed: 10^12 codes are quickly tried against a plain hash."""
    message = f"{chain_id}:{code}".encode()
    return hmac.new(_key(b"points-code-hash:"), message, hashlib.sha256).hexdigest()


def shown(code: str) -> str:
    """1234 5678 9012: easier to read out and type."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def code_of(redemption: PointsRedemption) -> str | None:
    """The code to show: only while it may still be used."""
    if redemption.status != "unused" or not redemption.nonce:
        return None
    return derive(redemption.nonce)


def check_staff(actor: Staff, station_id: int) -> None:
    if actor.role not in COUNTER_ROLES:
        raise PermissionDenied("只有收银员、站长和总部管理员可以核销兑换码")
    if station_id not in visible_station_ids(actor):
        station = db.session.get(Station, station_id)
        if station is None or station.chain_id != actor.chain_id:
            raise NotFound("油站不存在")
        raise PermissionDenied("您不在该油站工作，不能在该站核销兑换码")


def _locked_message(until: datetime, now: datetime) -> str:
    return (
        f"兑换码连续输错 {staff_misses.MAX_MISSES} 次，已暂停核销，"
        f"请 {staff_misses.minutes_left(until, now)} 分钟后再试"
    )


def verify(actor: Staff, station_id: int, code: str) -> PointsRedemption:
    """Use the redemption behind a code at station_id (one transaction; a miss is counted and
    committed, then refused). Invalid for a malformed code, CodeUsed once used, CodeNotFound
    for an unknown one, CodeLocked after too many misses."""
    check_staff(actor, station_id)
    digits = re.sub(r"[\s-]", "", code or "")
    if not _FORMAT.fullmatch(digits):
        raise Invalid({"code": f"兑换码为 {DIGITS} 位数字，请核对"})
    with unit_of_work(keep_loaded=True):
        now = utcnow()
        if until := staff_misses.locked_until(KIND, actor, now):
            raise CodeLocked(_locked_message(until, now))
        digest = hash_code(actor.chain_id, digits)
        r = PointsRedemption
        used_id = db.session.execute(
            update(r)
            .where(r.chain_id == actor.chain_id, r.code_hash == digest, r.status == "unused")
            .values(status="used", used_at=now, used_by_id=actor.id, used_station_id=station_id)
            .returning(r.id)
            .execution_options(synchronize_session=False)
        ).scalar()
        if used_id is not None:
            staff_misses.start_count_again(KIND, actor, now)
            redemption = db.session.get(r, used_id, populate_existing=True)
            member = db.session.get(Member, redemption.member_id)
            audit.record(
                actor,
                "points_redemption.verify",
                "points_redemption",
                used_id,
                chain_id=actor.chain_id,
                station_id=station_id,
                after={
                    "item": redemption.item_name,
                    "points": redemption.points,
                    "member": member.nickname or f"会员{member.id}",
                },
            )
            return redemption
        known = db.session.scalar(
            select(r).where(r.chain_id == actor.chain_id, r.code_hash == digest)
        )
        if known is not None:
            station = db.session.get(Station, known.used_station_id)
            when = to_local(known.used_at).strftime("%Y-%m-%d %H:%M")
            raise CodeUsed(f"该兑换码已于 {when} 在{station.name}核销，不能重复使用")
        misses, until = staff_misses.count_miss(KIND, actor, station_id, now)
    if until is not None and until > now:
        raise CodeLocked(_locked_message(until, now))
    raise CodeNotFound(
        f"没有这个兑换码，请核对后重输（再错 {staff_misses.MAX_MISSES - misses} 次将暂停核销）"
    )

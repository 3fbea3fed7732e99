"""Redemption codes (兑换码): 12 digits a driver shows at the counter for a car wash or shop
goods, verified once by a cashier, station manager or chain admin at a station of the chain.

- The code is made from a random nonce with the app's secret (HMAC), so the driver's app can be
  shown it again at any time; only a keyed hash of it is stored and searched, unique in the
  chain, so a copy of the database alone gives no usable code.
- `verify` is a compare-and-set unused -> used that records when, where and by whom: of two
  cashiers typing the same code at once, one verifies it and the other is told it was used.
- Unknown codes count as misses of the staff member: MAX_MISSES within MISS_WINDOW lock them
  out of typing codes for LOCK_FOR (used codes do not count: a late try, not a guess)."""

import hashlib
import hmac
import logging
import math
import re
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, select, update

from app.extensions import db
from app.models import Member, MissGuard, PointsRedemption, Staff, Station
from app.models.base import insert_unless_exists, utcnow
from app.services.platform import audit
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied, ServiceError
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.access import COUNTER_ROLES, visible_station_ids

log = logging.getLogger(__name__)

DIGITS = 12
_FORMAT = re.compile(rf"\d{{{DIGITS}}}")
MAX_MISSES = 5
MISS_WINDOW = timedelta(minutes=10)
LOCK_FOR = timedelta(minutes=10)


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
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return f"兑换码连续输错 {MAX_MISSES} 次，已暂停核销，请 {minutes} 分钟后再试"


def _count_miss(actor: Staff, station_id: int, now: datetime) -> tuple[int, datetime | None]:
    """This miss counted in one statement (misses sent at once all count)."""
    key = f"points-code-staff:{actor.id}"
    row = {"key": key, "chain_id": actor.chain_id, "misses": 0, "window_started_at": now}
    insert_unless_exists(MissGuard, ("key",), row)
    c = MissGuard.__table__.c
    current = (c.window_started_at > now - MISS_WINDOW) & (c.misses < MAX_MISSES)
    counted = case((current, c.misses + 1), else_=1)
    misses, until = db.session.execute(
        update(MissGuard.__table__)
        .where(c.key == key)
        .values(
            misses=counted,
            window_started_at=case((current, c.window_started_at), else_=now),
            locked_until=case((counted >= MAX_MISSES, now + LOCK_FOR), else_=c.locked_until),
        )
        .returning(c.misses, c.locked_until)
    ).one()
    log.warning("redemption code miss: staff %s at station %s, %s", actor.id, station_id, misses)
    if misses == MAX_MISSES:
        audit.record(
            actor,
            "redemption_code.lockout",
            "staff",
            actor.id,
            chain_id=actor.chain_id,
            station_id=station_id,
            after={"misses": misses, "minutes": int(LOCK_FOR.total_seconds() // 60)},
        )
    return misses, until


def verify(actor: Staff, station_id: int, code: str) -> PointsRedemption:
    """Use the redemption behind a code at station_id (one transaction; a miss is counted and
    committed, then refused). Invalid for a malformed code, CodeUsed once used, CodeNotFound
    for an unknown one, CodeLocked after too many misses."""
    check_staff(actor, station_id)
    digits = re.sub(r"[\s-]", "", code or "")
    if not _FORMAT.fullmatch(digits):
        raise Invalid({"code": f"兑换码为 {DIGITS} 位数字，请核对"})
    key = f"points-code-staff:{actor.id}"
    with unit_of_work(keep_loaded=True):
        now = utcnow()
        guard = db.session.get(MissGuard, key, populate_existing=True)
        if guard is not None and guard.locked_until is not None and guard.locked_until > now:
            raise CodeLocked(_locked_message(guard.locked_until, now))
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
            if guard is not None and guard.misses:
                guard.misses = 0
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
        misses, until = _count_miss(actor, station_id, now)
    if until is not None and until > now:
        raise CodeLocked(_locked_message(until, now))
    raise CodeNotFound(f"没有这个兑换码，请核对后重输（再错 {MAX_MISSES - misses} 次将暂停核销）")

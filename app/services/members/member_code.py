"""The member code (会员码): an 18-digit number the mini-program shows at the counter, as WeChat
shows its payment code, for a cashier to scan or type to find the member.

- Each call of `issue` makes a new code, valid for MEMBER_CODE_TTL_S seconds (60 by default).
  Codes issued before stay valid until they expire or are used: the one on the driver's screen
  keeps working while the mini-program fetches the next. Past its minute a code does nothing,
  used or not, so an old code copied off a screen or a photo is worthless.
- Only the SHA-256 of a code is stored. The code starts with 88 so that the counter tells it
  from a WeChat (10-15) or Alipay (25-30) payment code scanned into the same field; the 16
  digits after it are random (about 53 bits): within a minute, and with the rate limit below,
  nobody guesses one.
- `identify` works once: a compare-and-set on (unused, unexpired) records who used it where.
  Expired, used and unknown codes get the same answer. Unknown codes typed by a staff member are
  counted, and too many lock that person out (platform.staff_misses).
"""

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import Member, MemberCode, Staff
from app.models.base import insert_unless_exists, utcnow
from app.services.platform import staff_misses
from app.services.platform.errors import Invalid, NotFound, PermissionDenied, ServiceError
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.access import visible_station_ids

PREFIX = "88"
DIGITS = 18
_FORMAT = re.compile(rf"{PREFIX}\d{{{DIGITS - len(PREFIX)}}}")
ROLES = ("chain_admin", "manager", "cashier")
KIND = "member-code"  # its misses' counter (platform.staff_misses)
KEEP_USED_FOR = timedelta(days=1)  # then housekeeping deletes the code


class CodeInvalid(NotFound):
    code = "member_code_invalid"


class CodeLocked(ServiceError):
    status = 429
    code = "member_code_locked"


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def lifetime() -> timedelta:
    return timedelta(seconds=current_app.config["MEMBER_CODE_TTL_S"])


def new_code() -> str:
    return PREFIX + f"{secrets.randbelow(10 ** (DIGITS - len(PREFIX))):0{DIGITS - len(PREFIX)}d}"


def issue(member: Member) -> tuple[str, datetime]:
    """A new code for the member and when it stops working."""
    now = utcnow()
    expires_at = now + lifetime()
    with unit_of_work():
        for _draw in range(3):  # a clash with a stored code is a 1 in 10^16 event: draw again
            code = new_code()
            row = {
                "chain_id": member.chain_id,
                "member_id": member.id,
                "code_hash": hash_code(code),
                "created_at": now,
                "expires_at": expires_at,
            }
            if insert_unless_exists(MemberCode, ("code_hash",), row):
                return code, expires_at
    raise RuntimeError("three member codes drawn in a row were taken")


def _check_staff(actor: Staff, station_id: int) -> None:
    if actor.role not in ROLES:
        raise PermissionDenied("只有收银员、站长和总部管理员可以识别会员码")
    if station_id not in visible_station_ids(actor):
        raise PermissionDenied("您不在该油站工作，不能在该站识别会员码")


def _locked_message(until: datetime, now: datetime) -> str:
    return (
        f"会员码连续输错 {staff_misses.MAX_MISSES} 次，已暂停识别会员码，"
        f"请 {staff_misses.minutes_left(until, now)} 分钟后再试；也可以按手机号或车牌号查找会员"
    )


def identify(actor: Staff, code: str, station_id: int) -> Member:
    """The member behind a code shown at the counter of station_id, scanned or typed by a
    cashier, manager or chain admin working there. The code is used up by this call.

    One transaction: a miss is counted and committed, then the refusal is raised."""
    _check_staff(actor, station_id)
    digits = re.sub(r"[\s-]", "", code or "")
    if not _FORMAT.fullmatch(digits):
        raise Invalid({"code": f"会员码为 {PREFIX} 开头的 {DIGITS} 位数字，请核对"})
    with unit_of_work(keep_loaded=True):  # the member as read is the answer
        now = utcnow()
        if until := staff_misses.locked_until(KIND, actor, now):
            raise CodeLocked(_locked_message(until, now))
        codes = MemberCode.__table__.c
        digest = hash_code(digits)
        # Compare-and-set: of two cashiers with the same code, the second finds it used.
        member_id = db.session.execute(
            update(MemberCode.__table__)
            .where(
                codes.code_hash == digest,
                codes.chain_id == actor.chain_id,
                codes.used_at.is_(None),
                codes.expires_at > now,
            )
            .values(used_at=now, used_by_id=actor.id, used_station_id=station_id)
            .returning(codes.member_id)
        ).scalar()
        if member_id is not None:
            staff_misses.start_count_again(KIND, actor, now)
            return db.session.get(Member, member_id)
        # A used or expired code is a late scan, not a guess: only unknown codes count.
        known = select(codes.id).where(codes.code_hash == digest, codes.chain_id == actor.chain_id)
        misses = until = None
        if db.session.scalar(known) is None:
            misses, until = staff_misses.count_miss(KIND, actor, station_id, now)
    if until is not None and until > now:  # this miss, or one sent at the same time
        raise CodeLocked(_locked_message(until, now))
    message = "会员码无效或已失效（每个会员码只能用一次，一分钟内有效），请让车主刷新后重新出示"
    if misses is not None:
        message += f"（再错 {staff_misses.MAX_MISSES - misses} 次将暂停识别会员码）"
    raise CodeInvalid(message)


def peek(actor: Staff, code: str, station_id: int) -> Member | None:
    """The member behind a valid code, without using it up: the counter shows who it is and
    their price before the sale (which then calls identify). None for a used, expired or
    unknown code; unknown codes count towards the lockout as in identify, in one transaction."""
    _check_staff(actor, station_id)
    digits = re.sub(r"[\s-]", "", code or "")
    if not _FORMAT.fullmatch(digits):
        return None
    with unit_of_work(keep_loaded=True):
        now = utcnow()
        if until := staff_misses.locked_until(KIND, actor, now):
            raise CodeLocked(_locked_message(until, now))
        codes = MemberCode.__table__.c
        row = db.session.execute(
            select(codes.member_id, codes.used_at, codes.expires_at).where(
                codes.code_hash == hash_code(digits), codes.chain_id == actor.chain_id
            )
        ).first()
        if row is None:
            staff_misses.count_miss(KIND, actor, station_id, now)
            return None
        if row.used_at is not None or row.expires_at <= now:
            return None
        return db.session.get(Member, row.member_id)


def purge_expired(now: datetime | None = None) -> int:
    """Housekeeping: delete codes that expired more than a day ago (the used ones with them:
    who identified whom stays in the day's records until then)."""
    cutoff = (now or utcnow()) - KEEP_USED_FOR
    with unit_of_work():
        result = db.session.execute(delete(MemberCode).where(MemberCode.expires_at < cutoff))
    return result.rowcount

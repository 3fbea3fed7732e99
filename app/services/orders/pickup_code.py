"""The short pickup code, typed when the camera fails: looked up only among the paid orders of
the station the attendant works at, with a lock-out after repeated misses.

A hit answers with the order's QR token, so the attendant goes on exactly as after a scan
(preview, confirmation, offline queue). Misses are counted per staff member in the database,
so every web process and every handheld of that person counts the same ones."""

import logging
import math
import re
from datetime import datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import Order, PickupCodeGuard, PickupToken, Staff
from app.models.base import insert_unless_exists, utcnow
from app.services.orders import pickup
from app.services.platform import audit
from app.services.platform.errors import Invalid, NotFound, ServiceError
from app.services.platform.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

MAX_MISSES = 5
LOCK_FOR = timedelta(minutes=10)
MISS_WINDOW = timedelta(minutes=10)  # misses further apart than this start the count again
_FORMAT = re.compile(rf"\d{{{pickup.CODE_DIGITS}}}")


class CodeLocked(ServiceError):
    status = 429
    code = "pickup_code_locked"


class CodeNotFound(NotFound):
    code = "pickup_code_not_found"


def _locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return (
        f"取油码连续输错 {MAX_MISSES} 次，已暂停手动输入，请 {minutes} 分钟后再试；"
        "扫描司机的二维码不受影响"
    )


def _count_miss(staff: Staff, station_id: int, now: datetime) -> tuple[int, datetime | None]:
    """This miss counted; (misses in a row, locked until)."""
    row = {"staff_id": staff.id, "chain_id": staff.chain_id, "misses": 0}
    insert_unless_exists(PickupCodeGuard, ("staff_id",), row)
    counts = PickupCodeGuard.__table__.c
    recent = (counts.last_miss_at > now - MISS_WINDOW) & (counts.misses < MAX_MISSES)
    counted = case((recent, counts.misses + 1), else_=1)
    # One statement, so misses sent at once by several processes are all counted.
    misses, until = db.session.execute(
        update(PickupCodeGuard.__table__)
        .where(counts.staff_id == staff.id)
        .values(
            misses=counted,
            last_miss_at=now,
            locked_until=case((counted >= MAX_MISSES, now + LOCK_FOR), else_=counts.locked_until),
        )
        .returning(counts.misses, counts.locked_until)
    ).one()
    log.warning(
        "pickup code miss: staff %s at station %s, %s in a row", staff.id, station_id, misses
    )
    if misses == MAX_MISSES:
        log.warning("pickup code lock-out: staff %s until %s", staff.id, until.isoformat())
        audit.record(
            staff,
            "pickup_code.lockout",
            "staff",
            staff.id,
            chain_id=staff.chain_id,
            station_id=station_id,
            after={"misses": misses, "minutes": int(LOCK_FOR.total_seconds() // 60)},
        )
    return misses, until


def lookup_by_code(staff: Staff, station_id: int, code: str) -> tuple[Order, str]:
    """The paid order of this station behind a typed short code, and its QR token.

    One transaction: a miss is counted and committed, then the refusal is raised."""
    pickup.check_staff(staff, station_id)
    digits = re.sub(r"[\s-]", "", code or "")
    if not _FORMAT.fullmatch(digits):
        raise Invalid({"code": f"取油码为 {pickup.CODE_DIGITS} 位数字，请核对"})
    with unit_of_work(keep_loaded=True):  # the order and its driver as read are the answer
        now = utcnow()
        guard = db.session.get(PickupCodeGuard, staff.id)
        if guard is not None and guard.locked_until is not None and guard.locked_until > now:
            raise CodeLocked(_locked_message(guard.locked_until, now))
        found = db.session.execute(
            select(PickupToken, Order)
            .join(Order, Order.id == PickupToken.order_id)
            .join(Order.member)  # the driver's name too, for the attendant's screen
            .options(contains_eager(Order.member))
            .where(
                PickupToken.station_id == station_id,
                PickupToken.code_hash == pickup.hash_code(station_id, digits),
                PickupToken.used_at.is_(None),
                PickupToken.expires_at > now,
                Order.status == "paid",
            )
        ).first()
        if found is not None:
            row, order = found
            set_committed_value(order, "pickup_token", row)
            if guard is not None and guard.misses:
                guard.misses = 0  # a hit starts the count again
            return order, pickup.token_for(order)
        misses, until = _count_miss(staff, station_id, now)
    if until is not None and until > now:  # this miss, or one sent at the same time
        raise CodeLocked(_locked_message(until, now))
    left = MAX_MISSES - misses
    raise CodeNotFound(
        f"本站没有这个取油码的待加油订单，请核对后重输（再错 {left} 次将暂停手动输入）"
    )

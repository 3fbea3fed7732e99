"""Marking coupons past their valid_until expired: an hourly job through the outbox, queued by
the hourly housekeeping (app/jobs.py) once per hour whatever the number of processes, and
carried on in batches. Reads do not wait for it (marketing.mine decides by the time)."""

from datetime import datetime, timedelta

from sqlalchemy import exists, select, update

from app.extensions import db
from app.models import Coupon, CouponTemplate
from app.models.base import utcnow
from app.services.platform import outbox
from app.services.platform.clock import to_local
from app.services.platform.unit_of_work import unit_of_work

BATCH = 1000
JOB = "coupons_expire"


def expire_batch(now: datetime | None = None, limit: int | None = None) -> int:
    """available -> expired for up to `limit` coupons past valid_until, in the caller's
    transaction (a compare-and-set: a coupon held on an order meanwhile is left alone)."""
    now, limit = now or utcnow(), limit or BATCH
    due = (
        select(Coupon.id)
        .where(Coupon.status == "available", Coupon.valid_until <= now)
        .order_by(Coupon.valid_until)
        .limit(limit)
        .scalar_subquery()
    )
    done = db.session.execute(
        update(Coupon)
        .where(Coupon.id.in_(due), Coupon.status == "available", Coupon.valid_until <= now)
        .values(status="expired")
        .execution_options(synchronize_session=False)
    )
    return done.rowcount


def run_job(payload: dict) -> None:
    """Job: one batch; when it was full, the next batch as a job of its own."""
    if expire_batch() == BATCH:
        part = payload.get("part", 0) + 1
        hour = payload["hour"]
        outbox.enqueue(JOB, {"hour": hour, "part": part}, dedupe_key=f"{JOB}:{hour}:{part}")


def next_hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def schedule_hourly(now: datetime | None = None) -> None:
    """Hourly (housekeeping): make sure the expiry at the next full hour is queued, once (its
    dedupe key names the hour). Nothing while the database has no coupon template."""
    with unit_of_work():
        if not db.session.scalar(select(exists().where(CouponTemplate.id.is_not(None)))):
            return
        run_at = next_hour(now or utcnow())
        hour = to_local(run_at).strftime("%Y-%m-%dT%H")
        outbox.enqueue(
            JOB, {"hour": hour, "part": 0}, dedupe_key=f"{JOB}:{hour}:0", run_after=run_at
        )

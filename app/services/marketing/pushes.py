"""定向发放: a manager pushes a coupon template to a segment of members (marketing.segments),
run as a job with its progress on the page.

Who: a chain admin pushes any template of the chain to the whole chain or to one station's
customers; a station manager pushes their stations' own templates to their stations' customers
only (a station's template goes to that station's customers). Cashiers and attendants have no
business here. create_push checks it all in one transaction, audited, and queues the job there.

The job (run_push), safe to run any number of times, at once or after a crash:
1. Start, one transaction, under the push's row lock: a queued push whose template can no
   longer be issued fails with the reason; otherwise the segment is frozen, its member ids
   computed once (at started_at) into one recipient row each (status pending, targeted = their
   number), and the push is running.
2. Batches of BATCH pending recipients in member order, each its own transaction under the
   push's row lock (two workers on one push take turns; the second finds the first's members
   done): per member, in a savepoint, issuing.issue_coupon (source push, the template's
   per-member limit) and then the recipient pending -> issued with its coupon, by
   compare-and-set; a member whose row is no longer pending is never given another. A member
   at the limit is skipped (limit_reached); once the stock is out (sold_out) or the template
   stopped or ended (ended), every pending recipient left is skipped with that reason at once.
   The counts move in the same transaction, so the page shows what is committed.
3. No pending recipient left: the push is done (finished_at).
A crash anywhere leaves committed batches done and the rest pending: the job runs again
(the outbox re-drives it) and carries on from there."""

from dataclasses import dataclass

from sqlalchemy import exists, func, insert, literal, select, update

from app.extensions import db
from app.models import (
    PUSH_SEGMENTS,
    CouponPush,
    CouponPushRecipient,
    CouponTemplate,
    Member,
    Staff,
    Station,
    Tier,
)
from app.models.base import utcnow
from app.services.marketing import issuing, segments, templates, terms
from app.services.platform import audit, outbox
from app.services.platform.errors import Conflict, Invalid, NotFound
from app.services.platform.unit_of_work import end_step, unit_of_work
from app.services.staff import access

JOB = "coupon_push"
BATCH = 100  # members per transaction: the template's row stays locked that long


@dataclass(frozen=True)
class Plan:
    """A push as asked for, checked: what create_push writes and preview counts."""

    template: CouponTemplate
    segment: segments.Segment
    tier_name: str


def _id(value, field: str, message: str) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) < 2**31:
        raise Invalid({field: message})
    return int(text)


def not_issuable(template: CouponTemplate, now) -> str | None:
    """Why no coupon of the template can be issued now, in words; None when it can."""
    if template.status != "active":
        return f"优惠券「{template.name}」不在发放中，请先启用"
    if terms.has_ended(template, now):
        return f"优惠券「{template.name}」已过有效期"
    if template.stock_left == 0:
        return f"优惠券「{template.name}」已发完"
    return None


def _template(actor: Staff, template_id: int | None) -> CouponTemplate:
    if template_id is None:
        raise Invalid({"template_id": "请选择优惠券"})
    template = db.session.scalar(
        select(CouponTemplate).where(
            CouponTemplate.id == template_id, *templates.visible_filter(actor)
        )
    )
    if template is None:
        raise Invalid({"template_id": "优惠券不存在"})
    if not templates.may_manage(actor, template.station_id):
        raise Invalid({"template_id": "只能发放您管理的优惠券，全部油站通用的券由总部发放"})
    if problem := not_issuable(template, utcnow()):
        raise Invalid({"template_id": problem})
    return template


def _station(actor: Staff, station_id: int | None, segment: str, template) -> int | None:
    if station_id is None:
        if segment == "station_recent" or actor.role != "chain_admin":
            raise Invalid({"station_id": "请选择油站"})
    else:
        access.station_for_manager(actor, station_id)  # PermissionDenied or NotFound
    if template.station_id is not None and station_id != template.station_id:
        name = db.session.get(Station, template.station_id).name
        raise Invalid({"station_id": f"本站优惠券只能发给「{name}」的会员"})
    return station_id


def plan(actor: Staff, template_id=None, segment=None, tier_id=None, station_id=None) -> Plan:
    """The fields as posted (strings or ints; blank: none) checked; Invalid naming the first
    wrong field, PermissionDenied for a station the actor does not manage."""
    templates.check_role(actor)
    template = _template(actor, _id(template_id, "template_id", "请选择优惠券"))
    segment = (segment or "").strip()
    if segment not in PUSH_SEGMENTS:
        raise Invalid({"segment": "请选择发放人群"})
    tier_name = ""
    tier = _id(tier_id, "tier_id", "请选择会员等级")
    if segment == "tier":
        row = db.session.get(Tier, tier) if tier else None
        if row is None or row.chain_id != actor.chain_id:
            raise Invalid({"tier_id": "请选择会员等级"})
        tier_name = row.name
    else:
        tier = None
    station = _id(station_id, "station_id", "请选择油站")
    station = _station(actor, station, segment, template)
    return Plan(template, segments.Segment(segment, actor.chain_id, tier, station), tier_name)


def visible(actor: Staff) -> list:
    """The pushes the actor sees: the chain's for a chain admin, their stations' otherwise."""
    templates.check_role(actor)
    conditions = [CouponPush.chain_id == actor.chain_id]
    if actor.role != "chain_admin":
        conditions.append(CouponPush.station_id.in_(actor.station_ids or {-1}))
    return conditions


def job_key(push_id: int) -> str:
    return f"{JOB}:{push_id}"


def resume(actor: Staff, push_id: int) -> None:
    """继续发放: the push's job handed out again after the job runner gave up on it (it stays
    queued or running meanwhile, its recipients done so far kept); audited. NotFound for a push
    the actor does not see, Conflict when the job is not given up."""
    with unit_of_work():
        found = select(CouponPush).where(CouponPush.id == push_id, *visible(actor))
        push = db.session.scalar(found)
        if push is None:
            raise NotFound("定向发放记录不存在")
        error = outbox.given_up(job_key(push_id))
        if push.status not in ("queued", "running") or not outbox.retry_given_up(job_key(push_id)):
            raise Conflict("这次发放没有中断，不用继续发放")
        audit.record(
            actor,
            "coupon_push.resume",
            "coupon_push",
            push.id,
            chain_id=push.chain_id,
            station_id=push.station_id,
            before={"error": error},
        )


def preview(actor: Staff, **fields) -> int:
    """How many members the push would go to now (将发给 N 位会员)."""
    return segments.count(plan(actor, **fields).segment, utcnow())


def create_push(actor: Staff, **fields) -> CouponPush:
    """A queued push (fields as plan's) and its job, in one transaction, audited."""
    with unit_of_work(keep_loaded=True):
        checked = plan(actor, **fields)
        segment = checked.segment
        push = CouponPush(
            chain_id=actor.chain_id,
            template_id=checked.template.id,
            segment=segment.kind,
            tier_id=segment.tier_id,
            tier_name=checked.tier_name,
            station_id=segment.station_id,
            status="queued",
            created_by_id=actor.id,
            created_at=utcnow(),
        )
        db.session.add(push)
        db.session.flush()
        outbox.enqueue(JOB, {"push_id": push.id}, dedupe_key=job_key(push.id))
        audit.record(
            actor,
            "coupon_push.create",
            "coupon_push",
            push.id,
            chain_id=push.chain_id,
            station_id=push.station_id,
            after={
                "coupon": checked.template.name,
                "segment": describe(push, _station_name(push.station_id)),
                "expected": segments.count(segment, push.created_at),
            },
        )
        return push


def _station_name(station_id: int | None) -> str:
    return db.session.get(Station, station_id).name if station_id else ""


def describe(push: CouponPush, station_name: str) -> str:
    """The segment in words: 会员等级「金卡」（限某站的顾客）, 近 90 天到过某站的会员 ..."""
    if push.segment == "tier":
        where = f"，限到过{station_name}的会员" if station_name else "，全连锁"
        return f"会员等级「{push.tier_name}」{where}"
    if push.segment == "station_recent":
        return f"近 {segments.RECENT_DAYS} 天到过{station_name}的会员"
    where = station_name or "本连锁任一油站"
    return f"以前到过{where}、近 {segments.LAPSED_DAYS} 天没来的会员"


# --- the job -------------------------------------------------------------------------------


def run_push(push_id: int) -> None:
    """Job: start the push (freeze its segment), then its batches, each step committed (the
    steps are the module's docstring's; any of them may run again)."""
    with unit_of_work():
        going = start(push_id)
        end_step()
        while going:
            going = issue_batch(push_id)
            end_step()


def _locked(push_id: int) -> CouponPush | None:
    query = select(CouponPush).where(CouponPush.id == push_id).with_for_update()
    return db.session.scalar(query.execution_options(populate_existing=True))


def _fresh_template(push: CouponPush) -> CouponTemplate:
    return db.session.get(CouponTemplate, push.template_id, populate_existing=True)


def start(push_id: int) -> bool:
    """Step 1, in the caller's transaction: queued -> running with the segment frozen (or ->
    failed); True when batches are due."""
    push = _locked(push_id)
    if push is None or push.status in ("done", "failed"):
        return False
    if push.status == "running":
        return True  # frozen by an earlier run: carry on
    now = utcnow()
    problem = not_issuable(_fresh_template(push), now)
    if push.segment == "tier" and push.tier_id is None:
        problem = f"会员等级「{push.tier_name}」已删除"
    if problem:
        push.status, push.error, push.finished_at = "failed", problem, now
        return False
    segment = segments.Segment(push.segment, push.chain_id, push.tier_id, push.station_id)
    found = segments.member_ids(segment, now).subquery()
    rows = select(literal(push.id), found.c.member_id, literal(push.chain_id), literal("pending"))
    columns = ["push_id", "member_id", "chain_id", "status"]
    db.session.execute(insert(CouponPushRecipient).from_select(columns, rows))
    targeted = db.session.scalar(select(func.count()).where(CouponPushRecipient.push_id == push.id))
    push.status, push.started_at, push.targeted = "running", now, targeted
    return _finish_if_done(push, now)


def _finish_if_done(push: CouponPush, now) -> bool:
    """Done when no recipient is pending; True while some are."""
    pending = db.session.scalar(
        select(
            exists().where(
                CouponPushRecipient.push_id == push.id, CouponPushRecipient.status == "pending"
            )
        )
    )
    if not pending:
        push.status, push.finished_at = "done", now
    db.session.flush()
    return pending


def issue_batch(push_id: int) -> bool:
    """Step 2, in the caller's transaction: up to BATCH pending recipients issued or skipped
    (step 3 when none is left); True while more may be pending."""
    push = _locked(push_id)
    if push is None or push.status != "running":
        return False
    member_ids = db.session.scalars(
        select(CouponPushRecipient.member_id)
        .where(CouponPushRecipient.push_id == push.id, CouponPushRecipient.status == "pending")
        .order_by(CouponPushRecipient.member_id)
        .limit(BATCH)
    ).all()
    template = _fresh_template(push)
    issuer = db.session.get(Staff, push.created_by_id)
    members = db.session.scalars(select(Member).where(Member.id.in_(member_ids or [-1])))
    by_id = {m.id: m for m in members}
    now = utcnow()
    for member_id in member_ids:
        try:
            with db.session.begin_nested():
                coupon = issuing.issue_coupon(
                    by_id[member_id],
                    template,
                    "push",
                    limit=template.per_member_limit,
                    issued_by=issuer,
                    now=now,
                )
                if not _settle(push, member_id, now, status="issued", coupon_id=coupon.id):
                    raise _Taken()
        except _Taken:
            continue
        except issuing.LimitReached:
            _settle(push, member_id, now, status="skipped", reason="limit_reached")
        except issuing.SoldOut:
            _skip_the_rest(push, "sold_out", now)
            break
        except issuing.Ended:
            _skip_the_rest(push, "ended", now)
            break
    return _finish_if_done(push, now)


class _Taken(Exception):
    """The recipient was no longer pending: the coupon just issued is rolled back."""


def _settle(push: CouponPush, member_id: int, now, **values) -> bool:
    """One pending recipient issued or skipped, and the push's count with it (compare-and-set:
    False when it was not pending)."""
    done = db.session.execute(
        update(CouponPushRecipient)
        .where(
            CouponPushRecipient.push_id == push.id,
            CouponPushRecipient.member_id == member_id,
            CouponPushRecipient.status == "pending",
        )
        .values(done_at=now, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done:
        if values["status"] == "issued":
            push.issued += 1
        else:
            push.skipped += 1
    return bool(done)


def _skip_the_rest(push: CouponPush, reason: str, now) -> None:
    skipped = db.session.execute(
        update(CouponPushRecipient)
        .where(CouponPushRecipient.push_id == push.id, CouponPushRecipient.status == "pending")
        .values(status="skipped", reason=reason, done_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    push.skipped += skipped


def run_job(payload: dict) -> None:
    run_push(payload["push_id"])

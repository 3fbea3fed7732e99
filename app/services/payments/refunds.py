"""Refunds: to the wallet, or a walk-in sale's out of the station's drawer, card or terminal
clearing, at once; or to WeChat Pay tracked to SUCCESS, ABNORMAL or CLOSED.

A WeChat refund that ends ABNORMAL or CLOSED never reached the driver: its money is owed to them
on `refunds_owed` until staff follow it up (refund_followup: re-issued, or into the wallet)."""

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, func, literal, select, update

from app.extensions import db
from app.models import Order, PaymentEvent, Refund, Staff, Topup, WeChatPayment
from app.models.base import UTCDateTime, insert_unless_exists, utcnow
from app.services import ledger
from app.services.ledger.postings import Leg
from app.services.marketing import points
from app.services.orders import order_state, statements, station_events
from app.services.payments import refund_legs
from app.services.payments import refund_rules as rules
from app.services.platform import audit, gateways, outbox
from app.services.platform.errors import Invalid, PermissionDenied
from app.services.platform.unit_of_work import end_step, unit_of_work

log = logging.getLogger(__name__)
QUERY_AFTER = timedelta(minutes=1)
OWED_STATUSES = ("ABNORMAL", "CLOSED")  # WeChat's final word, and the driver has no money
# The reason of a stray payment's refund (kind "cancel"): money the order never took, so it is
# no refund of the order's (reports leave it out).
STRAY_REASON = "订单已关闭，微信付款原路退回"


def create_refund(
    order: Order,
    amount_fen: int,
    kind: str,
    reason: str,
    actor: Staff | None = None,
    expected_status: str | None = None,
    reference: str = "",
) -> Refund:
    """Book a refund in the caller's transaction; a WeChat refund is sent by a job.

    expected_status: the order must still be in it (a staff refund must not race a fuelling).
    reference: a walk-in sale's POS or terminal reversal."""
    if amount_fen <= 0:
        raise Invalid({"amount_fen": "退款金额必须大于 0"})
    if not statements.add_refunded(order.id, amount_fen, expected_status):
        raise Invalid({"amount_fen": "退款总额不能超过实付金额，或订单状态刚刚变化，请刷新"})
    count = db.session.scalar(select(func.count(Refund.id)).where(Refund.order_id == order.id))
    now = utcnow()
    refund = Refund(
        chain_id=order.chain_id,
        station_id=order.station_id,
        order_id=order.id,
        out_refund_no=f"{order.order_no}R{count + 1:02d}",
        method=order.payment_method,
        kind=kind,
        amount_fen=amount_fen,
        reason=reason[:80],
        reference=reference,
        actor_staff_id=actor.id if actor else None,
        created_at=now,  # not the column default, taken later at the INSERT
    )
    if refund.method != "wechat":  # booked below, in this transaction: done at once
        refund.status, refund.finished_at = "SUCCESS", now
    db.session.add(refund)
    db.session.flush()
    # Before settlement the money is still held for the order; after it, it leaves revenue.
    source = "fuel_revenue" if kind == "manual" and order.status == "settled" else "prepaid_orders"
    ledger.post(
        order.chain_id,
        f"refund.{kind}",
        [
            Leg(source, amount_fen, station_id=order.station_id),
            *refund_legs.target_legs(order, refund),
        ],
        station_id=order.station_id,
        order_id=order.id,
        memo=refund.out_refund_no,
    )
    if refund.method == "wechat":
        outbox.enqueue("submit_refund", {"refund_id": refund.id}, dedupe_key=f"refund:{refund.id}")
    audit.record(
        actor,
        "refund.create",
        "refund",
        refund.id,
        chain_id=order.chain_id,
        station_id=order.station_id,
        after={
            "order_no": order.order_no,
            "amount_fen": amount_fen,
            "method": refund.method,
            "kind": kind,
            "reason": reason,
        }
        | ({"reference": reference} if reference else {}),
    )
    return refund


def refund_stray_payment(order: Order, payment: WeChatPayment) -> Refund:
    """WeChat money that arrived for an order no longer taking it (expired, cancelled, or paid
    from the wallet at the same moment): booked in and straight back out, the order untouched."""
    log.warning("WeChat payment for order %s arrived after it stopped taking money", order.id)
    count = db.session.scalar(select(func.count(Refund.id)).where(Refund.order_id == order.id))
    refund = Refund(
        chain_id=order.chain_id,
        station_id=order.station_id,
        order_id=order.id,
        out_refund_no=f"{order.order_no}R{count + 1:02d}",
        method="wechat",
        kind="cancel",
        amount_fen=payment.amount_fen,
        reason=STRAY_REASON,
    )
    db.session.add(refund)
    db.session.flush()
    ledger.post(
        order.chain_id,
        "refund.stray_payment",
        [Leg("wechat_clearing", payment.amount_fen), Leg("refunds_payable", -payment.amount_fen)],
        station_id=order.station_id,
        memo=refund.out_refund_no,
    )
    outbox.enqueue("submit_refund", {"refund_id": refund.id}, dedupe_key=f"refund:{refund.id}")
    audit.record(
        None,
        "refund.create",
        "refund",
        refund.id,
        chain_id=order.chain_id,
        station_id=order.station_id,
        after={"order_no": order.order_no, "amount_fen": payment.amount_fen, "kind": "stray"},
    )
    return refund


def refund_order(
    actor: Staff, order_id: int, amount_fen: int, reason: str, reference: str | None = None
) -> Refund:
    """A cashier's or manager's refund, partial or full, in one transaction; a full refund of
    an unfuelled order cancels it so it can no longer be fuelled. A walk-in sale paid by card
    or on the terminal needs the reversal's reference (Invalid naming the field)."""
    if actor.role not in rules.REFUND_ROLES:
        raise PermissionDenied("只有收银员、站长和总部管理员可以退款")
    with unit_of_work():
        order = rules.staff_order(actor, order_id)
        reason = (reason or "").strip()
        if not reason:
            raise Invalid({"reason": "请填写退款原因"})
        rules.check_refundable(order, amount_fen)
        reference = rules.reversal_reference(order, reference)
        left = order.paid_fen - order.refunded_fen
        expected = order.status
        if order.status == "paid" and amount_fen == left:
            order_state.must_move(
                order.id, "paid", "cancelled", "订单状态已变化，请刷新", cancelled_at=utcnow()
            )
            expected = "cancelled"
        refund = create_refund(
            order,
            amount_fen,
            "manual",
            reason,
            actor,
            expected_status=expected,
            reference=reference,
        )
        points.reverse_for_refund(order, actor)  # a settled order's points, in proportion
        # Refunds that together reached the whole payment leave nothing to fuel: cancel it.
        fully_refunded = Order.refunded_fen >= Order.paid_fen
        if expected == "cancelled" or order_state.move(
            order.id, "paid", "cancelled", fully_refunded, cancelled_at=utcnow()
        ):
            station_events.record(order, "order.cancelled")  # last: see its lock order
        elif expected == "paid":  # still to be fuelled, for less: the handhelds' lists must know
            station_events.record(order, "order.refunded")
        return refund


def submit(refund_id: int) -> None:
    """Job: send a WeChat refund (again, with the same out_refund_no, until WeChat has it).

    Named steps: (1) read the refund and end the transaction; (2) WeChat is asked, outside any
    transaction; (3) its answer is applied (apply_result), or the failed attempt recorded (and,
    when WeChat refused it for good, the refund closed: owed, see _close)."""
    from app.adapters.wechat_pay import WeChatPayError

    with unit_of_work():
        refund = db.session.get(Refund, refund_id)
        if refund is None or refund.method != "wechat" or refund.status != "PENDING":
            return
        out_trade_no, total_fen = _refunded_transaction(refund)
        request = dict(
            out_refund_no=refund.out_refund_no,
            amount_fen=refund.amount_fen,
            total_fen=total_fen,
            out_trade_no=out_trade_no,
            reason=refund.reason,
            notify_url=current_app.config["WECHATPAY_NOTIFY_URL"],
        )
        end_step()
        try:
            answer = gateways.wechat_pay().refund(**request)
        except WeChatPayError as err:
            db.session.execute(
                update(Refund)
                .where(Refund.id == refund_id)
                .values(attempts=Refund.attempts + 1, last_error=f"{err.code}: {err}"[:200])
            )
            if err.retryable:
                end_step()  # the attempt is recorded, whatever the job runner does next
                raise outbox.RetryLater(f"WeChat refund: {err.code}") from err
            # Refused for good (an error answer: the refund never began at WeChat, e.g. the
            # merchant's balance is short): owed to the driver until staff follow it up.
            _close(db.session.get(Refund, refund_id), "CLOSED", {})
            return
        apply_result(answer)


def _refunded_transaction(refund: Refund) -> tuple[str, int]:
    """The WeChat transaction a refund goes back to: its own number and total, whatever the
    order says; a top-up's principal goes back to the top-up's own payment."""
    if refund.topup_id is not None:
        topup = db.session.get(Topup, refund.topup_id)
        return topup.topup_no, topup.principal_fen
    payment = db.session.scalar(
        select(WeChatPayment).where(
            WeChatPayment.order_id == refund.order_id, WeChatPayment.state == "SUCCESS"
        )
    )
    return payment.out_trade_no, payment.amount_fen


def apply_result(data: dict, event_id: str | None = None) -> str:
    """Apply a refund's state from WeChat (an answer, a query or a notification), once, in one
    transaction."""
    with unit_of_work():
        return _apply_result(data, event_id)


def _apply_result(data: dict, event_id: str | None) -> str:
    refund = db.session.scalar(
        select(Refund).where(Refund.out_refund_no == data.get("out_refund_no"))
    )
    if refund is None:
        log.warning("refund result for an unknown out_refund_no")
        return "unknown"
    refunded = (data.get("amount") or {}).get("refund")
    if refunded != refund.amount_fen:
        log.error(
            "refund %s: WeChat says %s fen, we booked %s", refund.id, refunded, refund.amount_fen
        )
        return "mismatch"
    if event_id and not record_event(
        event_id, f"REFUND.{data.get('refund_status')}", data.get("refund_id", "")
    ):
        return "duplicate"
    status = data.get("status") or data.get("refund_status")
    values = {"wechat_refund_id": data.get("refund_id") or refund.wechat_refund_id}
    if status == "PROCESSING":
        if _move(refund.id, ("PENDING",), "PROCESSING", **values):
            outbox.enqueue(
                "query_refund",
                {"refund_id": refund.id},
                dedupe_key=f"refund-query:{refund.id}",
                run_after=utcnow() + QUERY_AFTER,
            )
            return "processing"
    elif status == "SUCCESS":
        if _move(refund.id, ("PENDING", "PROCESSING"), "SUCCESS", finished_at=finished(), **values):
            ledger.post(
                refund.chain_id,
                "refund.wechat.success",
                [
                    Leg("refunds_payable", refund.amount_fen),
                    Leg("wechat_clearing", -refund.amount_fen),
                ],
                station_id=refund.station_id,
                order_id=refund.order_id,
                memo=refund.out_refund_no,
            )
            return "success"
        if refund.status == "ABNORMAL":
            return _paid_out_after_all(refund, values)
    elif status in OWED_STATUSES:
        return _close(refund, status, values)
    return "unchanged"


def _close(refund: Refund, status: str, values: dict) -> str:
    """WeChat closed the refund (CLOSED) or could not pay it out (ABNORMAL, e.g. the driver's
    card is gone). The order keeps it as refunded; the money is owed to the driver on
    refunds_owed until staff re-issue it or pay it into the wallet (refund_followup)."""
    if not _move(refund.id, ("PENDING", "PROCESSING"), status, finished_at=finished(), **values):
        return "unchanged"
    log.error("refund %s is %s: the money is owed and needs staff action", refund.id, status)
    ledger.post(
        refund.chain_id,
        f"refund.wechat.{status.lower()}",
        [Leg("refunds_payable", refund.amount_fen), Leg("refunds_owed", -refund.amount_fen)],
        station_id=refund.station_id,
        order_id=refund.order_id,
        memo=refund.out_refund_no,
    )
    return status.lower()


def _paid_out_after_all(refund: Refund, values: dict) -> str:
    """WeChat paid out a refund it had reported ABNORMAL (the merchant sent it on from WeChat's
    merchant platform, 异常退款): the money left through WeChat and is owed no more, so it can
    no longer be paid into the wallet as well. If staff had paid it into the wallet already,
    the driver got it twice: that needs a person, and is logged as such."""
    if not db.session.execute(
        update(Refund)
        .where(Refund.id == refund.id, Refund.status == "ABNORMAL", Refund.followup.is_(None))
        .values(status="SUCCESS", **values)
    ).rowcount:
        log.error("refund %s: WeChat paid it out after staff followed it up; check it", refund.id)
        return "unchanged"
    ledger.post(
        refund.chain_id,
        "refund.wechat.success",
        [Leg("refunds_owed", refund.amount_fen), Leg("wechat_clearing", -refund.amount_fen)],
        station_id=refund.station_id,
        order_id=refund.order_id,
        memo=refund.out_refund_no,
    )
    return "success"


def finished():
    """Now, or the refund's created_at if that is later: another process's clock may be behind
    the one that created the refund, and a refund never finishes before it began."""
    now = literal(utcnow(), UTCDateTime())
    return case((Refund.created_at > now, Refund.created_at), else_=now)


def _move(refund_id: int, from_statuses: tuple[str, ...], to_status: str, **values) -> bool:
    result = db.session.execute(
        update(Refund)
        .where(Refund.id == refund_id, Refund.status.in_(from_statuses))
        .values(status=to_status, **values)
    )
    return result.rowcount == 1


def record_event(event_id: str, event_type: str, reference: str) -> bool:
    """Record a notification event in the caller's transaction; False when it was recorded
    before (a twin delivered at the same moment waits for the first one's commit)."""
    values = {
        "event_id": event_id,
        "event_type": event_type,
        "reference": reference or "-",
        "received_at": utcnow(),
    }
    return insert_unless_exists(PaymentEvent, ("event_id",), values)


def query(refund_id: int) -> None:
    """Job: ask WeChat about a refund still PROCESSING. Two steps: read it; apply the answer."""
    with unit_of_work():
        refund = db.session.get(Refund, refund_id)
        if refund is None or refund.status != "PROCESSING":
            return
        out_refund_no = refund.out_refund_no
        end_step()
    answer = gateways.wechat_pay().query_refund(out_refund_no)
    if apply_result(answer) == "unchanged" and answer.get("status") == "PROCESSING":
        raise outbox.RetryLater("refund still processing", QUERY_AFTER)

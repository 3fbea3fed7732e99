"""Paying an order: from the wallet in one transaction, or through WeChat Pay (prepay, then the
notification or a query job makes it paid, exactly once)."""

import logging
import secrets
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.models import Fuel, Member, Order, Station, WeChatPayment
from app.models.base import utcnow
from app.services import ledger, orders
from app.services.ledger.postings import Leg
from app.services.marketing import first_orders, redeeming
from app.services.members import wallet_split
from app.services.orders import order_state, pickup, station_events
from app.services.payments import refunds
from app.services.platform import gateways, outbox
from app.services.platform.errors import Conflict, ServiceError
from app.services.platform.unit_of_work import end_step, unit_of_work

log = logging.getLogger(__name__)
RECONCILE_AFTER = timedelta(minutes=3)


class PaymentUnavailable(ServiceError):
    status = 503
    code = "payment_unavailable"


PREPAY_FAILED = "微信支付暂时不可用，请稍后再试或使用钱包支付"


def _payable(order: Order) -> None:
    if order.status != "created":
        raise Conflict(f"订单{order_state.STATUS_NAMES[order.status]}，不能支付")
    if order.expires_at <= utcnow():
        raise Conflict("订单已超时，请重新下单")


def _mark_paid(
    order: Order, method: str, posting: Callable[[Order], list[Leg]], kind: str
) -> Order | None:
    """created -> paid with its coupon and first-order discount used (marketing.redeeming,
    first_orders), its ledger posting (built
    from the order as paid, after the order's row is taken: see the lock order in
    station_events) and pickup token, in the caller's transaction.

    Returns the order as paid; None when it had already left 'created', or another way of
    paying was chosen for it meanwhile (someone else won)."""
    now = utcnow()
    if method == "wallet":  # only an order no other way of paying was chosen for
        chosen, params = order_state.NO_PAYMENT_METHOD_YET, None
    else:
        chosen, params = order_state.PAYMENT_METHOD_IS, {"payment_method_is": method}
    paid = order_state.take(
        order.id,
        "created",
        "paid",
        chosen,
        params=params,
        paid_fen=order.amount_fen,
        payment_method=method,
        paid_at=now,
    )
    if paid is None:
        return None
    if paid.coupon_id is not None and not redeeming.consume(paid.id, now):
        raise RuntimeError(f"order {paid.id} was paid without the coupon it holds")
    if paid.campaign_id is not None:
        first_orders.use(paid.id, now)  # a first-order discount held on it, if any
    ledger.post(paid.chain_id, kind, posting(paid), station_id=paid.station_id, order_id=paid.id)
    pickup.issue(paid)
    station_events.record(paid, "order.paid")
    return paid


def pay_with_wallet(member: Member, order_id: int) -> Order:
    """One transaction, or, for an order whose driver first chose WeChat, three named steps:
    (1) read the order and end the transaction; (2) close the prepay at WeChat, outside any
    transaction, and record it closed (kept even if the wallet then cannot pay: WeChat closed
    it); (3) pay from the wallet."""
    with unit_of_work(keep_loaded=True):
        order = orders.get_order(member, order_id)
        _payable(order)
        if order.payment_method == "wechat":
            _abandon_wechat(order)
            end_step()
        return pay_from_wallet(member, order)


def pay_from_wallet(member: Member, order: Order) -> Order:
    """created -> paid from the wallet, in the caller's transaction: the debit, its posting,
    the pickup token and the station's event; InsufficientBalance or Conflict otherwise (the
    caller's transaction must then roll back). For an order no other way of paying was chosen
    for."""
    paid = _mark_paid(order, "wallet", _wallet_legs, "order.pay.wallet")
    if paid is None:
        raise Conflict("订单已支付或已关闭")
    return paid  # as the UPDATE returned it: the answer


def _wallet_legs(paid: Order) -> list[Leg]:
    """The wallet debit of a paid order, principal first (members.wallet_split), the bonus
    part recorded on the order so that its refunds go back the same way; the principal
    consumes the member's top-up lots, oldest first (under the wallet's lock spend takes)."""
    principal, bonus = wallet_split.spend(paid.member_id, paid.amount_fen)
    wallet_split.consume_lots(paid.member_id, principal)
    if bonus:
        db.session.execute(
            update(Order.__table__).where(Order.id == paid.id).values(bonus_paid_fen=bonus)
        )
        paid.bonus_paid_fen = bonus
    return [
        Leg("member_wallet", principal, member_id=paid.member_id),
        Leg("member_bonus", bonus, member_id=paid.member_id),
        Leg("prepaid_orders", -paid.amount_fen, station_id=paid.station_id),
    ]


def pay_with_wechat(member: Member, order_id: int) -> dict:
    """wx.requestPayment parameters for the order; the same prepay is reused on repeats.

    The first time, in two named steps: (1) choose WeChat for the order and record the payment;
    (2) WeChat creates the prepay, outside any transaction, and its id is recorded with the
    reconciliation job."""
    with unit_of_work():
        order = orders.get_order(member, order_id)
        _payable(order)
        params = wechat_params(member, order)
        if params is None:
            raise PaymentUnavailable(PREPAY_FAILED)
        return params


def wechat_params(member: Member, order: Order) -> dict | None:
    """wx.requestPayment parameters for a payable order, or None when WeChat would not create
    the prepay (logged; the order stays payable, WeChat chosen for it).

    Steps of the caller's use case: WeChat is chosen for the order and the payment recorded in
    the caller's transaction; when the payment has no prepay yet, that work is committed
    (end_step), WeChat is called outside any transaction, and the prepay is recorded with the
    reconciliation job in the caller's next transaction."""
    from app.adapters.wechat_pay import WeChatPayException

    payment = _wechat_payment(order, member)
    if payment.prepay_id is None:
        station = db.session.get(Station, order.station_id)
        fuel = db.session.get(Fuel, order.fuel_id)
        request = dict(
            out_trade_no=payment.out_trade_no,
            description=f"{station.name}-{fuel.name}"[:127],
            amount_fen=payment.amount_fen,
            payer_openid=payment.payer_openid,
            notify_url=current_app.config["WECHATPAY_NOTIFY_URL"],
            time_expire=order.expires_at,
            attach=str(order.id),
        )
        end_step()
        try:
            prepay_id = gateways.wechat_pay().create_jsapi(**request)
        except WeChatPayException as err:  # an error answer, or one we could not trust
            log.warning("WeChat prepay for order %s failed: %s", order.id, type(err).__name__)
            return None
        db.session.execute(
            update(WeChatPayment)
            .where(WeChatPayment.id == payment.id, WeChatPayment.prepay_id.is_(None))
            .values(prepay_id=prepay_id)
        )
        outbox.enqueue(
            "reconcile_payment",
            {"order_id": order.id},
            dedupe_key=f"reconcile:{order.id}",
            run_after=utcnow() + RECONCILE_AFTER,
        )
        db.session.refresh(payment)  # a twin request may have recorded its prepay first
    return gateways.wechat_pay().jsapi_pay_params(payment.prepay_id)


def _payment_of(order_id: int) -> WeChatPayment | None:
    """The order's WeChat payment as the database holds it now."""
    query = select(WeChatPayment).where(WeChatPayment.order_id == order_id)
    return db.session.scalar(query.execution_options(populate_existing=True))


def _wechat_payment(order: Order, member: Member) -> WeChatPayment:
    """The order's open WeChat payment, made (or reopened after a close) in the caller's
    transaction."""
    payment = _payment_of(order.id)
    if payment is not None and payment.state != "CLOSED":
        return payment
    chosen = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status == "created", Order.payment_method.is_(None))
        .values(payment_method="wechat")
        .execution_options(synchronize_session=False)
    )
    if chosen.rowcount != 1:
        raise Conflict("订单支付方式已变化，请刷新")
    if payment is not None:
        # The last prepay was closed (the driver tried the wallet): WeChat needs a new number.
        reopened = db.session.execute(
            update(WeChatPayment)
            .where(WeChatPayment.id == payment.id, WeChatPayment.state == "CLOSED")
            .values(
                state="NOTPAY",
                prepay_id=None,
                out_trade_no=f"{order.order_no}P{secrets.token_hex(2)}",
            )
        )
        if reopened.rowcount != 1:
            raise Conflict("订单支付状态已变化，请刷新")
        db.session.refresh(payment)
        return payment
    payment = WeChatPayment(
        chain_id=order.chain_id,
        station_id=order.station_id,
        order_id=order.id,
        out_trade_no=order.order_no,
        amount_fen=order.amount_fen,
        payer_openid=member.openid,
    )
    db.session.add(payment)
    db.session.flush()
    return payment


def _abandon_wechat(order: Order) -> None:
    """Before paying another way: close the WeChat order (a step: see close_wechat), or learn
    that it was paid."""
    if close_wechat(order) == "paid":
        raise Conflict("该订单已通过微信支付")
    db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status == "created")
        .values(payment_method=None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)


def close_wechat(order: Order) -> str:
    """Close the order's WeChat prepay: 'closed', 'paid' (it was paid: now applied) or 'none'.

    A step of the caller's use case: when there is a prepay to close, the work so far is
    committed (end_step) before WeChat is called; the close is recorded in the caller's
    transaction."""
    from app.adapters.wechat_pay import OrderAlreadyPaid, OrderNotFound

    payment = _payment_of(order.id)
    if payment is None or payment.state == "CLOSED":
        return "none" if payment is None else "closed"
    if payment.state == "SUCCESS":
        return "paid"
    out_trade_no = payment.out_trade_no
    end_step()
    client = gateways.wechat_pay()
    try:
        client.close(out_trade_no)
    except OrderAlreadyPaid:
        apply_transaction(client.query(out_trade_no))
        end_step()  # the money arrived: recorded, whatever the caller does next
        return "paid"
    except OrderNotFound:
        pass  # the prepay never reached WeChat: nothing there to close
    db.session.execute(
        update(WeChatPayment)
        .where(WeChatPayment.id == payment.id, WeChatPayment.state == "NOTPAY")
        .values(state="CLOSED")
    )
    return "closed"


def apply_transaction(tx: dict, event_id: str | None = None) -> str:
    """Apply a WeChat transaction (notification or query) at most once, in one transaction;
    returns what happened."""
    with unit_of_work():
        return _apply_transaction(tx, event_id)


def _apply_transaction(tx: dict, event_id: str | None) -> str:
    config = current_app.config
    payment = db.session.scalar(
        select(WeChatPayment).where(WeChatPayment.out_trade_no == tx.get("out_trade_no"))
    )
    if payment is None:
        log.warning("WeChat transaction for an unknown out_trade_no")
        return "unknown"
    amount = tx.get("amount") or {}
    if (
        tx.get("mchid") != config["WECHATPAY_MCHID"]
        or tx.get("appid") != config["WECHATPAY_APPID"]
        or amount.get("total") != payment.amount_fen
        or amount.get("currency", "CNY") != "CNY"
    ):
        log.error(
            "WeChat transaction for order %s does not match it; not applied", payment.order_id
        )
        return "mismatch"
    if tx.get("trade_state") != "SUCCESS":
        return tx.get("trade_state", "unknown").lower()
    if event_id and not refunds.record_event(event_id, "TRANSACTION.SUCCESS", tx["transaction_id"]):
        return "duplicate"
    won = db.session.execute(
        update(WeChatPayment)
        .where(WeChatPayment.id == payment.id, WeChatPayment.state != "SUCCESS")
        .values(state="SUCCESS", transaction_id=tx["transaction_id"], paid_at=utcnow())
    )
    if won.rowcount != 1:
        return "duplicate"  # the event row is kept: this event is now known
    order = db.session.get(Order, payment.order_id)

    def posting(paid: Order) -> list[Leg]:
        return [
            Leg("wechat_clearing", payment.amount_fen),
            Leg("prepaid_orders", -payment.amount_fen, station_id=paid.station_id),
        ]

    if _mark_paid(order, "wechat", posting, "order.pay.wechat"):
        return "paid"
    # The money arrived for an order that expired, was cancelled or was paid another way
    # meanwhile: it never becomes the order's; it is booked and sent straight back to WeChat.
    refunds.refund_stray_payment(order, payment)
    return "refunded_late_payment"


def reconcile(order_id: int) -> str:
    """Job: ask WeChat about an order whose notification may never come. Two steps: read the
    payment; apply WeChat's answer (apply_transaction)."""
    from app.adapters.wechat_pay import OrderNotFound

    with unit_of_work():
        payment = db.session.scalar(select(WeChatPayment).where(WeChatPayment.order_id == order_id))
        if payment is None or payment.state != "NOTPAY":
            return "nothing"
        out_trade_no = payment.out_trade_no
        end_step()  # WeChat is asked with no transaction open
    try:
        tx = gateways.wechat_pay().query(out_trade_no)
    except OrderNotFound:
        return "not_at_wechat"
    return apply_transaction(tx)

"""Wallet top-ups paid with WeChat Pay: started by the driver, credited once.

A top-up is a JSAPI prepay through the same adapter and sandbox as orders, its out_trade_no
the top-up number (T..., never an order's JY...). WeChat's notification (routed here by
payments.notifications) or the reconcile job credits it once: the principal to the wallet's
principal balance (member_wallet, out of wechat_clearing), the package's bonus to its bonus
balance (member_bonus, out of bonus_expense), and the package's coupons (marketing.gifts) are
issued, all in one transaction. The job also closes at WeChat a top-up that expired unpaid.

Money that arrives for a top-up we had already closed (a notification late after our close,
a prepay whose answer was lost) is credited all the same, bonus included: the driver paid, it
is their money, and the offer was made when they started. It is logged as a warning.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.models import Chain, Member, Station, Topup, TopupPackage
from app.models.base import utcnow
from app.services import ledger
from app.services.ledger.postings import Leg
from app.services.marketing import gifts
from app.services.members import packages
from app.services.payments.paying import PaymentUnavailable
from app.services.payments.refunds import record_event
from app.services.platform import gateways, outbox
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid, NotFound
from app.services.platform.money import fen_to_yuan
from app.services.platform.unit_of_work import end_step, unit_of_work

log = logging.getLogger(__name__)
PREFIX = "T"  # order numbers start with JY: a top-up number can never be one
PAY_WITHIN = timedelta(minutes=15)
RECONCILE_EVERY = timedelta(minutes=3)
PREPAY_FAILED = "微信支付暂时不可用，请稍后再试"
# WeChat Pay takes no refund of a payment older than one year: a margin of five days, so that
# a request approved a few days after it was made still reaches WeChat in time.
REFUND_WINDOW = timedelta(days=360)


class TopupTooOld(Conflict):
    code = "topup_too_old"


def refund_window_open(topup: Topup, now: datetime) -> bool:
    """Whether WeChat still takes a refund of this top-up's payment: credited less than
    REFUND_WINDOW ago."""
    return topup.credited_at is not None and now - topup.credited_at < REFUND_WINDOW


def check_refund_window(topup: Topup, now: datetime) -> None:
    """TopupTooOld (409) for a WeChat top-up whose payment WeChat no longer refunds."""
    if topup.channel == "wechat" and not refund_window_open(topup, now):
        days = REFUND_WINDOW.days
        raise TopupTooOld(f"该充值到账已超过 {days} 天，微信支付不再受理原路退款，请联系油站处理")


def new_topup_no() -> str:
    """T + local time + 8 random digits: 23 characters, valid as a WeChat out_trade_no."""
    stamp = to_local(utcnow()).strftime("%Y%m%d%H%M%S")
    return f"{PREFIX}{stamp}{secrets.randbelow(10**8):08d}"


def is_topup_no(out_trade_no: str | None) -> bool:
    return isinstance(out_trade_no, str) and out_trade_no.startswith(PREFIX)


@dataclass(frozen=True)
class Started:
    """A top-up waiting for the driver's payment and its wx.requestPayment parameters."""

    topup: Topup
    wechat_pay: dict


def start_topup(
    member: Member,
    package_id: int | None = None,
    amount_fen: int | None = None,
    station_id: int | None = None,
) -> Started:
    """Start a WeChat top-up: a fixed package (its amount and bonus), or a free amount within
    the limits of a live free package (package_id of one, or none: the station's or chain's).

    station_id: where the driver is (optional); a station's package belongs to its station. The
    top-up belongs to the package's station, else to station_id, else to the chain.

    Two named steps: (1) the top-up is recorded, pending, with its reconcile job (so a top-up
    whose request dies while WeChat answers is still closed or credited); (2) WeChat creates
    the prepay, outside any transaction, and its id is recorded. PaymentUnavailable when WeChat
    would not create it (a top-up WeChat refused outright is closed at once; one whose answer
    was lost is left to the job)."""
    from app.adapters.wechat_pay import WeChatPayError, WeChatPayException

    with unit_of_work(keep_loaded=True):
        station = _station(member.chain_id, station_id)
        package, principal, bonus = _terms(member.chain_id, package_id, amount_fen, station_id)
        now = utcnow()
        topup = Topup(
            chain_id=member.chain_id,
            station_id=package.station_id or (station.id if station else None),
            member_id=member.id,
            topup_no=new_topup_no(),
            channel="wechat",
            package_id=package.id,
            principal_fen=principal,
            bonus_fen=bonus,
            status="pending",
            payer_openid=member.openid,
            expires_at=now + PAY_WITHIN,
            created_at=now,
        )
        db.session.add(topup)
        db.session.flush()
        outbox.enqueue(
            "reconcile_topup",
            {"topup_id": topup.id},
            dedupe_key=f"reconcile-topup:{topup.id}",
            run_after=now + RECONCILE_EVERY,
        )
        where = station.name if station else db.session.get(Chain, member.chain_id).name
        request = dict(
            out_trade_no=topup.topup_no,
            description=f"{where}-钱包充值{fen_to_yuan(principal)}元"[:127],
            amount_fen=principal,
            payer_openid=member.openid,
            notify_url=current_app.config["WECHATPAY_NOTIFY_URL"],
            time_expire=topup.expires_at,
            attach=f"topup:{topup.id}",
        )
        topup_id = topup.id
        end_step()
        client = gateways.wechat_pay()
        try:
            prepay_id = client.create_jsapi(**request)
        except WeChatPayException as err:
            log.warning("WeChat prepay for top-up %s failed: %s", topup_id, type(err).__name__)
            if isinstance(err, WeChatPayError) and not err.retryable:
                _set_closed(topup_id)  # WeChat refused it: there is nothing there to pay
                end_step()
            raise PaymentUnavailable(PREPAY_FAILED) from None
        db.session.execute(
            update(Topup)
            .where(Topup.id == topup_id, Topup.prepay_id.is_(None))
            .values(prepay_id=prepay_id)
        )
        topup = db.session.get(Topup, topup_id, populate_existing=True)
        return Started(topup, client.jsapi_pay_params(prepay_id))


def _station(chain_id: int, station_id: int | None) -> Station | None:
    if station_id is None:
        return None
    station = db.session.get(Station, station_id)
    if station is None or station.chain_id != chain_id or not station.is_active:
        raise NotFound("油站不存在")
    return station


def _terms(
    chain_id: int, package_id: int | None, amount_fen: int | None, station_id: int | None
) -> tuple[TopupPackage, int, int]:
    """(package, principal, bonus) of a top-up, or Invalid saying why not."""
    if package_id is None and amount_fen is None:
        raise Invalid({"package_id": "请选择充值套餐或填写充值金额"})
    if package_id is not None:
        package = db.session.get(TopupPackage, package_id)
        if package is None or package.chain_id != chain_id:
            raise NotFound("充值套餐不存在")
        if not packages.is_live(package):
            raise Invalid({"package_id": "该充值套餐已结束或尚未开始，请刷新后重新选择"})
        if package.station_id is not None and station_id not in (None, package.station_id):
            raise Invalid({"package_id": "该充值套餐只适用于其所属油站"})
        if package.kind == "fixed":
            if amount_fen is not None and amount_fen != package.pay_fen:
                raise Invalid({"amount_fen": "固定金额的充值套餐不能修改金额"})
            return package, package.pay_fen, package.bonus_fen
        candidates = [package]
    else:
        candidates = [p for p in packages.live_packages(chain_id, station_id) if p.kind == "free"]
        candidates.sort(key=lambda p: p.station_id is None)  # the station's own first
        if not candidates:
            raise Invalid({"amount_fen": "暂不支持自定义金额充值，请选择充值套餐"})
    if amount_fen is None:
        raise Invalid({"amount_fen": "请填写充值金额"})
    for package in candidates:
        if package.min_fen <= amount_fen <= package.max_fen:
            return package, amount_fen, 0
    low, high = candidates[0].min_fen, candidates[0].max_fen
    raise Invalid(
        {"amount_fen": f"充值金额应在 {fen_to_yuan(low)} 元到 {fen_to_yuan(high)} 元之间"}
    )


def _set_closed(topup_id: int) -> bool:
    closed = db.session.execute(
        update(Topup).where(Topup.id == topup_id, Topup.status == "pending").values(status="closed")
    )
    return closed.rowcount == 1


def apply_transaction(tx: dict, event_id: str | None = None) -> str:
    """Apply a WeChat transaction (notification or query) of a top-up at most once, in one
    transaction; returns what happened (credited, duplicate, mismatch, unknown, or WeChat's
    trade state when not paid)."""
    with unit_of_work():
        return _apply_transaction(tx, event_id)


def _apply_transaction(tx: dict, event_id: str | None) -> str:
    config = current_app.config
    topup = db.session.scalar(select(Topup).where(Topup.topup_no == tx.get("out_trade_no")))
    if topup is None or topup.channel != "wechat":
        log.warning("WeChat transaction for an unknown top-up number")
        return "unknown"
    amount = tx.get("amount") or {}
    if (
        tx.get("mchid") != config["WECHATPAY_MCHID"]
        or tx.get("appid") != config["WECHATPAY_APPID"]
        or amount.get("total") != topup.principal_fen
        or amount.get("currency", "CNY") != "CNY"
    ):
        log.error("WeChat transaction for top-up %s does not match it; not credited", topup.id)
        return "mismatch"
    if tx.get("trade_state") != "SUCCESS":
        return str(tx.get("trade_state", "unknown")).lower()
    if event_id and not record_event(event_id, "TRANSACTION.SUCCESS", tx["transaction_id"]):
        return "duplicate"
    was_closed = topup.status == "closed"
    # pending -> credited, or closed -> credited (the money came after we closed it): once.
    won = db.session.execute(
        update(Topup)
        .where(
            Topup.id == topup.id,
            Topup.status.in_(("pending", "closed")),
            Topup.transaction_id.is_(None),
        )
        .values(status="credited", transaction_id=tx["transaction_id"], credited_at=utcnow())
    )
    if won.rowcount != 1:
        return "duplicate"  # the event row is kept: this event is now known
    if was_closed:
        log.warning("top-up %s was paid after it was closed: credited all the same", topup.id)
    ledger.post(
        topup.chain_id,
        "topup.wechat",
        credit_legs(topup),
        station_id=topup.station_id,
        memo=topup.topup_no,
    )
    gifts.reward_topup(topup)  # the package's coupons, with the credit
    return "credited"


def credit_legs(topup: Topup) -> list[Leg]:
    """A WeChat top-up credited: the principal paid in, and the bonus the station gives."""
    member, station = topup.member_id, topup.station_id
    return [
        Leg("wechat_clearing", topup.principal_fen),
        Leg("member_wallet", -topup.principal_fen, member_id=member),
        Leg("bonus_expense", topup.bonus_fen, station_id=station),
        Leg("member_bonus", -topup.bonus_fen, member_id=member),
    ]


def reconcile(topup_id: int) -> str:
    """Job: ask WeChat about a pending top-up whose notification has not come; credit it if
    paid; once it has expired, close it at WeChat and record it closed.

    Steps: read the top-up; ask WeChat (no transaction open); apply its answer, or, not paid yet,
    run again later (RetryLater), or, expired, close it (a close that finds it paid credits it
    instead)."""
    from app.adapters.wechat_pay import OrderAlreadyPaid, OrderNotFound

    with unit_of_work():
        topup = db.session.get(Topup, topup_id)
        if topup is None or topup.channel != "wechat" or topup.status != "pending":
            return "nothing"
        topup_no, expires_at = topup.topup_no, topup.expires_at
        end_step()  # no transaction (the job's own included) stays open while WeChat answers
    client = gateways.wechat_pay()
    try:
        tx = client.query(topup_no)
    except OrderNotFound:  # the prepay never reached WeChat
        tx = None
    if tx is not None and tx.get("trade_state") == "SUCCESS":
        return apply_transaction(tx)
    left = expires_at - utcnow()
    if left > timedelta(0):
        raise outbox.RetryLater(
            "top-up not paid yet", max(timedelta(seconds=5), min(RECONCILE_EVERY, left))
        )
    if tx is not None:  # closed at WeChat for good, even if it closed it itself at expiry
        try:
            client.close(topup_no)
        except OrderAlreadyPaid:  # paid in the last moment: the money is the driver's
            return apply_transaction(client.query(topup_no))
        except OrderNotFound:
            pass
    with unit_of_work():
        return "closed" if _set_closed(topup_id) else "nothing"

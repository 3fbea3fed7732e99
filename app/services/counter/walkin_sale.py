"""收银: a walk-in sale recorded by the cashier for a driver without the app.

The cashier picks the nozzle and types the litres or the amount the pump shows; the server
prices it at the price in force now (the campaigns live for it, and the member price, the tier
cut and a coupon of the member's when the driver shows the member code) and computes the other
figure as a pump does (see `quote`). The sale is one transaction: a settled order (channel
'counter'), its CounterSale (how it was paid), the coupon used (compare-and-set available ->
used), a first-order discount taken (marketing.first_orders), the ledger postings and an audit
entry; then the settlement hook every settled order goes through.

Accounts: cash -> the station's cash_drawer, bank card -> card_clearing, WeChat/Alipay on the
station's terminal -> terminal_clearing, the member's wallet -> member_wallet / member_bonus
(principal first); revenue at list price, the member cut, the campaigns and the coupon as
promotion expense (the campaigns' in a campaign.discount transaction and the coupon's in a
coupon.discount one, as settlement books them)."""

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import COUNTER_ACCOUNTS, CounterSale, Order, Staff
from app.models.base import insert_unless_exists, utcnow
from app.services import ledger
from app.services.catalogue.entries import StationEntry
from app.services.counter import shifts
from app.services.counter.sale_quote import CouponChoice, Quote, quote, sale_station
from app.services.ledger import InsufficientBalance, Leg, WalletFrozen
from app.services.marketing import first_orders, redeeming
from app.services.members import member_code, wallet_split
from app.services.orders import statements
from app.services.orders.placing import (
    new_order_no,
)
from app.services.payments.settlement import after_settlement, book_campaign, book_coupon
from app.services.platform import audit
from app.services.platform.errors import Conflict, Invalid
from app.services.platform.money import fen_to_yuan
from app.services.platform.unit_of_work import unit_of_work

METHODS = ("cash", "pos", "terminal", "wallet")
_SALE_KEY = re.compile(r"[A-Za-z0-9_-]{16,40}")
MAX_RECEIVED_FEN = 10_000_000  # 10 万元 handed over is a typo


def new_sale_key() -> str:
    """The token a sale form carries (made when the form is shown): sent twice, one sale."""
    return secrets.token_urlsafe(18)


@dataclass(frozen=True)
class Payment:
    """How the driver pays, as the cashier entered it."""

    method: str
    received_fen: int | None = None  # cash handed over
    reference: str = ""  # POS reference / last 4 digits, or the terminal's transaction number
    terminal_app: str | None = None  # "wechat" or "alipay"
    code: str = ""  # the member code, if the driver showed one

    def checked(self) -> "Payment":
        """Invalid naming each field that is missing or wrong (before any amount is known)."""
        problems = {}
        reference = (self.reference or "").strip()
        if self.method not in METHODS:
            problems["method"] = "请选择付款方式"
        elif self.method == "cash" and self.received_fen is None:
            problems["received"] = "请输入实收现金金额"
        elif self.method == "pos" and not reference:
            problems["reference"] = "银行卡付款请填写 POS 签购单参考号或卡号后 4 位"
        elif self.method == "terminal":
            if self.terminal_app not in ("wechat", "alipay"):
                problems["terminal_app"] = "请选择微信或支付宝"
            if not reference:
                problems["reference"] = "扫码付款请填写收款终端上的交易单号"
        elif self.method == "wallet" and not (self.code or "").strip():
            problems["code"] = "会员钱包付款请扫描车主的会员码"
        if len(reference) > 64:
            problems["reference"] = "参考号最多 64 个字符"
        if self.received_fen is not None and not 0 < self.received_fen <= MAX_RECEIVED_FEN:
            problems["received"] = "实收金额不正确，请核对"
        if problems:
            raise Invalid(problems)
        keep = self.method in ("pos", "terminal")
        return Payment(
            self.method,
            self.received_fen if self.method == "cash" else None,
            reference if keep else "",
            self.terminal_app if self.method == "terminal" else None,
            (self.code or "").strip(),
        )


class _Twin(Exception):
    """The same form was recorded by a request that committed first."""


def record_sale(
    actor: Staff,
    station_id: int,
    sale_key: str,
    nozzle_number: int | None,
    payment: Payment,
    *,
    volume_ml: int | None = None,
    amount_fen: int | None = None,
    coupon: CouponChoice = None,
) -> CounterSale:
    """Record a walk-in sale in one transaction (see the module's docstring); the same
    sale_key again returns the first sale. A member code, if given, is used up only when the
    sale goes through; coupon: which of the member's coupons the sale takes ("best", None for
    none, or an id). Invalid names the field at fault; nothing is saved then."""
    station = sale_station(actor, station_id)
    if not _SALE_KEY.fullmatch(sale_key or ""):
        raise Invalid({"": "收银单已失效，请刷新页面后重新填写"})
    payment = payment.checked()
    first = _sale_by_key(sale_key)
    if first is not None:
        return _replay(first, actor, station_id)
    refusal = None
    try:
        with unit_of_work(keep_loaded=True) as unit:
            member = None
            if payment.code:
                try:
                    member = member_code.identify(actor, payment.code, station_id)
                except (member_code.CodeInvalid, member_code.CodeLocked) as err:
                    if unit.failed:
                        raise
                    refusal = err  # keep the miss identify counted: commit, then refuse
            if refusal is None:
                figures = {"volume_ml": volume_ml, "amount_fen": amount_fen}
                if member is None and coupon not in (None, "best"):
                    raise Invalid({"coupon": "使用优惠券请扫描车主的会员码"})
                chosen = coupon if member is not None else None
                priced = quote(
                    station,
                    nozzle_number,
                    chain_id=actor.chain_id,
                    member=member,
                    coupon=chosen,
                    **figures,
                )
                sale = _record(actor, station, sale_key, priced, payment)
    except InsufficientBalance:
        raise Invalid({"method": "会员钱包余额不足，请车主充值或改用其他付款方式"}) from None
    except WalletFrozen:
        raise Invalid({"method": "会员钱包已冻结，不能付款，请改用其他付款方式"}) from None
    except _Twin:
        return _replay(_sale_by_key(sale_key), actor, station_id)
    if refusal is not None:
        twin = _sale_by_key(sale_key)  # the same form's first submit used the code
        if twin is not None:
            return _replay(twin, actor, station_id)
        raise Invalid({"code": refusal.message})
    return sale


def _record(
    actor: Staff, station: StationEntry, sale_key: str, q: Quote, payment: Payment
) -> CounterSale:
    """The order, the sale, the ledger and the audit entry, in the caller's transaction."""
    member = q.member
    if payment.method == "wallet" and member is None:
        raise Invalid({"code": "会员钱包付款请扫描车主的会员码"})
    change = None
    if payment.method == "cash":
        if payment.received_fen < q.amount_fen:
            raise Invalid(
                {
                    "received": f"实收现金不足：应收 {fen_to_yuan(q.amount_fen)} 元，"
                    f"实收 {fen_to_yuan(payment.received_fen)} 元"
                }
            )
        change = payment.received_fen - q.amount_fen
    now = utcnow()
    row = dict(
        chain_id=actor.chain_id,
        station_id=station.id,
        member_id=member.id if member else None,
        fuel_id=q.fuel_id,
        nozzle_id=q.nozzle_id,
        plate=None,
        mode="volume" if q.entered == "litres" else "amount",
        channel="counter",
        preset_amount_fen=q.amount_fen if q.entered == "amount" else None,
        preset_volume_ml=q.volume_ml if q.entered == "litres" else None,
        price_id=q.price_id,
        list_price_fen=q.list_price_fen,
        unit_price_fen=q.unit_price_fen,
        member_price_applied=q.member_price_applied,
        tier_id=q.tier.tier_id,
        tier_cut_fen=q.tier.tier_cut_fen,
        pricing_note=q.tier.note,
        amount_fen=q.amount_fen,
        coupon_id=q.coupon.coupon.id if q.coupon else None,
        coupon_fen=q.coupon_fen,
        dispensed_coupon_fen=q.coupon_fen if q.coupon else None,
        day_campaign_id=q.bill.day_campaign_id,
        day_cut_fen=q.bill.day_cut_fen,
        campaign_id=q.bill.campaign_id,
        campaign_fen=q.bill.campaign_fen,
        dispensed_day_fen=q.bill.day_fen if q.bill.day_campaign_id else None,
        dispensed_campaign_fen=q.bill.campaign_fen if q.bill.campaign_id else None,
        status="settled",
        payment_method=payment.method,
        paid_fen=q.amount_fen,
        dispensed_ml=q.volume_ml,
        dispensed_fen=q.amount_fen,
        created_at=now,
        expires_at=now,
        paid_at=now,
        fueled_at=now,
        fueled_by_id=actor.id,
        settled_at=now,
    )
    order = None
    for _draw in range(2):  # as placing: a clash of random numbers, one more draw
        row["order_no"] = new_order_no()
        order = statements.insert_order(row)
        if order is not None:
            break
    else:
        raise RuntimeError("two order numbers drawn in a row were taken")
    sale_row = {
        "chain_id": actor.chain_id,
        "station_id": station.id,
        "sale_key": sale_key,
        "order_id": order.id,
        "cashier_id": actor.id,
        "method": payment.method,
        "amount_fen": q.amount_fen,
        "received_fen": payment.received_fen,
        "change_fen": change,
        "terminal_app": payment.terminal_app,
        "reference": payment.reference,
        "created_at": now,
    }
    if not insert_unless_exists(CounterSale, ("sale_key",), sale_row):
        raise _Twin()  # waited for the twin's commit: undo this one, answer with the first
    if q.coupon is not None:
        redeeming.use_now(q.coupon, order.id, now)
    if q.campaigns.kind(q.bill.campaign_id) == "first_order":
        first_orders.take(order, q.bill.campaign_id, now, used=True)
    ledger.post(
        order.chain_id,
        f"counter.sale.{payment.method}",
        [*_source_legs(order, payment.method, station.id), *_revenue_legs(q, station.id)],
        station_id=station.id,
        order_id=order.id,
        memo=order.order_no,
    )
    book_campaign(order, q.campaign_fen)
    if q.coupon is not None:
        book_coupon(order, q.coupon_fen)
    audit.record(
        actor,
        "order.counter_sale",
        "order",
        order.id,
        chain_id=order.chain_id,
        station_id=station.id,
        after={
            "order_no": order.order_no,
            "nozzle": q.nozzle_number,
            "volume_ml": q.volume_ml,
            "amount_fen": q.amount_fen,
            "method": payment.method,
            "received_fen": payment.received_fen,
            "change_fen": change,
            "reference": payment.reference,
            "member": (member.nickname or f"会员{member.id}") if member else None,
        }
        | _coupon_audit(q)
        | _campaign_audit(q),
    )
    shifts.attach_order(order.id, order.station_id)  # the shift in progress (交接班) counts it
    after_settlement(order)
    return _sale_by_key(sale_key)


def _coupon_audit(q: Quote) -> dict:
    if q.coupon is None:
        return {}
    coupon = f"{q.coupon.template.name}（{q.coupon.rule_text}）"
    return {"coupon": coupon, "coupon_fen": q.coupon_fen}


def _campaign_audit(q: Quote) -> dict:
    if not q.campaign_lines:
        return {}
    lines = "、".join(name for name, _ in q.campaign_lines)
    return {"campaign": lines, "campaign_fen": q.campaign_fen}


def _source_legs(order: Order, method: str, station_id: int) -> list[Leg]:
    """Where the money came in: the drawer, card or terminal clearing, or the wallet
    (principal first; the bonus part recorded on the order, as online wallet payments)."""
    if method != "wallet":  # the entry lands in the shift in progress (ledger.post)
        return [Leg(COUNTER_ACCOUNTS[method], order.amount_fen, station_id=station_id)]
    principal, bonus = wallet_split.spend(order.member_id, order.amount_fen)
    wallet_split.consume_lots(order.member_id, principal)
    if bonus:
        db.session.execute(
            Order.__table__.update().where(Order.id == order.id).values(bonus_paid_fen=bonus)
        )
        order.bonus_paid_fen = bonus
    return [
        Leg("member_wallet", principal, member_id=order.member_id),
        Leg("member_bonus", bonus, member_id=order.member_id),
    ]


def _revenue_legs(q: Quote, station_id: int) -> list[Leg]:
    """Revenue at list price less the campaigns' and the coupon's parts, booked on their own
    (book_campaign, book_coupon)."""
    member_fen = q.bill.member_saving_fen
    return [
        Leg("promotion_expense", member_fen, station_id=station_id),
        Leg("fuel_revenue", -q.amount_fen - member_fen, station_id=station_id),
    ]


def _sale_by_key(sale_key: str) -> CounterSale | None:
    query = select(CounterSale).where(CounterSale.sale_key == sale_key)
    return db.session.scalar(query.execution_options(populate_existing=True))


def _replay(sale: CounterSale, actor: Staff, station_id: int) -> CounterSale:
    if sale.cashier_id != actor.id or sale.station_id != station_id:
        raise Conflict("这张收银单已经提交过，请刷新页面后重新填写")
    return sale

"""收银: a walk-in sale recorded by the cashier for a driver without the app.

The cashier picks the nozzle and types the litres or the amount the pump shows; the server
prices it at the price in force now (the member price and the tier cut when the driver shows
the member code) and computes the other figure as a pump does (see `quote`). The sale is one
transaction: a settled order (channel 'counter'), its CounterSale (how it was paid), one ledger
transaction and an audit entry; then the settlement hook every settled order goes through.

Accounts: cash -> the station's cash_drawer, bank card -> card_clearing, WeChat/Alipay on the
station's terminal -> terminal_clearing, the member's wallet -> member_wallet / member_bonus
(principal first); revenue at list price, the member cut as promotion expense."""

import re
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from app.extensions import db
from app.models import CounterSale, Member, Order, Staff
from app.models.base import insert_unless_exists, utcnow
from app.services import catalogue, ledger
from app.services.catalogue.entries import StationEntry
from app.services.counter import shifts
from app.services.ledger import InsufficientBalance, Leg, WalletFrozen
from app.services.members import member_code, wallet_split
from app.services.members.tier_pricing import TierPrice, tier_price
from app.services.orders import statements
from app.services.orders.placing import (
    MAX_VOLUME_ML,
    MIN_AMOUNT_FEN,
    VOLUME_STEP_ML,
    member_qualifies,
    new_order_no,
    resolve_fuel,
)
from app.services.payments.settlement import after_settlement
from app.services.platform import audit
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.services.platform.money import amount_for_volume, fen_to_yuan, round_half_up
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.access import visible_station_ids

SALE_ROLES = ("cashier", "manager")
METHODS = ("cash", "pos", "terminal", "wallet")
_SALE_KEY = re.compile(r"[A-Za-z0-9_-]{16,40}")
MAX_RECEIVED_FEN = 10_000_000  # 10 万元 handed over is a typo


def new_sale_key() -> str:
    """The token a sale form carries (made when the form is shown): sent twice, one sale."""
    return secrets.token_urlsafe(18)


def parse_litres(text: str | None) -> int | None:
    """'30.1' litres -> 30100 ml; None when blank; Invalid on anything but two decimals."""
    cleaned = (text or "").strip().replace("升", "").replace("L", "").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise Invalid({"litres": "升数请输入数字，例如 30.25"}) from None
    if not value.is_finite() or value <= 0 or value > MAX_VOLUME_ML / 1000:
        raise Invalid({"litres": f"升数应在 0.01 到 {MAX_VOLUME_ML // 1000} 升之间"})
    if value != value.quantize(Decimal("0.01")):
        raise Invalid({"litres": "升数最多两位小数（与加油机显示一致）"})
    return int(value * 1000)


def litres_for_amount(unit_price_fen: int, amount_fen: int) -> int:
    """The litres a pump shows when it stops at a preset amount: amount / price, half-up to
    0.01 L (in ml). The amount charged stays the one shown: price x litres shown can differ
    from it by a fen, as on the pump."""
    return round_half_up(amount_fen * 100, unit_price_fen) * VOLUME_STEP_ML


@dataclass(frozen=True)
class Quote:
    """A sale as priced now: what the page shows live and the sale records."""

    nozzle_number: int
    nozzle_id: int
    fuel_id: int
    fuel_name: str
    price_id: int
    list_price_fen: int
    unit_price_fen: int
    member_price_applied: bool
    tier: TierPrice
    volume_ml: int
    amount_fen: int
    at_list_fen: int  # what the litres cost at the list price (revenue)
    entered: str  # "litres" or "amount": which figure the cashier typed
    member: Member | None

    @property
    def saving_fen(self) -> int:
        return self.at_list_fen - self.amount_fen


def sale_station(actor: Staff, station_id: int | None) -> StationEntry:
    """The station (as the catalogue holds it) where the actor may sell: cashiers and
    managers of that station only."""
    if actor.role not in SALE_ROLES:
        raise PermissionDenied("只有本站收银员和站长可以收银")
    if station_id is None or station_id not in visible_station_ids(actor):
        raise PermissionDenied("您不在该油站工作，不能在该站收银")
    stations = catalogue.for_chain(actor.chain_id, exact=True)
    station = stations.stations.get(station_id) if stations else None
    if station is None:
        raise NotFound("油站不存在或已停用")
    return station


def quote(
    station: StationEntry,
    nozzle_number: int | None,
    *,
    volume_ml: int | None = None,
    amount_fen: int | None = None,
    member: Member | None = None,
) -> Quote:
    """Price a sale at the price in force now: amount = litres x unit price half-up to the
    fen (litres typed), or litres = amount / unit price half-up to 0.01 L (amount typed)."""
    if nozzle_number is None:
        raise Invalid({"nozzle": "请选择油枪"})
    fuel, nozzle = resolve_fuel(station, None, nozzle_number)
    price = fuel.price_at(utcnow())
    if price is None:
        raise Invalid({"nozzle": f"{nozzle_number}号枪的油品暂无价格，请联系站长"})
    qualifies = member is not None and member_qualifies(member)
    base = price.member_price_fen if qualifies else price.list_price_fen
    tiered = tier_price(member, fuel.fuel_id, base, qualifies) if member else TierPrice(base)
    unit = tiered.unit_price_fen
    limit = station.max_order_fen
    if volume_ml is not None:
        if volume_ml <= 0 or volume_ml % VOLUME_STEP_ML or volume_ml > MAX_VOLUME_ML:
            raise Invalid({"litres": "升数最多两位小数（与加油机显示一致）"})
        amount, entered = amount_for_volume(unit, volume_ml), "litres"
        if not MIN_AMOUNT_FEN <= amount <= limit:
            raise Invalid({"litres": f"金额应在 1 元到 {limit // 100} 元之间，请核对升数"})
    elif amount_fen is not None:
        if not MIN_AMOUNT_FEN <= amount_fen <= limit:
            raise Invalid({"amount": f"金额应在 1 元到 {limit // 100} 元之间"})
        amount, entered = amount_fen, "amount"
        volume_ml = litres_for_amount(unit, amount)
    else:
        raise Invalid({"litres": "请输入加油机显示的升数或金额"})
    at_list = amount
    if unit != price.list_price_fen:
        at_list = max(amount_for_volume(price.list_price_fen, volume_ml), amount)
    return Quote(
        nozzle_number=nozzle_number,
        nozzle_id=nozzle.id,
        fuel_id=fuel.fuel_id,
        fuel_name=fuel.name,
        price_id=price.id,
        list_price_fen=price.list_price_fen,
        unit_price_fen=unit,
        member_price_applied=qualifies and base < price.list_price_fen,
        tier=tiered,
        volume_ml=volume_ml,
        amount_fen=amount,
        at_list_fen=at_list,
        entered=entered,
        member=member,
    )


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
) -> CounterSale:
    """Record a walk-in sale in one transaction (see the module's docstring); the same
    sale_key again returns the first sale. A member code, if given, is used up only when the
    sale goes through. Invalid names the field at fault; nothing is saved then."""
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
                priced = quote(station, nozzle_number, member=member, **figures)
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
    ledger.post(
        order.chain_id,
        f"counter.sale.{payment.method}",
        [*_source_legs(order, payment.method, station.id), *_revenue_legs(q, station.id)],
        station_id=station.id,
        order_id=order.id,
        memo=order.order_no,
    )
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
        },
    )
    shifts.attach_order(order.id, order.station_id)  # the shift in progress (交接班) counts it
    after_settlement(order)
    return _sale_by_key(sale_key)


def _source_legs(order: Order, method: str, station_id: int) -> list[Leg]:
    """Where the money came in: the drawer, card or terminal clearing, or the wallet
    (principal first; the bonus part recorded on the order, as online wallet payments)."""
    if method != "wallet":
        account = {"cash": "cash_drawer", "pos": "card_clearing", "terminal": "terminal_clearing"}
        return [Leg(account[method], order.amount_fen, station_id=station_id)]
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
    return [
        Leg("promotion_expense", q.saving_fen, station_id=station_id),
        Leg("fuel_revenue", -q.at_list_fen, station_id=station_id),
    ]


def _sale_by_key(sale_key: str) -> CounterSale | None:
    query = select(CounterSale).where(CounterSale.sale_key == sale_key)
    return db.session.scalar(query.execution_options(populate_existing=True))


def _replay(sale: CounterSale, actor: Staff, station_id: int) -> CounterSale:
    if sale.cashier_id != actor.id or sale.station_id != station_id:
        raise Conflict("这张收银单已经提交过，请刷新页面后重新填写")
    return sale

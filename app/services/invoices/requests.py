"""申请开票: a driver asks for the invoice of an order from the signed link in its receipt's QR.

- The link's signature (counter.receipts) is checked before anything is read: a bad one is
  NotFound, so that order numbers cannot be probed.
- Only a settled order (fuelled and settled) that is not fully refunded may be invoiced, within
  WINDOW_DAYS of its settlement. Neither DOMAIN.md nor PROTOCOLS.md fixes a window; 90 days
  leaves a driver or a company's bookkeeper a quarter to ask, and the station time to issue
  before the tax period's figures are closed.
- The amount is computed here, never typed: what the driver paid, net of refunds and of what
  the wallet's bonus (赠送金额, not the driver's money) paid.
- Once per order: the order's row is locked while the request is made, and a partial unique
  index allows one open (not rejected) request per order. After a rejection the driver may ask
  again; the new request is a new row (the rejected one stays as it was).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import BUYER_TYPES, Fuel, InvoiceRequest, Order, Station
from app.services.counter.receipts import invoice_signature_ok
from app.services.platform.clock import utcnow
from app.services.platform.errors import Conflict, Invalid, NotFound
from app.services.platform.unit_of_work import unit_of_work

WINDOW_DAYS = 90
BAD_LINK = "开票链接无效或已损坏，请扫描小票上的二维码重试"
ALREADY = "该订单已申请开票，请勿重复提交"
NAME_MAX, EMAIL_MAX = 100, 100
_TAX_NUMBER = re.compile(r"[A-Z0-9]{15,20}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_MOBILE = re.compile(r"1\d{10}")


@dataclass(frozen=True)
class Buyer:
    """Who the invoice is made out to, as checked (what the e-invoice platform will need:
    抬头, the tax number of a company, where to send it)."""

    buyer_type: str
    buyer_name: str
    tax_number: str
    email: str
    phone: str


def _text(form: Mapping, name: str) -> str:
    value = form.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise Invalid({name: "含有无效字符"})
    return text


def clean_buyer(form: Mapping) -> Buyer:
    """The buyer from the form's fields; Invalid naming each field that is missing or wrong."""
    errors = {}
    buyer_type = _text(form, "buyer_type")
    name = _text(form, "buyer_name")
    tax_number = re.sub(r"\s", "", _text(form, "tax_number")).upper()
    email = _text(form, "email")
    phone = re.sub(r"[\s-]", "", _text(form, "phone"))
    if buyer_type not in BUYER_TYPES:
        errors["buyer_type"] = "请选择抬头类型：个人或单位"
    if not name:
        errors["buyer_name"] = "请填写发票抬头（个人姓名或单位名称）"
    elif len(name) > NAME_MAX:
        errors["buyer_name"] = f"发票抬头最多 {NAME_MAX} 个字"
    if buyer_type == "company":
        if not tax_number:
            errors["tax_number"] = "单位开票请填写纳税人识别号（统一社会信用代码）"
        elif not _TAX_NUMBER.fullmatch(tax_number):
            errors["tax_number"] = "纳税人识别号应为 15 到 20 位数字或大写字母"
    else:
        tax_number = ""  # a person's invoice carries no tax number
    if not email:
        errors["email"] = "请填写电子邮箱，电子发票将发送到该邮箱"
    elif len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email):
        errors["email"] = "电子邮箱格式不正确，例如 name@example.com"
    if phone and not _MOBILE.fullmatch(phone):
        errors["phone"] = "手机号应为 11 位数字（选填）"
    if errors:
        raise Invalid(errors)
    return Buyer(buyer_type, name, tax_number, email, phone)


def masked_email(email: str) -> str:
    """zh***@example.com: what the driver's page shows of the address an invoice goes to (the
    link may be seen by whoever holds the receipt)."""
    local, _, domain = (email or "").partition("@")
    return f"{local[: 2 if len(local) > 3 else 1]}***@{domain}"


def invoiceable_fen(order: Order) -> int:
    """What the driver paid for the order, net of refunds, less the wallet bonus it spent."""
    bonus = order.bonus_paid_fen - order.bonus_refunded_fen
    return order.paid_fen - order.refunded_fen - bonus


def refusal(order: Order, now: datetime) -> str | None:
    """Why the order cannot be invoiced now, in Chinese; None if it can."""
    if order.status == "fueled":
        return "该订单正在结算，请稍后再申请开票"
    if order.status in ("cancelled", "expired"):
        return "该订单已取消，不能开票"
    if order.status != "settled" or order.settled_at is None:
        return "该订单尚未加油结算，加油完成后才能申请开票"
    if order.refunded_fen >= order.paid_fen:
        return "该订单已全部退款，不能开票"
    if invoiceable_fen(order) <= 0:
        return "该订单由钱包赠送金额支付，没有可开票的金额"
    if now - order.settled_at > timedelta(days=WINDOW_DAYS):
        return f"该订单已超过开票期限（加油后 {WINDOW_DAYS} 天内可申请），如需开票请到油站咨询"
    return None


def _order(order_no: str, sig: str, *, for_update: bool = False) -> Order:
    if not invoice_signature_ok(order_no, sig):
        raise NotFound(BAD_LINK)
    query = select(Order).where(Order.order_no == order_no)
    if for_update:
        # FOR NO KEY UPDATE: one request at a time per order, and a refund of the order waits.
        query = query.with_for_update(key_share=True)
    order = db.session.scalar(query.execution_options(populate_existing=True))
    if order is None:
        raise NotFound(BAD_LINK)
    return order


def latest_request(order_id: int) -> InvoiceRequest | None:
    """The order's last request: its open one if any (a new one is only made after a
    rejection), else the last rejected."""
    query = select(InvoiceRequest).where(InvoiceRequest.order_id == order_id)
    return db.session.scalar(query.order_by(InvoiceRequest.id.desc()).limit(1))


@dataclass
class InvoicePage:
    """What the driver's page shows: the order, what it would be invoiced, its last request,
    and why it cannot be asked (None: the form is shown)."""

    order: Order
    station_name: str
    fuel_name: str
    amount_fen: int
    request: InvoiceRequest | None
    problem: str | None

    @property
    def may_request(self) -> bool:
        open_request = self.request is not None and self.request.status != "rejected"
        return self.problem is None and not open_request


def invoice_page(order_no: str, sig: str) -> InvoicePage:
    """The page of a signed link; NotFound if the link is wrong."""
    order = _order(order_no, sig)
    station_name, fuel_name = db.session.execute(
        select(Station.name, Fuel.name)
        .where(Station.id == order.station_id)
        .join(Fuel, Fuel.id == order.fuel_id)
    ).one()
    request = latest_request(order.id)
    return InvoicePage(
        order=order,
        station_name=station_name,
        fuel_name=fuel_name,
        amount_fen=request.amount_fen if request else max(invoiceable_fen(order), 0),
        request=request,
        problem=refusal(order, utcnow()),
    )


def request_invoice(order_no: str, sig: str, form: Mapping) -> InvoiceRequest:
    """Ask for the invoice of the order of a signed link, made out to the form's buyer.

    Raises NotFound (the link), Invalid (a field, or "" for why the order cannot be invoiced)
    or Conflict (already asked); on any of them nothing is written."""
    if not invoice_signature_ok(order_no, sig):
        raise NotFound(BAD_LINK)
    buyer = clean_buyer(form)
    with unit_of_work(keep_loaded=True):
        order = _order(order_no, sig, for_update=True)
        problem = refusal(order, utcnow())
        if problem:
            raise Invalid(problem)
        last = latest_request(order.id)
        if last is not None and last.status != "rejected":
            raise Conflict(ALREADY)
        request = InvoiceRequest(
            chain_id=order.chain_id,
            station_id=order.station_id,
            order_id=order.id,
            buyer_type=buyer.buyer_type,
            buyer_name=buyer.buyer_name,
            tax_number=buyer.tax_number,
            email=buyer.email,
            phone=buyer.phone,
            amount_fen=invoiceable_fen(order),
            status="requested",
            requested_at=utcnow(),
        )
        db.session.add(request)
        db.session.flush()
        return request

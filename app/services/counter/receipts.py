"""小票: what a receipt of an order shows, the prints counted in the audit log (the first is
the original, every later one is marked 重打), and the signed invoice-request link in its QR."""

import hashlib
import hmac
import io
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    ORDER_STATUSES,
    SALE_METHODS,
    TERMINAL_APPS,
    AuditLog,
    CounterSale,
    Fuel,
    Nozzle,
    Order,
    Staff,
    Station,
)
from app.services.orders import order_detail
from app.services.orders.order_detail import campaign_lines
from app.services.orders.order_search import PAYMENT_METHODS
from app.services.platform import audit
from app.services.platform.money import amount_for_volume
from app.services.platform.unit_of_work import unit_of_work

PRINT_ACTION = "order.receipt_print"
WIDTHS = (58, 80)  # mm: the two thermal roll widths


def _key() -> bytes:
    return hashlib.sha256(b"invoice-request:" + current_app.config["SECRET_KEY"].encode()).digest()


def invoice_signature(order_no: str) -> str:
    return hmac.new(_key(), order_no.encode(), hashlib.sha256).hexdigest()[:32]


def invoice_signature_ok(order_no: str, sig: str) -> bool:
    return hmac.compare_digest(invoice_signature(order_no or ""), sig or "")


def invoice_url(order_no: str) -> str:
    """The link in the receipt's QR: the driver asks for the invoice of this order with it
    (signed, so that nobody invoices an order number they guessed)."""
    query = urlencode({"order": order_no, "sig": invoice_signature(order_no)})
    return f"{current_app.config['PUBLIC_BASE_URL']}/invoice?{query}"


def qr_svg(text: str) -> str:
    """The QR as inline SVG (sharp on a thermal printer; no image request, no inline style)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=1)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]


@dataclass
class Receipt:
    order: Order
    station: Station
    fuel_name: str
    nozzle: int | None
    sale: CounterSale | None
    cashier: str
    copy: int  # 1: the original; 2, 3...: reprints (重打)
    invoice_url: str
    qr_svg: str

    @property
    def reprint(self) -> bool:
        return self.copy > 1

    @property
    def volume_ml(self) -> int | None:
        return self.order.dispensed_ml or self.order.preset_volume_ml

    @property
    def amount_fen(self) -> int:
        return self.order.dispensed_fen or self.order.amount_fen

    @property
    def coupon_fen(self) -> int:
        """What the coupon took off (as placed until the fuel is dispensed; nothing once an
        order ends without fuel and gives its coupon back)."""
        if self.order.status in ("cancelled", "expired"):
            return 0
        if self.order.dispensed_ml is not None:
            return self.order.dispensed_coupon_fen or 0
        return self.order.coupon_fen

    @property
    def campaigns(self) -> list[tuple[str, int]]:
        """Each campaign the sale got and what it saved (order_detail.campaign_lines)."""
        return campaign_lines(self.order)

    @property
    def saving_fen(self) -> int:
        """What the member price and tier saved against the list price."""
        if not self.volume_ml or self.order.unit_price_fen >= self.order.list_price_fen:
            return 0
        at_list = amount_for_volume(self.order.list_price_fen, self.volume_ml)
        campaigns = sum(saving for _, saving in self.campaigns)
        return max(at_list - self.amount_fen - self.coupon_fen - campaigns, 0)

    @property
    def method_name(self) -> str:
        if self.sale is not None:
            name = SALE_METHODS[self.sale.method]
            app = TERMINAL_APPS.get(self.sale.terminal_app or "")
            return f"{name}（{app}）" if app else name
        return PAYMENT_METHODS.get(self.order.payment_method or "", "未支付")

    @property
    def status_name(self) -> str:
        return ORDER_STATUSES.get(self.order.status, self.order.status)

    @property
    def printed_at(self) -> datetime:
        return self.order.settled_at or self.order.paid_at or self.order.created_at


def _prints(order_id: int) -> int:
    return db.session.scalar(
        select(func.count(AuditLog.id)).where(
            AuditLog.action == PRINT_ACTION,
            AuditLog.entity_type == "order",
            AuditLog.entity_id == order_id,
        )
    )


def _receipt(order: Order, copy: int) -> Receipt:
    sale = db.session.scalar(select(CounterSale).where(CounterSale.order_id == order.id))
    nozzle = db.session.get(Nozzle, order.nozzle_id) if order.nozzle_id else None
    cashier = db.session.get(Staff, sale.cashier_id) if sale else None
    url = invoice_url(order.order_no)
    return Receipt(
        order=order,
        station=db.session.get(Station, order.station_id),
        fuel_name=db.session.get(Fuel, order.fuel_id).name,
        nozzle=nozzle.number if nozzle else None,
        sale=sale,
        cashier=cashier.display_name if cashier else "",
        copy=copy,
        invoice_url=url,
        qr_svg=qr_svg(url),
    )


def receipt(actor: Staff, order_id: int) -> Receipt:
    """The receipt as the next print will show it (the original until one was printed)."""
    order = order_detail.get_order(actor, order_id)
    return _receipt(order, _prints(order.id) + 1)


def print_receipt(actor: Staff, order_id: int) -> Receipt:
    """Record one print in the audit log and answer the receipt for it, in one transaction;
    the order's row is locked so that two prints at once count as two copies."""
    with unit_of_work(keep_loaded=True):
        order = order_detail.get_order(actor, order_id)
        db.session.execute(select(Order.id).where(Order.id == order.id).with_for_update())
        copy = _prints(order.id) + 1
        audit.record(
            actor,
            PRINT_ACTION,
            "order",
            order.id,
            chain_id=order.chain_id,
            station_id=order.station_id,
            after={"order_no": order.order_no, "copy": copy, "reprint": copy > 1},
        )
        return _receipt(order, copy)

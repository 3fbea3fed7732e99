"""Invoice request helpers: orders sold at the counter through the walk-in sale service, the
signed link of a receipt, a driver's form, counter refunds through the real service."""

import re
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import InvoiceRequest, Order, Station
from app.services.counter.receipts import invoice_signature
from app.services.counter.walkin_sale import Payment
from app.services.payments import counter_refunds
from tests.console.conftest import page
from tests.counter.helpers import code_for, member_with_wallet, order_of, sell
from tests.factories import PASSWORD

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def cash_sale(world, litres: int = 30_000, station=None) -> Order:
    """30.00 L of 92# at 7.68 元/L (230.40 元) paid in cash at station A, settled."""
    cashier = world.manager_b if station is world.station_b else None
    sale = sell(
        world, Payment("cash", received_fen=50_000), litres=litres, station=station, by=cashier
    )
    return order_of(sale)


def wallet_sale(world, litres: int, principal_fen: int, bonus_fen: int = 0) -> Order:
    """A walk-in sale paid from a member's wallet (member price, principal first): the kind of
    counter sale that may be refunded at the counter."""
    member = member_with_wallet(world, principal_fen=principal_fen, bonus_fen=bonus_fen)
    return order_of(sell(world, Payment("wallet", code=code_for(member)), litres=litres))


def refund_at_counter(world, order: Order, amount_fen: int) -> None:
    """A counter refund sent at once (the station's approval threshold raised above it)."""
    db.session.execute(
        Station.__table__.update()
        .where(Station.id == order.station_id)
        .values(refund_approval_threshold_fen=10_000_000)
    )
    db.session.commit()
    made = counter_refunds.request_refund(
        world.cashier_a, order.id, amount_fen, "overcharged", "", PASSWORD
    )
    assert made.status == "sent"


def sig(order: Order) -> str:
    return invoice_signature(order.order_no)


def link(order: Order, signature: str | None = None) -> str:
    """The path of the receipt's QR (what receipts.invoice_url puts after the base URL)."""
    with current_app.test_request_context():
        query = {"order": order.order_no, "sig": signature or sig(order)}
    return "/invoice?" + urlencode(query)


def buyer(**more) -> dict:
    """A person's invoice, sent to an email address."""
    return {"buyer_type": "personal", "buyer_name": "张三", "email": "zhangsan@example.com"} | more


def company(**more) -> dict:
    return (
        buyer(
            buyer_type="company", buyer_name="云南某某物流有限公司", tax_number="91530100MA6K0A1B2C"
        )
        | more
    )


def ask(order: Order, form: dict | None = None):
    """The driver's request through the service, with the receipt's signature."""
    from app.services import invoices

    return invoices.request_invoice(order.order_no, sig(order), form or buyer())


def requests_of(order: Order | None = None) -> list[InvoiceRequest]:
    db.session.expire_all()
    query = select(InvoiceRequest).order_by(InvoiceRequest.id)
    if order is not None:
        query = query.where(InvoiceRequest.order_id == order.id)
    return list(db.session.scalars(query))


class Phone:
    """A driver's phone browser on the invoice page: keeps the session cookie and the form's
    CSRF token, as the page gives them."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def get(self, url):
        response = self.client.get(url)
        found = CSRF_INPUT.search(page(response))
        if found:
            self.token = found.group(1)
        return response

    def post(self, url, form: dict, csrf: bool = True):
        data = form | ({"csrf_token": self.token} if csrf and self.token else {})
        return self.client.post(url, data=data)

"""申请开票: the page a receipt's QR opens. The e-invoice flow is not built yet, so the page
checks the link's signature and says so; the order number is kept in the link."""

from flask import Blueprint, render_template, request
from sqlalchemy import select

from app.extensions import db
from app.models import Order, Station
from app.services.counter.receipts import invoice_signature_ok

bp = Blueprint("invoice_request", __name__)


@bp.get("/invoice")
def invoice_request():
    order_no = (request.args.get("order") or "").strip()
    if not invoice_signature_ok(order_no, request.args.get("sig", "")):
        return render_template("invoice_request.html", order=None), 404
    query = select(Order.order_no, Order.amount_fen, Order.dispensed_fen, Station.name).join(
        Station, Station.id == Order.station_id
    )
    order = db.session.execute(query.where(Order.order_no == order_no)).first()
    return render_template("invoice_request.html", order=order), 200 if order else 404

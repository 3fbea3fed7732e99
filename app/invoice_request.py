"""申请开票: the page a receipt's QR opens on the driver's phone. It shows the order and what it
would be invoiced, and either the form (个人 or 单位, title, tax number, email, phone) or how
the request stands (已申请, 已开具 with the number, 已驳回 with the reason and the form again).
services.invoices decides; this parses the form and shows the outcome."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from wtforms import EmailField, RadioField, SelectChoice, StringField, TelField
from wtforms.meta import DefaultMeta

from app.extensions import limiter
from app.models import BUYER_TYPES
from app.services import invoices
from app.services.platform.errors import Conflict, Invalid, NotFound

bp = Blueprint("invoice_request", __name__)

# Per address: enough for a few corrections of the form, not for trying links in bulk.
POST_LIMIT = "10 per minute;60 per hour"
# Nothing but our own files, no framing; the link carries the signature: no Referer.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class InvoiceForm(FlaskForm):
    """Types and renders the fields (and carries the CSRF token); the service checks them."""

    class Meta:
        locales = ("zh",)

        def get_translations(self, form):
            return DefaultMeta.get_translations(self, form)

    buyer_type = RadioField(
        "抬头类型",
        choices=[SelectChoice(value, label) for value, label in BUYER_TYPES.items()],
        default="personal",
        validate_choice=False,
    )
    buyer_name = StringField("发票抬头")
    tax_number = StringField("纳税人识别号")
    email = EmailField("电子邮箱")
    phone = TelField("手机号（选填）")


@bp.after_request
def page_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _link() -> tuple[str, str]:
    return (request.args.get("order") or "").strip(), request.args.get("sig") or ""


def _show(page, form: InvoiceForm, status: int = 200):
    order_no, sig = _link()
    action = url_for("invoice_request.invoice_request_post", order=order_no, sig=sig)
    context = {
        "page": page,
        "form": form,
        "action": action,
        "window_days": invoices.WINDOW_DAYS,
        "masked_email": invoices.masked_email,
    }
    return render_template("invoice_request.html", **context), status


def _bad_link():
    return render_template("invoice_request.html", page=None), 404


def _page_or_none():
    try:
        return invoices.invoice_page(*_link())
    except NotFound:
        return None


@bp.get("/invoice")
def invoice_request():
    page = _page_or_none()
    if page is None:
        return _bad_link()
    form = InvoiceForm(formdata=None)
    last = page.request
    if last is not None and last.status == "rejected":
        # Asked again: the buyer as sent (what a rejection is usually about); the email and
        # phone are not shown back to whoever holds the receipt.
        form.buyer_type.data, form.buyer_name.data = last.buyer_type, last.buyer_name
        form.tax_number.data = last.tax_number
    return _show(page, form)


@bp.post("/invoice")
@limiter.limit(POST_LIMIT)
def invoice_request_post():
    order_no, sig = _link()
    form = InvoiceForm()
    try:
        invoices.request_invoice(order_no, sig, request.form)
    except NotFound:
        return _bad_link()
    except Invalid as err:
        for name, message in err.fields.items():
            field = getattr(form, name, None) if name else None
            if field is not None:
                field.errors = [message]
            else:
                form.form_errors.append(message)
        page = _page_or_none()
        return _show(page, form, 400) if page else _bad_link()
    except Conflict as err:
        flash(err.message, "error")
        return redirect(url_for(".invoice_request", order=order_no, sig=sig), 303)
    flash("已提交开票申请，油站开具后发票将发送到您的邮箱", "success")
    return redirect(url_for(".invoice_request", order=order_no, sig=sig), 303)


@bp.errorhandler(CSRFError)
def page_expired(err: CSRFError):
    """The session ended (or the page is older than it): the form again, as it was filled."""
    page = _page_or_none()
    if page is None:
        return _bad_link()
    form = InvoiceForm()  # the posted fields, and a fresh token
    form.form_errors.append("页面已过期，请核对后重新提交")
    return _show(page, form, 400)


@bp.errorhandler(429)
def too_many_requests(err):
    page = _page_or_none()
    if page is None:
        return _bad_link()
    form = InvoiceForm(formdata=None)
    form.form_errors.append("提交过于频繁，请一分钟后再试")
    return _show(page, form, 429)

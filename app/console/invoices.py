"""开票: drivers' invoice requests at the staff member's stations, those waiting first; each
marked issued (with the number of the invoice made by hand) or rejected (with a reason), and the
list as an Excel sheet. services.invoices decides who may and what moves; these views parse the
forms and show the outcome."""

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user
from wtforms import DateField, StringField
from wtforms.validators import Optional

from app.console import bp
from app.console.forms import ConsoleForm
from app.console.member_forms import ReasonForm
from app.console.web import (
    actor,
    done,
    fragment,
    is_partial,
    page_number,
    refused,
    show_errors,
    typed_args,
)
from app.console.xlsx import MAX_ROWS, Yuan, download
from app.models import BUYER_TYPES, INVOICE_STATUSES
from app.models.base import utcnow
from app.services import invoices
from app.services.invoices import handling, listing
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid
from app.services.platform.money import fen_to_yuan
from app.services.staff import access

ROLES = handling.ROLES
ALIASES = {"reject_reason": "reason"}


class IssueForm(ConsoleForm):
    invoice_no = StringField("发票号码")
    issued_on = DateField("开票日期", validators=[Optional()])


@bp.app_context_processor
def invoice_pages():
    """The menu's entry and its count of requests waiting, for those who handle them."""

    def may_invoice() -> bool:
        return current_user.is_authenticated and current_user.role in ROLES

    def count() -> int:
        return invoices.count_waiting(actor()) if current_user.is_authenticated else 0

    return {"may_invoice": may_invoice, "invoice_waiting_count": count}


def _filter_args() -> dict[str, str]:
    """The filters as typed, blanks dropped: for the form, the pager and the export link."""
    return typed_args(listing.FILTER_NAMES)


def _issue_form() -> IssueForm:
    form = IssueForm(formdata=None)
    form.issued_on.data = to_local(utcnow()).date()
    return form


def _list_context() -> tuple[dict, int]:
    me = actor()
    handling.stations(me)  # refuses other roles before anything else
    args = _filter_args()
    page, errors = None, {}
    try:
        page = listing.search(me, listing.read_filters(args), page_number(listing.MAX_PAGE))
    except Invalid as err:
        errors = err.fields
    context = {
        "args": args,
        "errors": errors,
        "labels": listing.LABELS,
        "page": page,
        "statuses": INVOICE_STATUSES,
        "station_choices": [(s.id, s.name) for s in access.counter_stations(me)],
        "page_url": lambda n: url_for("console.invoices", **args, **({"page": n} if n > 1 else {})),
        "export_url": url_for("console.invoice_export", **args),
        "issue_form": _issue_form(),
        "reason_form": ReasonForm(formdata=None),
        "failed": None,
    }
    return context, 200 if page else 400


@bp.get("/invoices", endpoint="invoices")
def invoice_list():
    if current_user.role not in ROLES:
        abort(403)
    context, status = _list_context()
    if is_partial():
        return fragment("console/invoices/partials/_list.html", status, **context)
    return render_template("console/invoices/list.html", **context), status


def _after_decision(request_id: int, status: int = 200, failed=None):
    """The row again (HTMX) with the menu's count, or back to the list."""
    if not is_partial():
        if failed:
            flash("；".join(e for f in failed[1] for e in f.errors) or "请检查填写的内容", "error")
        return done(url_for("console.invoices"))
    context = {
        "row": listing.get_row(actor(), request_id),
        "statuses": INVOICE_STATUSES,
        "issue_form": failed[1] if failed and isinstance(failed[1], IssueForm) else _issue_form(),
        "reason_form": ReasonForm(formdata=None),
        "failed": failed,
        "count_oob": True,
    }
    return fragment("console/invoices/partials/_row.html", status, **context)


@bp.post("/invoices/<int:request_id>/issue")
def invoice_issue(request_id: int):
    form = IssueForm()
    if not form.validate_on_submit():
        if form.issued_on.errors:
            form.issued_on.errors = ["开票日期应为 年-月-日"]
        return _after_decision(request_id, 400, failed=(request_id, form))
    try:
        made = invoices.mark_issued(actor(), request_id, form.invoice_no.data, form.issued_on.data)
    except Invalid as err:
        show_errors(form, err)
        return _after_decision(request_id, 400, failed=(request_id, form))
    except Conflict as err:
        flash(err.message, "error")
    else:
        amount = fen_to_yuan(made.amount_fen)
        flash(f"已标记开票：发票号码 {made.invoice_no}，金额 {amount} 元", "success")
    return _after_decision(request_id)


@bp.post("/invoices/<int:request_id>/reject")
def invoice_reject(request_id: int):
    form = ReasonForm()
    if refused(
        form,
        lambda: invoices.reject(actor(), request_id, form.reason.data),
        lambda _: "已驳回开票申请，车主扫码可看到驳回原因并重新申请",
        ALIASES,
    ):
        return _after_decision(request_id, 400, failed=(request_id, form))
    return _after_decision(request_id)


HEADER = [
    "申请时间",
    "状态",
    "订单号",
    "油站",
    "加油时间",
    "油品",
    "升数",
    "开票金额（元）",
    "抬头类型",
    "发票抬头",
    "纳税人识别号",
    "电子邮箱",
    "手机号",
    "发票号码",
    "开票日期",
    "驳回原因",
    "处理人",
    "处理时间",
    "开票后有退款",
]


@bp.get("/invoices/export.xlsx")
def invoice_export():
    """The list as filtered, as an Excel sheet (MAX_ROWS at most)."""
    me = actor()
    handling.stations(me)
    filters = listing.read_filters(request.args)  # Invalid: a 400 page that says why
    rows = (
        [
            r.request.requested_at,
            INVOICE_STATUSES[r.request.status],
            r.order_no,
            r.station_name,
            r.sold_at,
            r.fuel_name,
            None if r.dispensed_ml is None else r.dispensed_ml / 1000,
            Yuan(r.request.amount_fen),
            BUYER_TYPES[r.request.buyer_type],
            r.request.buyer_name,
            r.request.tax_number,
            r.request.email,
            r.phone,
            r.request.invoice_no,
            r.request.issued_on.isoformat() if r.request.issued_on else "",
            r.request.reject_reason,
            r.handled_by or "",
            r.request.handled_at,
            "是" if r.request.status == "issued" and r.refunded_since else "",
        ]
        for r in listing.export_rows(me, filters, MAX_ROWS + 1)
    )
    stamp = to_local(utcnow()).strftime("%Y%m%d-%H%M")
    return download(f"开票申请-{stamp}", "开票申请", HEADER, rows)

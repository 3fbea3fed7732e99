"""订单退款: refunding a paid order at the counter (柜台退款: its own page, and a partial an order
page can include), the list of refund requests in every state (the counter's and drivers'
from the mini-program, payments.driver_refunds), and managers' decisions on those waiting (a
counter refund above the station's threshold, every driver's request), with their count in
the menu. payments.counter_refunds decides who may and what moves; these views parse the
forms and show the outcome."""

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user, logout_user
from wtforms import PasswordField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.console import bp
from app.console.approvals import SECTIONS, Section, page_number
from app.console.forms import REQUIRED, ConsoleForm, parse_yuan
from app.console.member_forms import ActionForm, ReasonForm
from app.console.web import (
    actor,
    done,
    fragment,
    go_to,
    has_errors,
    is_partial,
    refused,
    show_errors,
)
from app.models import COUNTER_REFUND_REASONS, ORDER_STATUSES, REFUND_REQUEST_CHANNELS, Staff
from app.models.order import PAYMENT_METHOD_NAMES, REFUND_ROUTES
from app.services.payments import counter_refund_list, counter_refunds
from app.services.platform.errors import Conflict, Invalid
from app.services.platform.money import fen_to_yuan
from app.services.staff import access, reauth

PER_PAGE = 20
# The services' field names as the forms call them.
ALIASES = {"amount_fen": "amount", "reason_code": "reason", "reject_reason": "reason"}


class CounterRefundForm(ConsoleForm):
    amount = StringField("退款金额（元）", validators=[DataRequired(REQUIRED)])
    # The choices are checked by the service, whose message names the field.
    reason = RadioField(
        "退款原因",
        choices=[SelectChoice(value, label) for value, label in COUNTER_REFUND_REASONS.items()],
        validate_choice=False,
    )
    note = TextAreaField("说明", validators=[Length(max=200, message="最多 200 个字")])
    # Shown for walk-in sales paid by card or on the terminal; the service says when it is needed.
    reference = StringField(
        "退款参考号", validators=[Length(max=64, message="退款参考号最多 64 个字符")]
    )
    secret = PasswordField(
        "您的登录密码或 PIN", validators=[DataRequired("请输入您的登录密码或 PIN 以确认退款")]
    )


@bp.app_context_processor
def counter_refund_pages():
    """The menu's entry and the refund link shown beside an order, for those who may refund."""

    def may_refund() -> bool:
        return current_user.is_authenticated and current_user.role in ("cashier", *DECIDERS)

    def refund_request_count() -> int:
        """Refund requests waiting for this manager's decision (0 for other roles)."""
        return counter_refund_list.count_waiting(actor()) if may_refund() else 0

    return {"may_refund": may_refund, "refund_request_count": refund_request_count}


DECIDERS = counter_refunds.DECIDE_ROLES


# --- the refund form --------------------------------------------------------------------------


def _form_page(order_id: int, form: CounterRefundForm, status: int = 200):
    info = counter_refund_list.order_for_refund(actor(), order_id)
    context = {
        "info": info,
        "form": form,
        "reasons": COUNTER_REFUND_REASONS,
        "order_statuses": ORDER_STATUSES,
        "methods": PAYMENT_METHOD_NAMES,
        "routes": REFUND_ROUTES,
        "channels": REFUND_REQUEST_CHANNELS,
    }
    return render_template("console/counter_refunds/refund.html", **context), status


@bp.get("/orders/<int:order_id>/refund")
def order_refund(order_id: int):
    form = CounterRefundForm(formdata=None)
    form.reason.data = None
    return _form_page(order_id, form)


@bp.post("/orders/<int:order_id>/refund")
def order_refund_post(order_id: int):
    form = CounterRefundForm()
    form.validate_on_submit()
    amount_fen = parse_yuan(form.amount)
    if not form.reason.data:
        form.reason.errors = ["请选择退款原因"]
    if has_errors(form):
        return _form_page(order_id, form, 400)
    me = actor()
    try:
        made = counter_refunds.request_refund(
            me,
            order_id,
            amount_fen,
            form.reason.data,
            form.note.data,
            form.secret.data,
            reference=form.reference.data,
        )
    except Invalid as err:
        show_errors(form, err, aliases=ALIASES)
        return _form_page(order_id, form, 400)
    except reauth.LockedOut as err:
        logout_user()
        flash(err.message, "error")
        return go_to(url_for("console.login"))
    amount = fen_to_yuan(made.amount_fen)
    if made.status == "sent":
        how = {
            "cash": "，请从钱箱付给车主",
            "pos": "，已记银行卡撤销/退货",
            "terminal": "，已记收款终端退款",
        }
        method = counter_refund_list.order_for_refund(me, order_id).order.payment_method
        flash(f"已退款 {amount} 元{how.get(method, '，原路退回车主')}", "success")
    else:
        flash(f"退款 {amount} 元超过本站审批金额，已提交站长审批", "success")
    return done(url_for("console.order_refund", order_id=order_id))


# --- the list --------------------------------------------------------------------------------


def _list_context() -> dict:
    me = actor()
    state = request.args.get("state") or None
    station_id = request.args.get("station_id", type=int)
    channel = request.args.get("channel") or None
    number = max(request.args.get("page", 1, type=int), 1)
    rows, has_next = counter_refund_list.list_requests(
        me, state, station_id, number, PER_PAGE, channel=channel
    )

    def page_url(n: int) -> str:
        args = {"state": state, "station_id": station_id, "channel": channel}
        return url_for("console.counter_refunds", **args, page=n if n > 1 else None)

    return {
        "rows": rows,
        "state": state,
        "station_id": station_id,
        "states": counter_refund_list.STATES,
        "channel": channel,
        "channels": REFUND_REQUEST_CHANNELS,
        "stations": access.managed_stations(me),
        "page": number,
        "has_next": has_next,
        "page_url": page_url,
        "action_form": ActionForm(formdata=None),
        "failed": None,
    }


@bp.get("/counter-refunds", endpoint="counter_refunds")
def counter_refunds_page():
    if current_user.role not in ("cashier", *DECIDERS):
        abort(403)
    context = _list_context()
    if is_partial():
        return fragment("console/counter_refunds/partials/_list.html", **context)
    return render_template("console/counter_refunds/list.html", **context)


@bp.get("/counter-refunds/find")
def counter_refund_find():
    """From an order number on the receipt to its refund form."""
    try:
        order = counter_refund_list.find_order(actor(), request.args.get("order_no", ""))
    except Invalid as err:
        flash(err.message, "error")
        return done(url_for("console.counter_refunds"))
    return done(url_for("console.order_refund", order_id=order.id))


def _after_decision(request_id: int, status: int = 200, failed=None):
    """The row again (HTMX) with the menu's count, or back to the list."""
    if not is_partial():
        if failed:
            flash("；".join(failed[1].reason.errors) or "请填写驳回原因", "error")
        return done(url_for("console.counter_refunds"))
    row = counter_refund_list.get_row(actor(), request_id)
    context = {
        "row": row,
        "states": counter_refund_list.STATES,
        "action_form": ActionForm(formdata=None),
        "failed": failed,
    }
    return fragment("console/counter_refunds/partials/_row.html", status, count_oob=True, **context)


@bp.post("/counter-refunds/<int:request_id>/approve")
def counter_refund_approve(request_id: int):
    if ActionForm().validate_on_submit():
        try:
            reference = request.form.get("reference")
            decided = counter_refunds.approve(actor(), request_id, reference)
        except (Conflict, Invalid) as err:
            flash(err.message, "error")
            if isinstance(err, Invalid):
                return _after_decision(request_id, 400)
        else:
            amount = fen_to_yuan(decided.amount_fen)
            whose = "车主申请的" if decided.channel == "driver" else ""
            flash(f"已同意{whose}退款 {amount} 元，已按原付款方式退回车主", "success")
    return _after_decision(request_id)


@bp.post("/counter-refunds/<int:request_id>/reject")
def counter_refund_reject(request_id: int):
    form = ReasonForm()
    if refused(
        form,
        lambda: counter_refunds.reject(actor(), request_id, form.reason.data),
        lambda made: f"已驳回退款 {fen_to_yuan(made.amount_fen)} 元：{made.reject_reason}",
        ALIASES,
    ):
        return _after_decision(request_id, 400, failed=(request_id, form))
    return _after_decision(request_id)


# --- 审核: pending counter refunds beside the other requests --------------------------------


def _approvals_context(me: Staff, station_id: int | None) -> dict:
    number = page_number("counter_refunds_page")
    rows, has_next = counter_refund_list.list_requests(me, "pending", station_id, number, PER_PAGE)
    return {
        "counter_rows": rows,
        "states": counter_refund_list.STATES,
        "counter_page": number,
        "counter_has_next": has_next,
        "counter_page_url": lambda n: url_for(
            "console.approvals", counter_refunds_page=n if n > 1 else None, station_id=station_id
        ),
    }


SECTIONS.append(
    Section(
        "console/counter_refunds/partials/_approvals.html",
        _approvals_context,
        counter_refund_list.count_waiting,
    )
)

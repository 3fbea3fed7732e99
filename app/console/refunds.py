"""待处理退款: WeChat refunds that never reached the driver, re-issued or paid into the wallet.

Who may see and act is decided by the service (managers for their stations, chain admins for
all); these views only parse the forms and show the outcome."""

from flask import flash, render_template, request, url_for
from flask_login import current_user
from wtforms import RadioField, TextAreaField

from app.console import bp
from app.console.forms import ConsoleForm
from app.console.web import actor, done, fragment, is_partial, show_errors
from app.services.payments import refund_followup
from app.services.platform.errors import Conflict, Invalid
from app.services.platform.money import fen_to_yuan
from app.services.staff import access

STATES = {
    "CLOSED": (
        "退款关闭",
        "微信支付关闭了这笔退款：超过 7 天仍未完成（通常是商户号余额不足），钱没有退出。"
        "请确认商户号余额充足后重新发起，或征得车主同意后退回钱包。",
    ),
    "ABNORMAL": (
        "退款异常",
        "原路退回失败：车主的银行卡已注销或冻结，钱停在微信支付的退款中间账户，重新原路退款仍会失败。"
        "请征得车主同意后退回钱包，再在微信支付商户平台把这笔异常退款退回商户账户。",
    ),
}
KINDS = {
    "settlement": "加油差额退款",
    "cancel": "取消订单退款",
    "manual": "人工退款",
    "topup": "充值本金退款",
}


class ReissueForm(ConsoleForm):
    """Only the CSRF token: the refund is in the URL."""


class WalletForm(ConsoleForm):
    # The choices are checked by the service, whose message names the field.
    consent_channel = RadioField("车主同意的方式", validate_choice=False)
    consent_note = TextAreaField("沟通说明")


@bp.app_context_processor  # error pages outside the blueprint show the navigation too
def owed_refund_count():
    """The navigation's count of refunds waiting, computed only where a page shows it."""

    def count() -> int:
        return refund_followup.count_owed(actor()) if current_user.is_authenticated else 0

    return {"owed_refund_count": count}


def _station_filter() -> int | None:
    return request.values.get("station_id", type=int)


def _context(failed: tuple[int, WalletForm] | None = None) -> dict:
    me, station_id = actor(), _station_filter()
    return {
        "rows": refund_followup.owed_refunds(me, station_id=station_id),
        "stations": access.managed_stations(me),
        "station_id": station_id,
        "states": STATES,
        "kinds": KINDS,
        "channels": refund_followup.CONSENT_CHANNELS,
        "action_form": ReissueForm(formdata=None),
        "failed": failed,
    }


def _list_or_back(status: int = 200, failed=None):
    if is_partial():
        context = _context(failed)
        return fragment("console/partials/_refund_list.html", status, count_oob=True, **context)
    if failed:
        return render_template("console/refunds.html", **_context(failed)), status
    return done(url_for("console.owed_refunds", station_id=_station_filter()))


@bp.get("/refunds")
def owed_refunds():
    context = _context()
    if is_partial():
        return fragment("console/partials/_refund_list.html", **context)
    return render_template("console/refunds.html", **context)


@bp.post("/refunds/<int:refund_id>/reissue")
def refund_reissue(refund_id: int):
    """A new WeChat refund of the same money; the outbox sends it."""
    if ReissueForm().validate_on_submit():
        try:
            new = refund_followup.reissue(actor(), refund_id)
        except Conflict as err:
            flash(err.message, "error")
        else:
            message = f"已重新向微信发起退款 {fen_to_yuan(new.amount_fen)} 元"
            flash(f"{message}（退款单号 {new.out_refund_no}），到账后车主会收到微信通知", "success")
    return _list_or_back()


@bp.post("/refunds/<int:refund_id>/wallet")
def refund_to_wallet(refund_id: int):
    """Into the driver's wallet, with how the driver agreed and the staff's note."""
    form = WalletForm()
    if form.validate_on_submit():
        channel, note = form.consent_channel.data, form.consent_note.data
        try:
            new = refund_followup.return_to_wallet(actor(), refund_id, channel, note)
        except Invalid as err:
            show_errors(form, err)
            return _list_or_back(400, failed=(refund_id, form))
        except Conflict as err:
            flash(err.message, "error")
        else:
            amount = fen_to_yuan(new.amount_fen)
            flash(f"已将 {amount} 元退回车主钱包（退款单号 {new.out_refund_no}）", "success")
    return _list_or_back()

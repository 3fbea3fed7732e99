"""What staff do on a member's page: freeze or unfreeze the wallet (managers and chain
admins, with a reason) and record a counter top-up for a manager to approve (cashiers too)."""

from flask import flash, render_template, request, url_for

from app.console import bp
from app.console.member_forms import CounterTopupForm, ReasonForm
from app.console.members import member_context, topup_form_context
from app.console.web import actor, done, fragment, has_errors, is_partial, show_errors
from app.services.members import counter_topups, lookup, wallet_admin
from app.services.platform.errors import Conflict, Invalid
from app.services.platform.money import fen_to_yuan


def _station_id() -> int | None:
    return request.form.get("station_id", type=int) or request.args.get("station_id", type=int)


def _back(member_id: int):
    station_id = _station_id()
    args = {"station_id": station_id} if station_id else {}
    return done(url_for("console.member_page", member_id=member_id, **args))


def _wallet_answer(member_id: int, status: int = 200, **failed):
    """The wallet card again (HTMX) or the member's page (a failed form stays open in it)."""
    context = member_context(member_id, **failed)
    if is_partial():
        return fragment("console/members/partials/_wallet.html", status, **context)
    if status >= 400:
        return render_template("console/members/member.html", **context), status
    return _back(member_id)


@bp.post("/members/<int:member_id>/wallet/freeze")
def member_freeze(member_id: int):
    return _freeze_or_unfreeze(member_id, wallet_admin.freeze_wallet, "freeze")


@bp.post("/members/<int:member_id>/wallet/unfreeze")
def member_unfreeze(member_id: int):
    return _freeze_or_unfreeze(member_id, wallet_admin.unfreeze_wallet, "unfreeze")


def _freeze_or_unfreeze(member_id: int, action, name: str):
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            action(actor(), member_id, form.reason.data, _station_id())
        except Invalid as err:
            show_errors(form, err)
        except Conflict as err:
            flash(err.message, "error")
        else:
            if name == "freeze":
                flash("已冻结钱包：冻结期间不能用钱包付款，充值仍可到账", "success")
            else:
                flash("已解冻钱包，可以正常使用钱包付款", "success")
    if has_errors(form):
        return _wallet_answer(member_id, 400, reason_form=form, failed_action=name)
    return _wallet_answer(member_id)


@bp.post("/members/<int:member_id>/topups")
def member_topup(member_id: int):
    """A counter top-up waiting for approval; the form's request_no makes a resend harmless."""
    me = actor()
    lookup.get_member(me, member_id)  # another chain's member: 404 before anything else
    form = CounterTopupForm()
    form.validate()
    amount = form.amount_fen()
    if not has_errors(form):
        try:
            topup = counter_topups.request_counter_topup(
                me,
                form.station_id.data,
                member_id,
                form.channel.data,
                amount,
                form.pos_reference.data,
                form.note.data,
                package_id=form.package(),
                request_no=form.request_no.data or None,
            )
        except Invalid as err:
            show_errors(form, err, aliases={"request_no": ""})
        except Conflict as err:
            show_errors(form, {"": err.message})
        else:
            bonus = f"（赠送 {fen_to_yuan(topup.bonus_fen)} 元）" if topup.bonus_fen else ""
            flash(
                f"已提交柜台充值 {fen_to_yuan(topup.principal_fen)} 元{bonus}，站长审核通过后到账",
                "success",
            )
            if not is_partial():
                return _back(member_id)
            context = member_context(member_id)
            return fragment("console/members/partials/_topup_form.html", topups_oob=True, **context)
    station = lookup.working_station(me, _station_id())
    context = member_context(member_id, **topup_form_context(me, station, form))
    if is_partial():
        return fragment("console/members/partials/_topup_form.html", 400, **context)
    return render_template("console/members/member.html", **context), 400

"""审核: what waits for a manager's decision at their stations, with its count in the menu.
Its first section is the counter top-ups (approve, or reject with a reason); each further
kind of request is one more section (SECTIONS) with its own list and count."""

from flask import flash, render_template, request, url_for
from flask_login import current_user

from app.console import bp
from app.console.member_forms import ActionForm, ReasonForm
from app.console.web import actor, done, fragment, is_partial, show_errors
from app.models import TOPUP_CHANNELS
from app.services.members import counter_topups
from app.services.platform.errors import Conflict, Invalid
from app.services.platform.money import fen_to_yuan
from app.services.staff import access

PER_PAGE = 20


def approval_count(me) -> int:
    """Everything waiting for this manager's decision (0 for roles that decide nothing)."""
    return counter_topups.count_pending(me)


@bp.app_context_processor
def approvals_badge():
    """The navigation's count, computed only where a page shows it."""

    def count() -> int:
        return approval_count(actor()) if current_user.is_authenticated else 0

    return {"approval_count": count}


def _station_filter() -> int | None:
    return request.values.get("station_id", type=int)


def _context(failed: tuple[int, ReasonForm] | None = None) -> dict:
    me, station_id = actor(), _station_filter()
    number = max(request.values.get("page", 1, type=int), 1)
    rows, has_next = counter_topups.list_pending(me, station_id, number, PER_PAGE)
    return {
        "topups": rows,
        "page_number": number,
        "has_next": has_next,
        "page_url": lambda n: url_for(
            "console.approvals", page=n if n > 1 else None, station_id=station_id
        ),
        "stations": access.managed_stations(me),
        "station_id": station_id,
        "me": me,
        "channels": TOPUP_CHANNELS,
        "action_form": ActionForm(formdata=None),
        "failed": failed,
    }


def _list_or_back(status: int = 200, failed=None):
    if is_partial():
        return fragment(
            "console/approvals/partials/_topup_queue.html",
            status,
            count_oob=True,
            **_context(failed),
        )
    if failed:
        return render_template("console/approvals/queue.html", **_context(failed)), status
    return done(url_for("console.approvals", station_id=_station_filter()))


@bp.get("/approvals")
def approvals():
    context = _context()
    if is_partial():
        return fragment("console/approvals/partials/_topup_queue.html", **context)
    return render_template("console/approvals/queue.html", **context)


@bp.post("/approvals/topups/<int:topup_id>/approve")
def topup_approve(topup_id: int):
    if ActionForm().validate_on_submit():
        try:
            topup = counter_topups.approve_counter_topup(actor(), topup_id)
        except Conflict as err:
            flash(err.message, "error")
        else:
            bonus = f"，赠送金 {fen_to_yuan(topup.bonus_fen)} 元" if topup.bonus_fen else ""
            flash(
                f"已审核通过：{fen_to_yuan(topup.principal_fen)} 元已充入会员钱包{bonus}", "success"
            )
    return _list_or_back()


@bp.post("/approvals/topups/<int:topup_id>/reject")
def topup_reject(topup_id: int):
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            topup = counter_topups.reject_counter_topup(actor(), topup_id, form.reason.data)
        except Invalid as err:
            show_errors(form, err)
            return _list_or_back(400, failed=(topup_id, form))
        except Conflict as err:
            flash(err.message, "error")
        else:
            flash(
                f"已驳回充值 {fen_to_yuan(topup.principal_fen)} 元：{topup.reject_reason}",
                "success",
            )
    elif form.errors:
        return _list_or_back(400, failed=(topup_id, form))
    return _list_or_back()

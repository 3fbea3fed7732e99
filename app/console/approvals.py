"""审核: what waits for a manager's decision at their stations, with its count in the menu.

The page is a list of sections, one per kind of request (SECTIONS): counter top-ups here; a
module adding another kind registers its Section (template, context, count) when imported, and
its actions answer with its own partial and the menu's count."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, render_template, request, url_for
from flask_login import current_user

from app.console import bp
from app.console.member_forms import ActionForm, ReasonForm
from app.console.web import actor, done, fragment, is_partial, show_errors
from app.models import TOPUP_CHANNELS, Staff
from app.services.members import counter_topups
from app.services.platform.errors import Conflict, Invalid
from app.services.platform.money import fen_to_yuan
from app.services.staff import access

PER_PAGE = 20


@dataclass(frozen=True)
class Section:
    """One kind of request in the queue: its partial, what the partial needs (given the actor
    and the station filter; it reads its own page number), and how many wait for this actor.
    A failed form reaches the partial as `failed`: (section name, row id, form)."""

    template: str
    context: Callable[[Staff, int | None], dict]
    count: Callable[[Staff], int]


SECTIONS: list[Section] = []


def approval_count(me: Staff) -> int:
    """Everything waiting for this manager's decision (0 for roles that decide nothing)."""
    return sum(section.count(me) for section in SECTIONS)


@bp.app_context_processor
def approvals_badge():
    """The navigation's count, computed only where a page shows it."""

    def count() -> int:
        return approval_count(actor()) if current_user.is_authenticated else 0

    return {"approval_count": count}


def station_filter() -> int | None:
    return request.values.get("station_id", type=int)


def page_number(name: str) -> int:
    """A section's own page: ?topups_page=2 pages the counter top-ups only."""
    return max(request.values.get(name, 1, type=int), 1)


def _page_context(failed=None, only: Section | None = None) -> dict:
    me, station_id = actor(), station_filter()
    context = {
        "stations": access.managed_stations(me),
        "station_id": station_id,
        "me": me,
        "action_form": ActionForm(formdata=None),
        "failed": failed,
        "sections": SECTIONS,
    }
    for section in [only] if only else SECTIONS:
        context |= section.context(me, station_id)
    return context


def answer(section: Section, status: int = 200, failed=None):
    """After an action in a section: that section again with the menu's count (HTMX), the
    page with the failed form open, or back to the page (see-other)."""
    if is_partial():
        context = _page_context(failed, only=section)
        return fragment(section.template, status, count_oob=True, **context)
    if failed:
        return render_template("console/approvals/queue.html", **_page_context(failed)), status
    return done(url_for("console.approvals", station_id=station_filter()))


@bp.get("/approvals")
def approvals():
    context = _page_context()
    if is_partial():  # the station filter: every section again
        return fragment("console/approvals/partials/_sections.html", **context)
    return render_template("console/approvals/queue.html", **context)


# Counter top-ups


def _topups_context(me: Staff, station_id: int | None) -> dict:
    number = page_number("topups_page")
    rows, has_next = counter_topups.list_pending(me, station_id, number, PER_PAGE)
    return {
        "topups": rows,
        "topups_page": number,
        "topups_has_next": has_next,
        "topups_page_url": lambda n: url_for(
            "console.approvals", topups_page=n if n > 1 else None, station_id=station_id
        ),
        "channels": TOPUP_CHANNELS,
    }


TOPUPS = Section(
    "console/approvals/partials/_topup_queue.html", _topups_context, counter_topups.count_pending
)
SECTIONS.append(TOPUPS)


@bp.post("/approvals/topups/<int:topup_id>/approve")
def topup_approve(topup_id: int):
    if ActionForm().validate_on_submit():
        try:
            topup = counter_topups.approve_counter_topup(actor(), topup_id)
        except Conflict as err:
            flash(err.message, "error")
        else:
            bonus = f"，赠送金 {fen_to_yuan(topup.bonus_fen)} 元" if topup.bonus_fen else ""
            amount = fen_to_yuan(topup.principal_fen)
            flash(f"已审核通过：{amount} 元已充入会员钱包{bonus}", "success")
    return answer(TOPUPS)


@bp.post("/approvals/topups/<int:topup_id>/reject")
def topup_reject(topup_id: int):
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            topup = counter_topups.reject_counter_topup(actor(), topup_id, form.reason.data)
        except Invalid as err:
            show_errors(form, err)
            return answer(TOPUPS, 400, failed=("topup", topup_id, form))
        except Conflict as err:
            flash(err.message, "error")
        else:
            amount = fen_to_yuan(topup.principal_fen)
            flash(f"已驳回充值 {amount} 元：{topup.reject_reason}", "success")
    elif form.errors:
        return answer(TOPUPS, 400, failed=("topup", topup_id, form))
    return answer(TOPUPS)

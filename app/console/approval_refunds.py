"""审核, second section: drivers' requests to have a WeChat top-up's unspent principal refunded
(members.topup_refunds decides who may and what goes back). Importing this module adds the
section to the queue and its count to the menu's."""

from flask import flash, url_for

from app.console import bp
from app.console.approvals import SECTIONS, Section, answer, page_number
from app.console.member_forms import ActionForm, ReasonForm
from app.console.web import actor, show_errors
from app.models import Staff
from app.services.ledger import WalletFrozen
from app.services.members import topup_refund_queue, topup_refunds
from app.services.platform.errors import Conflict, Invalid
from app.services.platform.money import fen_to_yuan
from app.services.staff import access

PER_PAGE = 20


def _context(me: Staff, station_id: int | None) -> dict:
    if station_id is not None:
        access.station_for_manager(me, station_id)
    number = page_number("refunds_page")
    found = topup_refund_queue.list_refund_requests(
        me, "requested", number, PER_PAGE, station_id=station_id
    )
    return {
        "refund_requests": found.items,
        "refunds_page": found.page,
        "refunds_has_next": found.has_more,
        "refunds_page_url": lambda n: url_for(
            "console.approvals", refunds_page=n if n > 1 else None, station_id=station_id
        ),
    }


REFUNDS = Section(
    "console/approvals/partials/_refund_requests.html",
    _context,
    topup_refund_queue.count_open_refund_requests,
)
SECTIONS.append(REFUNDS)


@bp.post("/approvals/refund-requests/<int:request_id>/approve")
def refund_request_approve(request_id: int):
    if ActionForm().validate_on_submit():
        try:
            decided = topup_refunds.approve_refund_request(actor(), request_id)
        except (Conflict, WalletFrozen) as err:
            flash(err.message, "error")
        else:
            revoked = decided.bonus_revoked_fen
            bonus = f"，扣回赠送金 {fen_to_yuan(revoked)} 元" if revoked else ""
            amount = fen_to_yuan(decided.principal_fen)
            flash(f"已同意退款：{amount} 元本金将原路退回车主微信{bonus}", "success")
    return answer(REFUNDS)


@bp.post("/approvals/refund-requests/<int:request_id>/reject")
def refund_request_reject(request_id: int):
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            decided = topup_refunds.reject_refund_request(actor(), request_id, form.reason.data)
        except Invalid as err:
            show_errors(form, err, aliases={"reject_reason": "reason"})
            return answer(REFUNDS, 400, failed=("refund", request_id, form))
        except Conflict as err:
            flash(err.message, "error")
        else:
            flash(f"已驳回退款申请：{decided.reject_reason}", "success")
    elif form.errors:
        return answer(REFUNDS, 400, failed=("refund", request_id, form))
    return answer(REFUNDS)

"""积分 at the desk: the redemptions (search, paged, exported), verifying a redemption code at
the counter (核销, cashiers too), and a member's points found by phone with the ledger and a
chain admin's adjustment. Who may do what is decided by services/marketing/points."""

from functools import wraps

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from app.console import bp
from app.console.points_forms import AdjustForm, VerifyForm, whole
from app.console.web import (
    actor,
    catalogue_required,
    done,
    fragment,
    is_partial,
    page_number,
    typed_args,
)
from app.console.xlsx import MAX_ROWS, download
from app.models import ENTRY_KINDS, REDEMPTION_STATUSES
from app.models.base import utcnow
from app.services.marketing.points import adjusting, codes, redemption_list
from app.services.members.privacy import mask_phone
from app.services.platform.clock import to_local
from app.services.platform.errors import Invalid, ServiceError
from app.services.staff import access


def counter_required(view):
    """Verifying codes and looking up members' points: the counter's roles."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.role not in access.COUNTER_ROLES:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


# --- redemptions ----------------------------------------------------------------------------

FILTERS = ("phone", "item_id", "status", "station_id")


def _filters() -> dict[str, str]:
    return typed_args(FILTERS)


def _list_context() -> tuple[dict, int]:
    me = actor()
    args, page, errors = _filters(), None, {}
    try:
        page = redemption_list.search(me, redemption_list.read_filters(args), page_number())
    except Invalid as err:
        errors = err.fields
    context = {
        "args": args,
        "errors": errors,
        "labels": redemption_list.LABELS,
        "page": page,
        "statuses": REDEMPTION_STATUSES,
        "items": redemption_list.item_choices(me),
        "stations": access.visible_stations(me),
        "page_url": lambda n: url_for("console.points_redemptions", **args, page=n),
        "export_url": url_for("console.points_redemptions_export", **args),
    }
    return context, 200 if page else 400


@bp.get("/points/redemptions")
@catalogue_required
def points_redemptions():
    context, status = _list_context()
    if is_partial():
        return fragment("console/marketing/partials/_points_redemptions.html", status, **context)
    return render_template("console/marketing/points_redemptions.html", **context), status


@bp.get("/points/redemptions/export.xlsx")
@catalogue_required
def points_redemptions_export():
    filters = redemption_list.read_filters(request.args)  # Invalid: a 400 page saying why
    rows = (
        [
            r.redemption.id,
            r.redemption.item_name,
            r.kind_name,
            r.redemption.points,
            r.member.nickname or "微信用户",
            mask_phone(r.member.phone),
            r.status_name,
            r.redemption.created_at,
            r.redemption.used_at,
            r.station_name or "",
            r.verified_by or "",
        ]
        for r in redemption_list.export_rows(actor(), filters, MAX_ROWS)
    )
    header = ["编号", "商品", "类型", "积分", "会员", "手机号", "状态", "兑换时间", "核销时间"]
    header += ["核销油站", "核销人"]
    stamp = to_local(utcnow()).strftime("%Y%m%d-%H%M")
    return download(f"积分兑换记录-{stamp}", "积分兑换记录", header, rows)


# --- verifying a code -----------------------------------------------------------------------


def _verify_form(posted: bool = False) -> VerifyForm:
    form = VerifyForm() if posted else VerifyForm(formdata=None)
    stations = access.counter_stations(actor())
    form.station_id.choices = [SelectChoice(str(s.id), s.name) for s in stations]
    return form


def _verify_page(form: VerifyForm, done_row=None, status: int = 200):
    context = {"form": form, "verified": done_row}
    return render_template("console/marketing/points_verify.html", **context), status


@bp.get("/points/verify")
@counter_required
def points_verify():
    return _verify_page(_verify_form())


@bp.post("/points/verify")
@counter_required
def points_verify_code():
    form = _verify_form(posted=True)
    if not form.validate_on_submit():
        return _verify_page(form, status=400)
    station = form.station_id.data or ""
    if not station.isdigit():
        form.station_id.errors = ["请选择核销油站"]
        return _verify_page(form, status=400)
    try:
        redemption = codes.verify(actor(), int(station), form.code.data)
    except Invalid as err:
        form.code.errors = list(err.fields.values())
        return _verify_page(form, status=400)
    except (codes.CodeUsed, codes.CodeNotFound, codes.CodeLocked) as err:
        form.code.errors = [err.message]
        return _verify_page(form, status=err.status)
    flash(f"已核销：{redemption.item_name}（{redemption.points} 积分）", "success")
    fresh = _verify_form()
    fresh.station_id.data = station
    return _verify_page(fresh, redemption)


# --- a member's points ----------------------------------------------------------------------


@bp.get("/points/members")
@counter_required
def points_members():
    phone = (request.args.get("phone") or "").strip()
    found, error = None, None
    if phone:
        try:
            found = adjusting.find_members(actor(), phone)
        except Invalid as err:
            error = err.fields["phone"]
    context = {"phone": phone, "found": found, "error": error}
    return render_template(
        "console/marketing/points_members.html", **context
    ), 400 if error else 200


def _member_page(member_id: int, form: AdjustForm | None = None, status: int = 200):
    me = actor()
    number = request.args.get("page", "1")
    number = int(number) if number.isdigit() and 0 < int(number) <= 10_000 else 1
    view = adjusting.member_points(me, member_id, number)
    context = {
        "view": view,
        "kinds": ENTRY_KINDS,
        "form": form or AdjustForm(formdata=None),
        "may_adjust": me.role == "chain_admin",
        "page_url": lambda n: url_for("console.points_member", member_id=member_id, page=n),
    }
    return render_template("console/marketing/points_member.html", **context), status


@bp.get("/points/members/<int:member_id>")
@counter_required
def points_member(member_id: int):
    return _member_page(member_id)


@bp.post("/points/members/<int:member_id>/adjust")
@counter_required
def points_member_adjust(member_id: int):
    form = AdjustForm()
    if form.validate_on_submit():
        delta = whole(form.delta, signed=True)
        if delta is not None:
            try:
                balance = adjusting.adjust(actor(), member_id, delta, form.reason.data)
            except Invalid as err:
                for name, message in err.fields.items():
                    getattr(form, name).errors = [message]
            except ServiceError as err:
                if err.status != 409:
                    raise
                form.form_errors = [err.message]
            else:
                flash(f"已调整 {delta:+d} 积分，现有 {balance} 积分", "success")
                return done(url_for("console.points_member", member_id=member_id))
    return _member_page(member_id, form, 400)

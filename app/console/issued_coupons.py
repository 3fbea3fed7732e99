"""已发放的券: the coupons issued to members, found by phone, template and status, paged and
exported; and voiding one with a reason. Who sees and voids which is decided by
services/marketing/issued; phones are shown masked."""

from flask import flash, render_template, request, url_for

from app.console import bp
from app.console.coupon_forms import VoidForm
from app.console.web import (
    actor,
    catalogue_required,
    done,
    fragment,
    is_partial,
    page_number,
    safe_next,
    typed_args,
)
from app.console.xlsx import MAX_ROWS, download
from app.models import COUPON_STATUSES
from app.models.base import utcnow
from app.services.marketing import issued
from app.services.members.privacy import mask_phone
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid

FILTERS = ("phone", "template_id", "status")


def _filters() -> dict[str, str]:
    return typed_args(FILTERS)


def _list_context() -> tuple[dict, int]:
    me = actor()
    args, page, errors = _filters(), None, {}
    try:
        page = issued.search(me, issued.read_filters(args), page_number())
    except Invalid as err:
        errors = err.fields
    context = {
        "args": args,
        "errors": errors,
        "labels": issued.LABELS,
        "page": page,
        "statuses": COUPON_STATUSES,
        "template_choices": issued.template_choices(me),
        "void_form": VoidForm(formdata=None),
        "page_url": lambda n: url_for("console.coupons_issued", **args, page=n),
        "export_url": url_for("console.coupons_issued_export", **args),
        "back": request.full_path.rstrip("?"),
    }
    return context, 200 if page else 400


@bp.get("/coupons/issued")
@catalogue_required
def coupons_issued():
    context, status = _list_context()
    if is_partial():
        return fragment("console/marketing/partials/_issued.html", status, **context)
    return render_template("console/marketing/issued.html", **context), status


@bp.get("/coupons/issued/export.xlsx")
@catalogue_required
def coupons_issued_export():
    me = actor()
    filters = issued.read_filters(request.args)  # Invalid: a 400 page saying why
    rows = (
        [
            r.coupon.id,
            r.template.name,
            r.rule,
            r.member.nickname or "微信用户",
            mask_phone(r.member.phone),
            r.source_name,
            r.status_name,
            r.coupon.received_at,
            r.validity,
            r.coupon.used_at,
            r.order_no or "",
            r.coupon.void_reason,
        ]
        for r in issued.export_rows(me, filters, MAX_ROWS)
    )
    header = ["券号", "优惠券", "优惠内容", "会员", "手机号", "来源", "状态", "领取时间"]
    header += ["有效期", "使用时间", "订单号", "作废原因"]
    stamp = to_local(utcnow()).strftime("%Y%m%d-%H%M")
    return download(f"已发放的券-{stamp}", "已发放的券", header, rows)


@bp.post("/coupons/issued/<int:coupon_id>/void")
@catalogue_required
def coupon_void(coupon_id: int):
    form = VoidForm()
    back = safe_next(form.back.data)
    if not back or not back.startswith(url_for("console.coupons_issued")):
        back = url_for("console.coupons_issued")
    if form.validate_on_submit():
        try:
            issued.void_coupon(actor(), coupon_id, form.reason.data)
        except (Invalid, Conflict) as err:
            flash(err.message, "error")
        else:
            flash("已作废这张券", "success")
    else:
        flash("请填写作废原因（最多 200 个字）", "error")
    return done(back)

"""定向发放: push a coupon template to a segment of members. The form shows how many members it
will go to (将发给 N 位会员) before the push is confirmed; the push runs as a job and its page
shows the progress, refreshing itself every POLL_S seconds (HTMX) until it is done. The pushes
list is paged and exported. Who may push what to whom is decided by services/marketing/pushes;
these views parse forms and show the outcome."""

from flask import flash, render_template, request, url_for
from wtforms import SelectChoice

from app.console import bp
from app.console.coupon_forms import PushForm
from app.console.web import (
    actor,
    catalogue_required,
    done,
    fragment,
    is_partial,
    page_number,
    show_errors,
    typed_args,
)
from app.console.xlsx import MAX_ROWS, download
from app.models import PUSH_SEGMENTS, PUSH_STATUSES
from app.models.base import utcnow
from app.services.marketing import issued, push_list, pushes, segments, templates
from app.services.platform import outbox
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid
from app.services.staff import access

FILTERS = ("status", "template_id")
POLL_S = 2


def _list_context() -> tuple[dict, int]:
    me = actor()
    args, page, errors = typed_args(FILTERS), None, {}
    try:
        status, template_id = push_list.read_filters(args)
        page = push_list.list_pushes(me, status, template_id, page_number())
    except Invalid as err:
        errors = err.fields
    context = {
        "args": args,
        "errors": errors,
        "page": page,
        "statuses": PUSH_STATUSES,
        "template_choices": issued.template_choices(me),  # stopped ones' pushes too
        "page_url": lambda n: url_for("console.coupon_pushes", **args, page=n),
        "export_url": url_for("console.coupon_push_export", **args),
    }
    return context, 200 if page else 400


@bp.get("/coupons/pushes")
@catalogue_required
def coupon_pushes():
    templates.check_role(actor())
    context, status = _list_context()
    if is_partial():
        return fragment("console/marketing/partials/_pushes.html", status, **context)
    return render_template("console/marketing/pushes.html", **context), status


@bp.get("/coupons/pushes/export.xlsx")
@catalogue_required
def coupon_push_export():
    me = actor()
    status, template_id = push_list.read_filters(request.args)  # Invalid: a 400 page
    rows = (
        [
            r.push.id,
            r.template.name,
            r.rule,
            r.segment_text,
            r.scope,
            r.status_name,
            r.push.targeted,
            r.push.issued,
            r.push.skipped,
            r.created_by,
            r.push.created_at,
            r.push.started_at,
            r.push.finished_at,
            r.push.error,
        ]
        for r in push_list.export_rows(me, status, template_id, MAX_ROWS)
    )
    header = ["编号", "优惠券", "优惠内容", "发放人群", "范围", "状态", "目标会员", "已发放"]
    header += ["未发放", "发起人", "发起时间", "开始时间", "完成时间", "未能发放的原因"]
    stamp = to_local(utcnow()).strftime("%Y%m%d-%H%M")
    return download(f"定向发放-{stamp}", "定向发放", header, rows)


def _form(posted: bool = False) -> PushForm:
    me = actor()
    templates.check_role(me)
    form = PushForm() if posted else PushForm(formdata=None)
    choices = push_list.template_choices(me)
    form.template_id.choices = [SelectChoice("", "请选择")]
    form.template_id.choices += [SelectChoice(str(i), name) for i, name in choices]
    form.tier_id.choices = [SelectChoice("", "请选择")]
    form.tier_id.choices += [SelectChoice(str(i), n) for i, n in push_list.tier_choices(me)]
    stations = access.managed_stations(me)
    form.station_id.choices = [SelectChoice("", "全连锁")] if me.role == "chain_admin" else []
    form.station_id.choices += [SelectChoice(str(s.id), s.name) for s in stations]
    if not posted:
        form.template_id.data = request.args.get("template_id", "")
    return form


def _form_page(form: PushForm, count: int | None = None, status: int = 200):
    context = {
        "form": form,
        "count": count,
        "segments": PUSH_SEGMENTS,
        "recent_days": segments.RECENT_DAYS,
        "lapsed_days": segments.LAPSED_DAYS,
    }
    return render_template("console/marketing/push_form.html", **context), status


@bp.get("/coupons/pushes/new")
@catalogue_required
def coupon_push_new():
    return _form_page(_form())


@bp.post("/coupons/pushes/preview")
@catalogue_required
def coupon_push_preview():
    """How many members the form as it stands would reach (HTMX, as the form changes)."""
    form = _form(posted=True)
    try:
        count = pushes.preview(actor(), **form.values())
    except Invalid as err:
        problems = list(err.fields.values())
        return fragment("console/marketing/partials/_push_preview.html", 400, problems=problems)
    return fragment("console/marketing/partials/_push_preview.html", count=count)


@bp.post("/coupons/pushes")
@catalogue_required
def coupon_push_create():
    """预览人数 (step preview): the form again with the count; 确认发放 (step confirm): the push
    queued, and its page."""
    form = _form(posted=True)
    form.validate()
    try:
        if request.form.get("step") != "confirm":
            return _form_page(form, pushes.preview(actor(), **form.values()))
        push = pushes.create_push(actor(), **form.values())
    except Invalid as err:
        show_errors(form, err)
        return _form_page(form, status=400)
    flash("已开始定向发放，本页会显示发放进度", "success")
    return done(url_for("console.coupon_push_page", push_id=push.id))


@bp.get("/coupons/pushes/<int:push_id>")
@catalogue_required
def coupon_push_page(push_id: int):
    """The push and its progress; an HTMX request (the page's polling) gets the progress only."""
    row = push_list.get_push(actor(), push_id)
    context = {
        "row": row,
        "poll_s": POLL_S,
        "given_up": outbox.given_up(pushes.job_key(push_id)) if row.live else None,
        "reasons": push_list.skipped_by_reason(push_id) if row.push.skipped else [],
    }
    if is_partial():
        return fragment("console/marketing/partials/_push_progress.html", **context)
    return render_template("console/marketing/push.html", **context)


@bp.post("/coupons/pushes/<int:push_id>/resume")
@catalogue_required
def coupon_push_resume(push_id: int):
    try:
        pushes.resume(actor(), push_id)
    except Conflict as err:
        flash(err.message, "error")
    else:
        flash("已继续发放，已发的券不会重发", "success")
    return done(url_for("console.coupon_push_page", push_id=push_id))

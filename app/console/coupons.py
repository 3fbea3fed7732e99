"""优惠券: the coupon templates staff see (the chain's and their stations'), filtered and paged,
exported to Excel; a template's form with a live preview of what it will say; activating and
stopping; and its gifts (新会员礼, a top-up package's reward). Who may do what is decided by
services/marketing (templates, gifts); these views parse forms and show the outcome."""

from flask import flash, render_template, request, url_for
from sqlalchemy import select
from wtforms import SelectChoice

from app.console import bp
from app.console.coupon_forms import ALIASES, GiftsForm, TemplateForm
from app.console.member_forms import ActionForm
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
from app.extensions import db
from app.models import COUPON_KINDS, TEMPLATE_STATUSES, Station
from app.models.base import utcnow
from app.services.catalogue import pricing
from app.services.marketing import gifts, template_list, templates, terms
from app.services.platform.clock import to_local
from app.services.platform.errors import Invalid
from app.services.staff import access

FILTERS = ("status", "owner")


def _filters() -> dict[str, str]:
    return typed_args(FILTERS)


def _stations(me) -> list[Station]:
    """The stations whose templates the staff member sees besides the chain's."""
    if me.role == "chain_admin":
        query = select(Station).where(Station.chain_id == me.chain_id).order_by(Station.code)
        return list(db.session.scalars(query))
    return access.managed_stations(me)


def _list_context() -> tuple[dict, int]:
    me = actor()
    templates.check_role(me)
    args, page, errors = _filters(), None, {}
    try:
        page = template_list.list_templates(
            me, args.get("status"), args.get("owner"), page_number()
        )
    except Invalid as err:
        errors = err.fields
    owners = [(template_list.CHAIN_OWNER, templates.CHAIN_WIDE)]
    owners += [(str(s.id), s.name) for s in _stations(me)]
    context = {
        "args": args,
        "errors": errors,
        "page": page,
        "statuses": TEMPLATE_STATUSES,
        "owners": owners,
        "action_form": ActionForm(formdata=None),
        "page_url": lambda n: url_for("console.coupon_templates", **args, page=n),
        "export_url": url_for("console.coupon_export", **args),
    }
    return context, 200 if page else 400


@bp.get("/coupons")
@catalogue_required
def coupon_templates():
    context, status = _list_context()
    if is_partial():
        return fragment("console/marketing/partials/_templates.html", status, **context)
    return render_template("console/marketing/templates.html", **context), status


@bp.get("/coupons/export.xlsx")
@catalogue_required
def coupon_export():
    me = actor()
    args = _filters()
    rows = (
        [
            r.template.id,
            r.template.name,
            r.owner,
            COUPON_KINDS[r.template.kind],
            r.rule,
            r.scope,
            r.validity,
            r.template.stock_total if r.template.stock_total is not None else "不限量",
            r.template.stock_left,
            r.template.per_member_limit,
            "是" if r.template.claimable else "否",
            r.issued,
            r.used,
            r.status_name,
            r.template.created_at,
        ]
        for r in template_list.export_rows(me, args.get("status"), args.get("owner"), MAX_ROWS)
    )
    header = ["编号", "名称", "所属", "优惠方式", "优惠内容", "适用范围", "有效期", "发放总量"]
    header += ["剩余", "每人限领", "车主可领", "已发出", "已使用", "状态", "创建时间"]
    stamp = to_local(utcnow()).strftime("%Y%m%d-%H%M")
    return download(f"优惠券-{stamp}", "优惠券", header, rows)


def _form(posted: bool = False) -> TemplateForm:
    me = actor()
    templates.check_role(me)
    form = TemplateForm() if posted else TemplateForm(formdata=None)
    choices = [SelectChoice("", "全部油站（总部通用）")] if me.role == "chain_admin" else []
    choices += [SelectChoice(str(s.id), s.name) for s in access.managed_stations(me)]
    form.station_id.choices = choices
    form.fuel_ids.choices = [(f.id, f.name) for f in pricing.chain_fuels(me.chain_id)]
    form.station_ids.choices = [(s.id, s.name) for s in _stations(me)]
    return form


def _form_page(form: TemplateForm, template=None, status: int = 200):
    me = actor()
    context = {
        "form": form,
        "template": template,
        "preview": terms.preview(form.values(lenient=True)),
        "rule_fixed": template is not None and template.activated_at is not None,
        "action_form": ActionForm(formdata=None),
    }
    if template is not None:
        context["gifts"] = gifts.settings(me, template.id)
        context["gifts_form"] = GiftsForm(
            formdata=None, data={"join_quantity": str(context["gifts"].join_quantity)}
        )
    return render_template("console/marketing/template_form.html", **context), status


@bp.get("/coupons/new")
@catalogue_required
def coupon_new():
    return _form_page(_form())


@bp.post("/coupons")
@catalogue_required
def coupon_create():
    form = _form(posted=True)
    form.validate()
    values = form.values()
    if values is not None:
        station_id = int(form.station_id.data) if (form.station_id.data or "").isdigit() else None
        try:
            template = templates.create_template(actor(), station_id, **values)
        except Invalid as err:
            show_errors(form, err, aliases=ALIASES)
        else:
            flash(f"已保存优惠券「{template.name}」（草稿），启用后才会发放", "success")
            return done(url_for("console.coupon_edit", template_id=template.id))
    return _form_page(form, status=400)


@bp.get("/coupons/<int:template_id>/edit")
@catalogue_required
def coupon_edit(template_id: int):
    template = templates.get_for_edit(actor(), template_id)
    form = _form()
    form.fill(template, terms.scopes([template.id])[template.id])
    return _form_page(form, template)


@bp.post("/coupons/<int:template_id>")
@catalogue_required
def coupon_update(template_id: int):
    template = templates.get_for_edit(actor(), template_id)
    form = _form(posted=True)
    form.validate()
    values = form.values()
    if values is not None:
        try:
            template = templates.update_template(actor(), template_id, **values)
        except Invalid as err:
            show_errors(form, err, aliases=ALIASES)
        else:
            flash(f"已保存优惠券「{template.name}」", "success")
            return done(url_for("console.coupon_edit", template_id=template.id))
    return _form_page(form, template, status=400)


@bp.post("/coupons/preview")
@catalogue_required
def coupon_preview():
    """What the form typed so far will say (HTMX, as the form changes)."""
    form = _form(posted=True)
    lines = terms.preview(form.values(lenient=True))
    return fragment("console/marketing/partials/_preview.html", preview=lines)


def _after_action(template_id: int):
    if request.form.get("back") == "edit":
        return done(url_for("console.coupon_edit", template_id=template_id))
    return done(url_for("console.coupon_templates"))


@bp.post("/coupons/<int:template_id>/activate")
@catalogue_required
def coupon_activate(template_id: int):
    if ActionForm().validate_on_submit():
        try:
            template = templates.activate_template(actor(), template_id)
        except Invalid as err:
            flash(" ".join(err.fields.values()), "error")
        else:
            flash(f"已启用优惠券「{template.name}」", "success")
    return _after_action(template_id)


@bp.post("/coupons/<int:template_id>/stop")
@catalogue_required
def coupon_stop(template_id: int):
    if ActionForm().validate_on_submit():
        template = templates.stop_template(actor(), template_id)
        flash(f"已停发优惠券「{template.name}」，已发出的券到期前仍可使用", "success")
    return _after_action(template_id)


def _quantity(text: str | None) -> int | None:
    text = (text or "0").strip() or "0"
    return int(text) if text.isdigit() and len(text) < 4 else None


@bp.post("/coupons/<int:template_id>/gifts")
@catalogue_required
def coupon_gifts(template_id: int):
    me = actor()
    current = gifts.settings(me, template_id)
    form = GiftsForm()
    if form.validate_on_submit():
        join = current.join_quantity  # a chain setting: only chain admins' forms carry it
        if current.may_set_join:
            join = _quantity(form.join_quantity.data)
        packages = {
            p.id: _quantity(request.form.get(f"package_{p.id}")) for p, _ in current.packages
        }
        try:
            gifts.set_gifts(me, template_id, join, packages)
        except Invalid:
            flash(f"赠送张数应为 0 到 {gifts.MAX_QUANTITY} 的整数", "error")
        else:
            flash("已保存发放设置", "success")
    return done(url_for("console.coupon_edit", template_id=template_id))

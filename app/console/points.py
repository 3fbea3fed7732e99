"""积分: the chain's points rules (the version in force, the history, a new version for chain
admins) and the redemption catalogue (paged, exported, made and changed by chain admins, its
stock and 上架/下架). Who may do what is decided by services/marketing/points."""

from datetime import timedelta

from flask import flash, render_template, request, url_for
from wtforms import SelectChoice

from app.console import bp
from app.console.member_forms import ActionForm
from app.console.points_forms import ItemForm, RuleForm, StockForm, whole
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
from app.models import ITEM_KINDS, ITEM_STATUSES
from app.models.base import utcnow
from app.services.catalogue import pricing
from app.services.marketing.points import book, catalogue, rules
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid


def _chain_tiers(me):
    return rules.chain_tiers(me)


def _until_text(moment) -> str:
    """A local midnight as the end of the day before (2027-12-31 24:00), as the rule says it."""
    local = to_local(moment)
    if (local.hour, local.minute) == (0, 0):
        return f"{local - timedelta(days=1):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"


def _rules_page(form: RuleForm | None = None, status: int = 200):
    me = actor()
    history = rules.history(me)
    current = next((v for v in history if v.state == "生效中"), None)
    fuels = pricing.chain_fuels(me.chain_id)
    tiers = _chain_tiers(me)
    posted = form is not None
    if form is None:
        form = RuleForm(formdata=None)
        form.dynamic = {}
        if current:
            form.basis.data = current.rule.basis
            form.daily_cap.data = str(current.rule.daily_cap or "")
            form.expiry_months.data = str(current.rule.expiry_months)
    typed = request.form if posted else {}
    base = history[0] if history else None

    def rate(fuel, part):
        if posted:
            return typed.get(f"fuel_{fuel.id}_{part}", "")
        found = next((f for f in base.fuels if f.fuel_id == fuel.id), None) if base else None
        return str(getattr(found, "points" if part == "points" else "per_units")) if found else ""

    def percent(tier):
        if posted:
            return typed.get(f"tier_{tier.id}", "")
        return str(base.percent_of(tier.id)) if base else "100"

    context = {
        "history": history,
        "current": current,
        "form": form,
        "fuels": fuels,
        "tiers": tiers,
        "rate": rate,
        "percent": percent,
        "may_change": me.role == "chain_admin",
        "percent_text": rules.percent_text,
        "outstanding": [
            (_until_text(until), n) for until, n in book.outstanding(me.chain_id, utcnow())
        ],
    }
    return render_template("console/marketing/points_rules.html", **context), status


@bp.get("/points")
@catalogue_required
def points_rules():
    return _rules_page()


@bp.post("/points/rules")
@catalogue_required
def points_rule_create():
    me = actor()
    form = RuleForm()
    form.validate()
    values = form.values(request.form, pricing.chain_fuels(me.chain_id), _chain_tiers(me))
    if values is not None:
        try:
            rule = rules.create_version(me, **values)
        except Invalid as err:
            for name, message in err.fields.items():
                if name.startswith(("fuel_", "tier_")) and name[5:].isdigit():
                    form.dynamic[name] = message
            show_errors(
                form,
                {k: v for k, v in err.fields.items() if k not in form.dynamic},
            )
        else:
            since = to_local(rule.effective_from).strftime("%Y-%m-%d %H:%M")
            flash(f"已保存第 {rule.version} 版积分规则，{since} 起生效", "success")
            return done(url_for("console.points_rules"))
    return _rules_page(form, 400)


# --- the catalogue --------------------------------------------------------------------------


def _filters() -> dict[str, str]:
    return typed_args(("status", "kind"))


def _items_context() -> tuple[dict, int]:
    me = actor()
    catalogue.check_view(me)
    args, page, errors = _filters(), None, {}
    try:
        page = catalogue.list_items(me, args.get("status"), args.get("kind"), page_number())
    except Invalid as err:
        errors = err.fields
    context = {
        "args": args,
        "errors": errors,
        "page": page,
        "statuses": ITEM_STATUSES,
        "kinds": ITEM_KINDS,
        "may_change": me.role == "chain_admin",
        "action_form": ActionForm(formdata=None),
        "stock_form": StockForm(formdata=None),
        "page_url": lambda n: url_for("console.points_items", **args, page=n),
        "export_url": url_for("console.points_items_export", **args),
    }
    return context, 200 if page else 400


@bp.get("/points/items")
@catalogue_required
def points_items():
    context, status = _items_context()
    if is_partial():
        return fragment("console/marketing/partials/_points_items.html", status, **context)
    return render_template("console/marketing/points_items.html", **context), status


@bp.get("/points/items/export.xlsx")
@catalogue_required
def points_items_export():
    args = _filters()
    rows = (
        [
            r.item.id,
            r.item.name,
            r.kind_name,
            r.template_name or "",
            r.item.points,
            "不限量" if r.item.stock_total is None else r.item.stock_total,
            r.item.stock_left,
            r.item.per_member_limit or "不限",
            r.window,
            r.redeemed,
            r.status_name,
            r.item.created_at,
        ]
        for r in catalogue.export_rows(actor(), args.get("status"), args.get("kind"), MAX_ROWS)
    )
    header = ["编号", "名称", "类型", "加油券", "所需积分", "库存总量", "剩余", "每人限兑"]
    header += ["兑换时间", "已兑换", "状态", "创建时间"]
    stamp = to_local(utcnow()).strftime("%Y%m%d-%H%M")
    return download(f"积分商城-{stamp}", "积分商城", header, rows)


def _item_form(posted: bool = False) -> ItemForm:
    me = actor()
    catalogue.check_manage(me)
    form = ItemForm() if posted else ItemForm(formdata=None)
    choices = [SelectChoice("", "请选择")]
    choices += [SelectChoice(str(i), name) for i, name in catalogue.template_choices(me)]
    form.coupon_template_id.choices = choices
    return form


def _item_page(form: ItemForm, item=None, status: int = 200):
    context = {"form": form, "item": item, "stock_form": StockForm(formdata=None)}
    return render_template("console/marketing/points_item_form.html", **context), status


@bp.get("/points/items/new")
@catalogue_required
def points_item_new():
    return _item_page(_item_form())


@bp.post("/points/items")
@catalogue_required
def points_item_create():
    form = _item_form(posted=True)
    form.validate()
    fields = form.fields()
    if fields is not None:
        try:
            item = catalogue.create_item(actor(), fields)
        except Invalid as err:
            show_errors(form, err)
        else:
            flash(f"已上架「{item.name}」", "success")
            return done(url_for("console.points_items"))
    return _item_page(form, status=400)


@bp.get("/points/items/<int:item_id>/edit")
@catalogue_required
def points_item_edit(item_id: int):
    item = catalogue.get_item(actor(), item_id)
    form = _item_form()
    form.fill(item)
    return _item_page(form, item)


@bp.post("/points/items/<int:item_id>")
@catalogue_required
def points_item_update(item_id: int):
    item = catalogue.get_item(actor(), item_id)
    form = _item_form(posted=True)
    form.kind.data = item.kind  # fixed once made
    form.validate()
    fields = form.fields()
    if fields is not None:
        try:
            item = catalogue.update_item(actor(), item_id, fields)
        except Invalid as err:
            show_errors(form, err)
        else:
            flash(f"已保存「{item.name}」", "success")
            return done(url_for("console.points_item_edit", item_id=item.id))
    return _item_page(form, item, status=400)


@bp.post("/points/items/<int:item_id>/stock")
@catalogue_required
def points_item_stock(item_id: int):
    form = StockForm()
    if form.validate_on_submit():
        change = whole(form.change, signed=True)
        try:
            if change is None:
                raise Invalid({"change": "请填写整数（减少填负数）"})
            item = catalogue.change_stock(actor(), item_id, change)
        except Invalid as err:
            flash(" ".join(err.fields.values()), "error")
        else:
            flash(f"「{item.name}」库存已调整为 {item.stock_left}", "success")
    else:
        flash("请填写调整数量", "error")
    return done(url_for("console.points_item_edit", item_id=item_id))


@bp.post("/points/items/<int:item_id>/<any(active, stopped):status>")
@catalogue_required
def points_item_status(item_id: int, status: str):
    if ActionForm().validate_on_submit():
        try:
            item = catalogue.set_status(actor(), item_id, status)
        except Conflict as err:
            flash(err.message, "error")
        else:
            flash(f"「{item.name}」已{ITEM_STATUSES[status]}", "success")
    return done(url_for("console.points_items"))

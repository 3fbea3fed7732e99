"""活动: the campaigns staff see, filtered by where they stand and paged; a draft's form;
activating, ending early and cancelling a draft; and each campaign's report with its Excel
export. Who may do what is decided by services/marketing/campaigns.py; these views parse forms
and show the outcome."""

from flask import flash, render_template, request, url_for
from wtforms import SelectChoice

from app.console import bp
from app.console.campaign_forms import ALIASES, CampaignForm
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
from app.console.xlsx import MAX_ROWS, Yuan, download
from app.models.base import utcnow
from app.services.catalogue import pricing
from app.services.marketing import campaign_fields, campaign_report, campaigns
from app.services.marketing import campaign_list as listing
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid
from app.services.staff import access


def _list_context() -> tuple[dict, int]:
    me = actor()
    campaigns.check_role(me)
    args, page, errors = typed_args(("status",)), None, {}
    try:
        page = listing.list_campaigns(me, args.get("status"), page_number())
    except Invalid as err:
        errors = err.fields
    context = {
        "args": args,
        "errors": errors,
        "page": page,
        "phases": campaigns.PHASES,
        "action_form": ActionForm(formdata=None),
        "page_url": lambda n: url_for("console.campaign_list", **args, page=n),
        "export_url": url_for("console.campaign_list_export", **args),
    }
    return context, 200 if page else 400


@bp.get("/campaigns")
@catalogue_required
def campaign_list():
    context, status = _list_context()
    if is_partial():
        return fragment("console/marketing/partials/_campaigns.html", status, **context)
    return render_template("console/marketing/campaigns.html", **context), status


@bp.get("/campaigns/export.xlsx")
@catalogue_required
def campaign_list_export():
    me = actor()
    campaigns.check_role(me)
    status = typed_args(("status",)).get("status")
    rows = (
        [
            r.campaign.id,
            r.campaign.name,
            r.kind_name,
            r.words.rule,
            r.words.schedule,
            r.words.scope,
            r.words.fuels,
            r.words.period,
            "是" if r.campaign.stacks_with_coupon else "否",
            r.phase_name,
        ]
        for r in listing.export_rows(me, status, MAX_ROWS)
    )
    header = ["编号", "名称", "类型", "优惠", "会员日时段", "范围", "油品", "活动时间"]
    header += ["可与优惠券同享", "状态"]
    stamp = to_local(utcnow()).strftime("%Y%m%d-%H%M")
    return download(f"活动-{stamp}", "活动", header, rows)


def _form(posted: bool = False) -> CampaignForm:
    me = actor()
    campaigns.check_role(me)
    form = CampaignForm() if posted else CampaignForm(formdata=None)
    if me.role != "chain_admin":
        form.scope.choices = [SelectChoice("stations", "指定油站（本站）")]
        form.scope.data = "stations" if not posted else form.scope.data
    form.cities.choices = [SelectChoice(c, c) for c in campaign_fields.chain_cities(me.chain_id)]
    form.station_ids.choices = [SelectChoice(s.id, s.name) for s in access.managed_stations(me)]
    form.fuel_ids.choices = [SelectChoice(f.id, f.name) for f in pricing.chain_fuels(me.chain_id)]
    tiers = campaign_fields.chain_tiers(me.chain_id)
    form.tier_ids.choices = [SelectChoice(i, name) for i, name in tiers]
    return form


def _form_page(form: CampaignForm, campaign=None, status: int = 200):
    return (
        render_template(
            "console/marketing/campaign_form.html",
            form=form,
            campaign=campaign,
            action_form=ActionForm(formdata=None),
        ),
        status,
    )


@bp.get("/campaigns/new")
@catalogue_required
def campaign_new():
    return _form_page(_form())


@bp.post("/campaigns")
@catalogue_required
def campaign_create():
    form = _form(posted=True)
    form.validate()
    values = form.values()
    if values is not None:
        try:
            campaign = campaigns.create_campaign(actor(), **values)
        except Invalid as err:
            show_errors(form, err, aliases=ALIASES)
        else:
            flash(f"已保存活动「{campaign.name}」（草稿），启用后才会生效", "success")
            return done(url_for("console.campaign_edit", campaign_id=campaign.id))
    return _form_page(form, status=400)


@bp.get("/campaigns/<int:campaign_id>/edit")
@catalogue_required
def campaign_edit(campaign_id: int):
    me = actor()
    campaign = campaigns.get_campaign(me, campaign_id)
    if campaign.status != "draft":
        return done(url_for("console.campaign_report_page", campaign_id=campaign_id))
    form = _form()
    stations, cities = campaigns.scope_of([campaign.id])[campaign.id]
    form.fill(campaign, stations, cities)
    return _form_page(form, campaign)


@bp.post("/campaigns/<int:campaign_id>")
@catalogue_required
def campaign_update(campaign_id: int):
    campaign = campaigns.get_campaign(actor(), campaign_id)
    form = _form(posted=True)
    form.validate()
    values = form.values()
    if values is not None:
        try:
            campaign = campaigns.update_campaign(actor(), campaign_id, **values)
        except Invalid as err:
            show_errors(form, err, aliases=ALIASES)
        except Conflict as err:
            flash(err.message, "error")
            return done(url_for("console.campaign_report_page", campaign_id=campaign_id))
        else:
            flash(f"已保存活动「{campaign.name}」", "success")
            return done(url_for("console.campaign_edit", campaign_id=campaign.id))
    return _form_page(form, campaign, status=400)


ACTIONS = {
    "activate": (campaigns.activate_campaign, "已启用活动「{}」"),
    "end": (campaigns.end_campaign, "已结束活动「{}」，之后下的订单不再享受"),
    "cancel": (campaigns.cancel_campaign, "已作废活动草稿「{}」"),
}


@bp.post("/campaigns/<int:campaign_id>/<any(activate, end, cancel):verb>")
@catalogue_required
def campaign_action(campaign_id: int, verb: str):
    if ActionForm().validate_on_submit():
        act, said = ACTIONS[verb]
        try:
            campaign = act(actor(), campaign_id)
        except Invalid as err:
            flash(" ".join(err.fields.values()), "error")
        except Conflict as err:
            flash(err.message, "error")
        else:
            flash(said.format(campaign.name), "success")
    if request.form.get("back") == "report":
        return done(url_for("console.campaign_report_page", campaign_id=campaign_id))
    return done(url_for("console.campaign_list"))


@bp.get("/campaigns/<int:campaign_id>")
@catalogue_required
def campaign_report_page(campaign_id: int):
    me = actor()
    found = campaign_report.report(me, campaign_id, utcnow())
    stations = found.words.station_ids
    context = {
        "r": found,
        "may_manage": campaigns.may_manage(me, found.campaign.scope, stations),
        "action_form": ActionForm(formdata=None),
    }
    return render_template("console/marketing/campaign_report.html", **context)


@bp.get("/campaigns/<int:campaign_id>/report.xlsx")
@catalogue_required
def campaign_report_export(campaign_id: int):
    found = campaign_report.report(actor(), campaign_id, utcnow())
    header = ["油站", "订单数", "升数", "活动优惠（元）", "新会员"]
    rows = [
        [
            line.station_name,
            line.orders,
            line.litres_ml / 1000,
            Yuan(line.discount_fen),
            line.new_members,
        ]
        for line in [*found.lines, found.total]
    ]
    stamp = to_local(utcnow()).strftime("%Y%m%d-%H%M")
    return download(f"活动报表-{found.campaign.name}-{stamp}", "活动报表", header, rows)

"""会员等级: the chain's tiers, their thresholds and cuts per fuel, the metric and window.

Chain admins change them; managers see them read-only; other roles get 403 (the tiers service
decides, these views only parse the forms and show the outcome)."""

from flask import flash, render_template, url_for

from app.console import bp
from app.console.tier_forms import rules_form, tier_form
from app.console.web import actor, catalogue_required, done, has_errors, show_errors
from app.services.members import tiers
from app.services.platform.errors import Invalid
from app.services.staff.access import require_chain_admin


def _page(overview=None, form=None, rules=None, status: int = 200):
    overview = overview or tiers.overview(actor())
    context = {
        "overview": overview,
        "units": tiers.UNITS,
        "threshold_text": tiers.threshold_text,
        "form": form or tier_form(overview, posted=False),
        "rules": rules or rules_form(overview, posted=False),
    }
    return render_template("console/tiers.html", **context), status


def _back():
    return done(url_for("console.tiers_page"))


@bp.get("/tiers")
@catalogue_required
def tiers_page():
    return _page()


@bp.post("/tiers")
@catalogue_required
def tier_create():
    require_chain_admin(actor())  # a manager's post is refused before its fields are judged
    overview = tiers.overview(actor())
    form = tier_form(overview, posted=True)
    form.validate()
    threshold, cuts = form.values(overview.chain.tier_metric)
    if not has_errors(form) and threshold is not None and cuts is not None:
        try:
            tier = tiers.create_tier(actor(), form.name.data, threshold, cuts)
        except Invalid as err:
            show_errors(form, err)
        else:
            flash(f"已新增等级「{tier.name}」，会员等级将在一分钟内按新规则重新计算", "success")
            return _back()
    return _page(overview, form=form, status=400)


@bp.get("/tiers/<int:tier_id>/edit")
@catalogue_required
def tier_edit(tier_id: int):
    require_chain_admin(actor())  # managers read the tiers on the list page
    overview = tiers.overview(actor())
    tier = tiers.get_tier(actor(), tier_id)
    form = tier_form(overview, posted=False, tier=tier, cuts=tiers.tier_cuts(tier.id))
    return _edit_page(overview, tier, form)


def _edit_page(overview, tier, form, status: int = 200):
    context = {"overview": overview, "tier": tier, "form": form}
    return render_template("console/tier_edit.html", **context), status


@bp.post("/tiers/<int:tier_id>")
@catalogue_required
def tier_update(tier_id: int):
    require_chain_admin(actor())
    overview = tiers.overview(actor())
    tier = tiers.get_tier(actor(), tier_id)
    form = tier_form(overview, posted=True)
    form.validate()
    threshold, cuts = form.values(overview.chain.tier_metric)
    if not has_errors(form) and threshold is not None and cuts is not None:
        try:
            tiers.update_tier(actor(), tier.id, form.name.data, threshold, cuts)
        except Invalid as err:
            show_errors(form, err)
        else:
            flash(f"已保存等级「{form.name.data.strip()}」", "success")
            return _back()
    return _edit_page(overview, tier, form, 400)


@bp.post("/tiers/<int:tier_id>/delete")
@catalogue_required
def tier_delete(tier_id: int):
    """Its members move at once to the tier they reach without it (CSRF: checked app-wide)."""
    name = tiers.get_tier(actor(), tier_id).name
    moved = tiers.delete_tier(actor(), tier_id)
    flash(
        f"已删除等级「{name}」" + (f"，{moved} 位会员已调整到相应等级" if moved else ""), "success"
    )
    return _back()


@bp.post("/tiers/rules")
@catalogue_required
def tier_rules():
    """The metric and window, with every tier's threshold in the unit of the chosen metric."""
    require_chain_admin(actor())
    overview = tiers.overview(actor())
    form = rules_form(overview, posted=True)
    form.validate()
    window, thresholds = form.window(), form.thresholds()
    if not has_errors(form) and window is not None and thresholds is not None:
        try:
            tiers.set_rules(actor(), form.metric.data, window, thresholds)
        except Invalid as err:
            show_errors(form, err, aliases={"thresholds": ""})
        else:
            flash("考核规则已保存，会员等级将在一分钟内按新规则重新计算", "success")
            return _back()
    return _page(overview, rules=form, status=400)

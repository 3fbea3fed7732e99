"""Head office's chain-wide price change: choose a fuel, prices, a moment and stations; see the
preview of every station's old and new price; confirm once. Chain admins only."""

from datetime import datetime

from flask import flash, render_template, url_for
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired

from app.console import bp
from app.console.forms import REQUIRED, CheckboxesField, ConsoleForm, fuel_choices, parse_yuan
from app.console.web import actor, done, fragment, has_errors, is_partial, show_errors
from app.services.catalogue import chain_prices
from app.services.platform import clock
from app.services.platform.errors import Conflict, Invalid
from app.services.staff.access import require_chain_admin

SCOPE_CHOICES = [
    SelectChoice("all", "全部销售该油品的油站"),
    SelectChoice("city", "按城市"),
    SelectChoice("list", "指定油站"),
]
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class ChainPriceForm(ConsoleForm):
    fuel_id = SelectField("油品", coerce=int)
    list_price = StringField("新挂牌价（元/升）", validators=[DataRequired(REQUIRED)])
    member_price = StringField("新会员价（元/升）", validators=[DataRequired(REQUIRED)])
    effective_at = StringField("生效时间（北京时间）")
    scope = RadioField("调价范围", choices=SCOPE_CHOICES, default="all")
    city = SelectField("城市", validate_choice=False)
    station_ids = CheckboxesField("油站", coerce=int, validate_choice=False)
    confirmed = HiddenField()  # "1" on the confirmation step

    def moment(self) -> datetime | None:
        """The typed Beijing time as aware UTC; None with a field error if mistyped."""
        try:
            local = datetime.strptime((self.effective_at.data or "").strip(), LOCAL_FORMAT)
        except ValueError:
            self.effective_at.errors = [*self.effective_at.errors, "生效时间：请选择日期和时间"]
            return None
        return clock.from_local(local)

    def selection(self) -> chain_prices.Selection:
        return chain_prices.Selection(
            scope=self.scope.data or "",
            city=self.city.data or "",
            station_ids=tuple(self.station_ids.data or ()),
        )


def _form(posted: bool = False) -> ChainPriceForm:
    me = actor()
    if posted:
        form = ChainPriceForm()
    else:
        default = clock.to_local(chain_prices.coming_midnight()).strftime(LOCAL_FORMAT)
        form = ChainPriceForm(formdata=None, data={"effective_at": default})
    form.fuel_id.choices = fuel_choices(me.chain_id)
    form.city.choices = [SelectChoice("", "请选择城市")] + [
        SelectChoice(city, city) for city in chain_prices.cities(me)
    ]
    form.station_ids.choices = [
        SelectChoice(s.id, f"{s.name}（{s.city}）") for s in chain_prices.stations(me)
    ]
    return form


def _submit(use_case):
    """Run use_case (preview or apply) on the posted form's values: (form, its answer, None), or
    (form, None, the refusal's status) with the errors on the form's fields."""
    me = actor()
    require_chain_admin(me)
    form = _form(posted=True)
    form.validate()
    list_fen, member_fen = parse_yuan(form.list_price), parse_yuan(form.member_price)
    moment = form.moment()
    if has_errors(form) or None in (list_fen, member_fen, moment):
        return form, None, 400
    try:
        answer = use_case(me, form.fuel_id.data, form.selection(), list_fen, member_fen, moment)
    except Invalid as err:
        show_errors(form, err)
        return form, None, 400
    except Conflict as err:
        show_errors(form, {"": err.message})
        return form, None, 409
    return form, answer, None


def _render(form, preview=None, status: int = 200):
    context = {
        "form": form,
        "preview": preview,
        "batches": chain_prices.batches(actor()),
        "now": clock.utcnow(),
    }
    if is_partial():
        return fragment("console/partials/_chain_price_work.html", status, **context)
    return render_template("console/chain_prices.html", **context), status


@bp.get("/chain-prices")
def chain_prices_page():
    require_chain_admin(actor())
    return _render(_form())


@bp.post("/chain-prices/preview")
def chain_prices_preview():
    """Step 1: every selected station's price at the moment and the new one; nothing saved."""
    form, preview, refused = _submit(chain_prices.preview)
    return _render(form, preview, status=refused or 200)


@bp.post("/chain-prices/apply")
def chain_prices_apply():
    """Step 2: schedule the batch, all or nothing; a repeat of the same batch creates nothing."""
    form, applied, refused = _submit(chain_prices.apply)
    if refused:
        return _render(form, status=refused)
    when = clock.to_local(applied.preview.effective_at).strftime("%Y-%m-%d %H:%M")
    if applied.created:
        flash(f"已为 {applied.created} 个油站排定调价，{when} 生效", "success")
    else:
        flash("该批调价已保存过，未重复创建", "info")
    return done(url_for("console.chain_prices_page"))


@bp.post("/chain-prices/batches/<int:audit_id>/cancel")
def chain_prices_cancel(audit_id: int):
    """Cancel a batch before it takes effect: every station's pending row at once."""
    try:
        count = chain_prices.cancel(actor(), audit_id)
    except Conflict as err:
        flash(err.message, "error")
    else:
        flash(f"已取消该批调价（{count} 个油站）", "success")
    return done(url_for("console.chain_prices_page"))

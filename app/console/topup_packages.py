"""充值套餐: the chain's and the stations' top-up packages (充500送30, or a free amount between
limits), listed, created, edited, disabled and enabled again. The rules and who may change
which package live in members.packages."""

from datetime import datetime

from flask import flash, render_template, request, url_for
from wtforms import RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.console import bp
from app.console.forms import ConsoleForm, ToggleForm, parse_yuan, printable
from app.console.web import (
    actor,
    catalogue_required,
    done,
    fragment,
    has_errors,
    is_partial,
    show_errors,
)
from app.services.members import packages
from app.services.platform import clock, money
from app.services.platform.errors import Invalid
from app.services.staff import access

AMOUNTS = {"pay": "pay_fen", "bonus": "bonus_fen", "min": "min_fen", "max": "max_fen"}
ALIASES = {key: name for name, key in AMOUNTS.items()}  # the service's field -> the form's


class PackageForm(ConsoleForm):
    station_id = SelectField("适用油站", default="", validate_choice=False)
    name = StringField(
        "套餐名称", validators=[DataRequired("请填写套餐名称"), Length(max=40), printable]
    )
    kind = RadioField(
        "套餐类型",
        choices=[SelectChoice(k, v) for k, v in packages.KINDS.items()],
        default="fixed",
        validate_choice=False,
    )
    pay = StringField("充值金额（元）")
    bonus = StringField("赠送金额（元）")
    min = StringField("最低金额（元）")
    max = StringField("最高金额（元）")
    starts_at = StringField("开始时间（北京时间，可不填）")
    ends_at = StringField("结束时间（北京时间，可不填）")
    sort_order = StringField("排序（小的在前）", default="0")

    def values(self) -> dict | None:
        """The package's fields as the service takes them; None if one does not parse (its
        error is then on its field)."""
        values = {"name": self.name.data, "kind": self.kind.data}
        for name, key in AMOUNTS.items():
            field = getattr(self, name)
            blank = not (field.data or "").strip()
            values[key] = 0 if blank and name == "bonus" else None if blank else parse_yuan(field)
        for name in ("starts_at", "ends_at"):
            values[name] = _moment(getattr(self, name))
        try:
            values["sort_order"] = int((self.sort_order.data or "0").strip())
        except ValueError:
            self.sort_order.errors = [*self.sort_order.errors, "排序应为 0 到 9999 的整数"]
        return None if has_errors(self) else values

    def fill(self, package) -> None:
        self.name.data, self.kind.data = package.name, package.kind
        for name, key in AMOUNTS.items():
            amount = getattr(package, key)
            getattr(self, name).data = money.fen_to_yuan(amount) if amount is not None else ""
        for name in ("starts_at", "ends_at"):
            moment = getattr(package, name)
            getattr(self, name).data = (
                clock.to_local(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""
            )
        self.sort_order.data = str(package.sort_order)


def _moment(field) -> datetime | None:
    text = (field.data or "").strip()
    if not text:
        return None
    try:
        return clock.from_local(datetime.strptime(text, "%Y-%m-%dT%H:%M"))
    except ValueError:
        field.errors = [*field.errors, "请选择日期和时间"]
        return None


def _form(posted: bool = False) -> PackageForm:
    me = actor()
    form = PackageForm() if posted else PackageForm(formdata=None)
    choices = [SelectChoice("", "全部油站（总部通用）")] if me.role == "chain_admin" else []
    choices += [SelectChoice(str(s.id), s.name) for s in access.managed_stations(me)]
    form.station_id.choices = choices
    return form


def _context(form=None, editing=None) -> dict:
    station_id = request.args.get("station_id", type=int)
    return {
        "rows": packages.list_packages(actor(), station_id),
        "form": form or _form(),
        "editing": editing,
        "toggle_form": ToggleForm(formdata=None),
        "station_id": station_id,
    }


@bp.get("/topup-packages")
@catalogue_required
def package_list():
    return render_template("console/members/packages.html", **_context())


@bp.post("/topup-packages")
@catalogue_required
def package_create():
    form = _form(posted=True)
    form.validate()
    values = form.values()
    if values is not None:
        station_id = int(form.station_id.data) if form.station_id.data else None
        try:
            package = packages.create_package(actor(), station_id, **values)
        except Invalid as err:
            show_errors(form, err, aliases=ALIASES)
        else:
            flash(f"已新建充值套餐「{package.name}」", "success")
            if not is_partial():
                return done(url_for("console.package_list"))
            return fragment(
                "console/members/partials/_package_form.html", table_oob=True, **_context()
            )
    if is_partial():
        return fragment("console/members/partials/_package_form.html", 400, **_context(form))
    return render_template("console/members/packages.html", **_context(form)), 400


@bp.get("/topup-packages/<int:package_id>/edit")
@catalogue_required
def package_edit(package_id: int):
    package = packages.get_package(actor(), package_id)
    form = _form()
    form.fill(package)
    return render_template("console/members/package_edit.html", form=form, package=package)


@bp.post("/topup-packages/<int:package_id>")
@catalogue_required
def package_update(package_id: int):
    package = packages.get_package(actor(), package_id)
    form = _form(posted=True)
    form.validate()
    values = form.values()
    if values is not None:
        try:
            package = packages.update_package(actor(), package_id, **values)
        except Invalid as err:
            show_errors(form, err, aliases=ALIASES)
        else:
            flash(f"已保存充值套餐「{package.name}」", "success")
            return done(url_for("console.package_list"))
    context = {"form": form, "package": package}
    return render_template("console/members/package_edit.html", **context), 400


@bp.post("/topup-packages/<int:package_id>/enabled")
@catalogue_required
def package_enabled(package_id: int):
    form = ToggleForm()
    if form.validate_on_submit():
        change = packages.enable_package if form.on else packages.disable_package
        package = change(actor(), package_id)
        flash(f"已{'启用' if form.on else '停用'}充值套餐「{package.name}」", "success")
    return _table_or_back()


def _table_or_back():
    if not is_partial():
        return done(url_for("console.package_list"))
    return fragment("console/members/partials/_package_table.html", **_context())

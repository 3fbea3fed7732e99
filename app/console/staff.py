"""Staff accounts: list, create, disable or enable, reset a password."""

from flask import flash, render_template, url_for
from sqlalchemy import select
from wtforms import SelectChoice

from app.console import bp
from app.console.forms import StaffForm, ToggleForm
from app.console.web import (
    actor,
    catalogue_required,
    done,
    fragment,
    has_errors,
    is_partial,
    show_errors,
)
from app.extensions import db
from app.models import ROLE_NAMES, Staff, Station
from app.services.platform.errors import Invalid
from app.services.staff import accounts


def _form(posted: bool = False) -> StaffForm:
    me = actor()
    form = StaffForm() if posted else StaffForm(formdata=None)
    form.role.choices = [SelectChoice(r, ROLE_NAMES[r]) for r in accounts.manageable_roles(me)]
    stations = accounts.station_choices(me)
    form.station_ids.choices = [SelectChoice(s.id, s.name) for s in stations]
    if me.role == "manager" and len(stations) == 1:
        # Nothing to choose: the new cashier or attendant works at the manager's station.
        form.only_station = stations[0]
    return form


def _context(form=None) -> dict:
    me = actor()
    query = select(Station.id, Station.name).where(Station.chain_id == me.chain_id)
    people = accounts.list_staff(me)
    return {
        "people": [(p, accounts.can_manage(me, p)) for p in people],
        "station_names": dict(db.session.execute(query).all()),
        "form": form or _form(),
        "toggle_form": ToggleForm(formdata=None),
    }


def _table_or_back():
    if not is_partial():
        return done(url_for("console.staff_list"))
    return fragment("console/partials/_staff_table.html", **_context())


@bp.get("/staff")
@catalogue_required
def staff_list():
    return render_template("console/staff.html", **_context())


@bp.post("/staff")
@catalogue_required
def staff_create():
    form = _form(posted=True)
    status = 400
    # Every field's error at once: the form's own, then the account rules on the rest.
    form.validate()
    values = (
        form.username.data,
        form.display_name.data,
        form.phone.data,
        form.role.data,
        form.station_ids.data or ([form.only_station.id] if form.only_station else []),
        form.password.data,
    )
    show_errors(form, accounts.new_staff_problems(actor(), *values))
    if not has_errors(form):
        try:
            person = accounts.create_staff(actor(), *values)
        except Invalid as err:
            show_errors(form, err)
        else:
            flash(f"已创建员工 {person.display_name}，首次登录需修改密码", "success")
            if not is_partial():
                return done(url_for("console.staff_list"))
            form, status = _form(), 200
    if is_partial():
        context = _context(form)
        return fragment("console/partials/_staff_form.html", status, table_oob=True, **context)
    return render_template("console/staff.html", **_context(form)), status


@bp.post("/staff/<int:staff_id>/enabled")
@catalogue_required
def staff_enabled(staff_id: int):
    form = ToggleForm()
    if form.validate_on_submit():
        person = accounts.set_enabled(actor(), staff_id, form.on)
        flash(f"已{'启用' if form.on else '停用'}账号 {person.display_name}", "success")
    return _table_or_back()


@bp.post("/staff/<int:staff_id>/reset-password")
@catalogue_required
def staff_reset_password(staff_id: int):
    """A new temporary password, shown once among the next messages and never stored in clear."""
    password = accounts.reset_password(actor(), staff_id)
    name = db.session.get(Staff, staff_id).display_name
    flash(f"{name} 的临时密码：{password}（只显示这一次，请当面告知；登录后需修改）", "password")
    return _table_or_back()

"""Logging in and out, changing one's own password (the home page is dashboard.py)."""

from flask import flash, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from app.console import bp
from app.console.forms import ChangePasswordForm, LoginForm
from app.console.web import actor, done, safe_next, show_errors
from app.login_limits import staff_login_limits
from app.services.platform.errors import Invalid
from app.services.staff import accounts, passwords

LOGIN_ERROR = "用户名或密码错误"


def _failed(response) -> bool:
    """Only attempts that did not log in count towards the limits."""
    return response.status_code != 303


@bp.route("/login", methods=["GET", "POST"])
@staff_login_limits(deduct_when=_failed, methods=["POST"])
def login():
    """Username and password; one generic error whatever was wrong."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        if current_user.is_authenticated:
            return done(safe_next(form.next.data) or url_for("console.home"))
    if form.validate_on_submit():
        staff = passwords.authenticate(form.username.data, form.password.data)
        if staff is not None:
            login_user(staff, remember=False)
            return done(safe_next(form.next.data) or url_for("console.home"))
        form.form_errors = [LOGIN_ERROR]
    status = 400 if request.method == "POST" else 200
    return render_template("console/login.html", form=form), status


@bp.post("/logout")
def logout():
    logout_user()
    flash("您已退出登录", "info")
    return done(url_for("console.login"))


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    """Change one's own password; forced after an account is created or reset."""
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        staff = actor()
        try:
            accounts.change_own_password(staff, form.current_password.data, form.new_password.data)
        except Invalid as err:
            show_errors(form, err)
        else:
            # The change ends every session, this one included: start a fresh one.
            login_user(staff, remember=False)
            flash("密码已修改", "success")
            return done(url_for("console.home"))
    if request.method == "POST":
        status = 400
    return render_template("console/change_password.html", form=form), status

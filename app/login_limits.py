"""Staff login limits, shared by the console and the handheld: one account gets 5 tries a
minute and one address 10, whichever door they knock on (a handheld's PIN unlock too)."""

from flask import request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app.extensions import limiter


def login_username() -> str:
    """The username being tried, from the console's form or the handheld's JSON; for a PIN
    unlock, the account logged in."""
    if request.is_json:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) else None
    else:
        name = request.form.get("username")
    if name is None and current_user.is_authenticated:
        name = current_user.username
    return "staff-login:" + (name.strip().lower() if isinstance(name, str) else "")


def staff_login_limits(deduct_when, methods=None):
    """Both limits for a login view; deduct_when(response) says the attempt failed."""
    per_address = limiter.shared_limit(
        "10 per minute",
        scope="staff-login-address",
        key_func=get_remote_address,
        deduct_when=deduct_when,
        methods=methods,
    )
    per_account = limiter.shared_limit(
        "5 per minute",
        scope="staff-login-account",
        key_func=login_username,
        deduct_when=deduct_when,
        methods=methods,
    )

    def decorate(view):
        return per_address(per_account(view))

    return decorate

"""Confirming who is at the counter before money leaves: the staff member re-enters their
login password or their PIN in the same form. A PIN is 4 to 6 digits and a password never is
(at least 8 characters), so one field takes either. Wrong ones, of either kind, count towards
the PIN's lockout (pin_lock): the fifth in a row ends every session of the account."""

from app.models import Staff
from app.services.platform.errors import Invalid, ServiceError
from app.services.staff import pin_lock
from app.services.staff.passwords import verify

FIELD = "secret"


class LockedOut(ServiceError):
    """Too many wrong secrets in a row: every session of the account has ended."""

    status = 401
    code = "pin_lockout"


def confirm(staff: Staff, secret: str | None) -> None:
    """Return if the secret is this staff member's password or PIN; otherwise raise, the miss
    committed (so call it before, not inside, the use case's transaction)."""
    secret = secret or ""
    if not secret:
        raise Invalid({FIELD: "请输入您的登录密码或 PIN 以确认退款"})
    if pin_lock.PIN_FORMAT.fullmatch(secret):
        if not staff.pin_hash:
            raise Invalid({FIELD: "您还没有设置 PIN，请输入登录密码"})
        left = pin_lock.check_pin(staff, secret)
        kind = "PIN"
    elif verify(staff.password_hash, secret):
        pin_lock.reset_failures(staff)
        left = None
    else:
        left, kind = pin_lock.record_failure(staff), "密码"
    if left is None:
        return
    if left == 0:
        raise LockedOut(f"{kind}连续输错 {pin_lock.MAX_FAILURES} 次，已退出登录，请用密码重新登录")
    raise Invalid({FIELD: f"{kind}不正确，未退款；还可再试 {left} 次"})

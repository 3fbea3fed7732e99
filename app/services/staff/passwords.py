"""Staff passwords (argon2id) and login sessions."""

import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from app.extensions import db
from app.models import Staff
from app.models.base import utcnow
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff import statements

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_problem(password: str) -> str | None:
    """The reason a new password is too weak, or None."""
    if len(password) < 8:
        return "密码至少 8 位"
    if not any(c.isdigit() for c in password) or not any(c.isalpha() for c in password):
        return "密码需同时包含字母和数字"
    return None


def temporary_password() -> str:
    alphabet = string.ascii_letters.replace("l", "").replace("O", "") + "23456789"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(10))
        if password_problem(candidate) is None:
            return candidate


def authenticate(username: str, password: str) -> Staff | None:
    """The enabled staff member with these credentials, or None; records the login."""
    staff = db.session.scalar(select(Staff).where(Staff.username == username.strip().lower()))
    if staff is None:
        verify(_DUMMY_HASH, password)
        return None
    if not verify(staff.password_hash, password) or not staff.is_enabled:
        return None
    rehashed = hash_password(password) if _hasher.check_needs_rehash(staff.password_hash) else None
    with unit_of_work():
        if rehashed is not None:
            staff.password_hash = rehashed
        staff.last_login_at = utcnow()
    return staff


def verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def load_session_user(session_id: str) -> Staff | None:
    """Flask-Login loader: the id carries the login epoch, so old sessions stop working."""
    staff_id, _, epoch = session_id.partition(".")
    if not staff_id.isdigit() or not epoch.isdigit():
        return None
    staff = statements.staff_with_stations(int(staff_id))
    if staff is None or staff.login_epoch != int(epoch) or not staff.is_enabled:
        return None
    return staff

"""The handheld's quick-unlock PIN: 4 to 6 digits, argon2id on the staff row; too many wrong
PINs in a row end every session of the account, so only the password gets back in."""

import itertools
import re

from sqlalchemy import update

from app.extensions import db
from app.models import Staff
from app.services.platform import audit
from app.services.platform.errors import Invalid
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.passwords import hash_password, verify

MAX_FAILURES = 5
PIN_FORMAT = re.compile(r"\d{4,6}")


def pin_problem(pin: str) -> str | None:
    """Why a new PIN is refused, or None."""
    if not isinstance(pin, str) or not PIN_FORMAT.fullmatch(pin):
        return "PIN 须为 4 到 6 位数字"
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    if steps in ({0}, {1}, {-1}):
        return "PIN 太简单（如 1111、1234），请换一个"
    return None


def set_pin(staff: Staff, pin: str) -> None:
    problem = pin_problem(pin)
    if problem:
        raise Invalid({"pin": problem})
    pin_hash = hash_password(pin)
    with unit_of_work():
        staff.pin_hash = pin_hash
        staff.pin_failures = 0
        audit.record(staff, "staff.set_pin", "staff", staff.id, chain_id=staff.chain_id)


def check_pin(staff: Staff, pin: str) -> int | None:
    """None if the PIN is right; otherwise the tries left (0: every session just ended).

    One transaction: a wrong PIN is counted and committed; the caller then refuses."""
    with unit_of_work():
        if staff.pin_hash and isinstance(pin, str) and verify(staff.pin_hash, pin):
            if staff.pin_failures:
                staff.pin_failures = 0
            return None
        return record_failure(staff)


def record_failure(staff: Staff) -> int:
    """One wrong secret more (a PIN, or the password re-entered to confirm a refund), counted
    and committed; the tries left (0: every session of the account just ended)."""
    with unit_of_work():
        # Counted in the database, so a replayed cookie or a second device cannot reset it.
        failures = db.session.execute(
            update(Staff)
            .where(Staff.id == staff.id)
            .values(pin_failures=Staff.pin_failures + 1)
            .returning(Staff.pin_failures)
        ).scalar_one()
        if failures >= MAX_FAILURES:
            db.session.execute(
                update(Staff)
                .where(Staff.id == staff.id)
                .values(pin_failures=0, login_epoch=Staff.login_epoch + 1)
            )
            audit.record(staff, "staff.pin_lockout", "staff", staff.id, chain_id=staff.chain_id)
    return max(MAX_FAILURES - failures, 0)


def reset_failures(staff: Staff) -> None:
    """A full login with the password starts the count afresh."""
    if staff.pin_failures:
        with unit_of_work():
            staff.pin_failures = 0

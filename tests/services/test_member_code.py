"""The member code (会员码): a new 18-digit code per call, stored hashed; it works once and only
within its minute; replayed, expired, stolen or unknown codes do nothing; two cashiers with one
code: one wins; unknown codes typed by one staff member lock that person out."""

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import jobs
from app.extensions import db
from app.models import AuditLog, Member, MemberCode, MissGuard, Staff
from app.models.base import utcnow
from app.services.members import member_code
from app.services.members.member_code import CodeInvalid, CodeLocked
from app.services.platform.errors import Invalid, PermissionDenied
from tests.factories import ChainFactory, StationFactory, make_member, make_staff
from tests.threads import run_together, start_line

MINUTE = timedelta(seconds=60)


@pytest.fixture
def member(world):
    return make_member(world.chain, "o-code-owner")


def identify(staff, code, station):
    return member_code.identify(staff, code, station.id)


def row_of(code: str) -> MemberCode:
    db.session.expire_all()
    digest = hashlib.sha256(code.encode()).hexdigest()
    return db.session.scalar(select(MemberCode).where(MemberCode.code_hash == digest))


def misses_of(staff) -> int:
    db.session.expire_all()
    guard = db.session.get(MissGuard, f"member-code-staff:{staff.id}")
    return guard.misses if guard else 0


def unknown_code(n: int = 0) -> str:
    return f"88{n:016d}"


@pytest.mark.travel
def test_each_call_gives_a_new_18_digit_code_stored_only_hashed(world, member):
    first, expires = member_code.issue(member)
    second, _ = member_code.issue(member)
    assert re.fullmatch(r"88\d{16}", first) and first != second
    assert expires == utcnow() + MINUTE
    rows = db.session.scalars(select(MemberCode)).all()
    assert len(rows) == 2 and {r.member_id for r in rows} == {member.id}
    for row in rows:
        assert first not in repr(row.__dict__) and second not in repr(row.__dict__)
    assert row_of(first).expires_at == expires and row_of(first).used_at is None


@pytest.mark.travel
def test_a_code_works_once_and_says_who_used_it_where(world, member):
    code, _ = member_code.issue(member)
    spaced = f" {code[:6]} {code[6:12]} {code[12:]} "  # typed in groups, as shown
    assert identify(world.cashier_a, spaced, world.station_a).id == member.id
    row = row_of(code)
    assert (row.used_at, row.used_by_id, row.used_station_id) == (
        utcnow(),
        world.cashier_a.id,
        world.station_a.id,
    )
    for staff, station in ((world.cashier_a, world.station_a), (world.admin, world.station_b)):
        with pytest.raises(CodeInvalid) as replayed:
            identify(staff, code, station)
        assert replayed.value.status == 404 and "刷新" in replayed.value.message
    assert row_of(code).used_by_id == world.cashier_a.id  # the replay changed nothing
    assert misses_of(world.cashier_a) == 0  # a late scan is no guess


@pytest.mark.travel
def test_a_code_expires_after_its_minute(world, member, travel):
    early, _ = member_code.issue(member)
    late, _ = member_code.issue(member)
    travel.shift(MINUTE - timedelta(seconds=1))
    assert identify(world.cashier_a, early, world.station_a).id == member.id
    travel.shift(timedelta(seconds=1))  # exactly a minute: over
    with pytest.raises(CodeInvalid):
        identify(world.cashier_a, late, world.station_a)
    assert row_of(late).used_at is None


@pytest.mark.travel
def test_the_code_on_screen_works_while_the_next_is_fetched_but_a_stolen_old_one_never(
    world, member, travel
):
    shown, _ = member_code.issue(member)
    travel.shift(timedelta(seconds=50))  # the mini-program fetches the next code
    following, _ = member_code.issue(member)
    travel.shift(timedelta(seconds=5))
    # The cashier scanned the screen just before it changed: the code shown still works.
    assert identify(world.cashier_a, shown, world.station_a).id == member.id
    photographed, _ = member_code.issue(member)
    travel.shift(timedelta(seconds=61))  # someone photographed the screen; a minute passes
    for stolen in (photographed, shown, following):
        with pytest.raises(CodeInvalid):
            identify(world.manager_a, stolen, world.station_a)
    assert row_of(photographed).used_at is None and row_of(following).used_at is None
    fresh, _ = member_code.issue(member)
    assert identify(world.manager_a, fresh, world.station_a).id == member.id


def test_two_cashiers_with_one_code_at_once_one_wins(world, member, app):
    code, _ = member_code.issue(member)
    staff_ids = [world.cashier_a.id, world.manager_a.id]
    station_id = world.station_a.id
    outcomes, start = [], start_line(2)

    def scan(staff_id):
        with app.app_context():
            staff = db.session.get(Staff, staff_id)
            start.wait()
            try:
                outcomes.append(member_code.identify(staff, code, station_id).id)
            except CodeInvalid:
                outcomes.append("refused")
            finally:
                db.session.remove()

    run_together(*[lambda s=s: scan(s) for s in staff_ids], barrier=start)
    assert sorted(outcomes, key=str) == sorted([member.id, "refused"], key=str)
    assert row_of(code).used_by_id in staff_ids


@pytest.mark.travel
def test_unknown_codes_lock_out_the_staff_member_who_types_them(world, member, travel):
    for n in range(1, 5):
        with pytest.raises(CodeInvalid) as refused:
            identify(world.cashier_a, unknown_code(n), world.station_a)
        assert f"再错 {5 - n} 次" in refused.value.message
    with pytest.raises(CodeLocked) as locked:
        identify(world.cashier_a, unknown_code(5), world.station_a)
    assert locked.value.status == 429 and "10 分钟" in locked.value.message
    code, _ = member_code.issue(member)
    with pytest.raises(CodeLocked):  # even a good code, until the lock ends
        identify(world.cashier_a, code, world.station_a)
    assert row_of(code).used_at is None
    # Another person at the same counter is not locked.
    assert identify(world.manager_a, code, world.station_a).id == member.id
    lockouts = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "member_code.lockout")
    ).all()
    assert [(a.actor_staff_id, a.station_id) for a in lockouts] == [
        (world.cashier_a.id, world.station_a.id)
    ]
    travel.shift(timedelta(minutes=10, seconds=1))
    code, _ = member_code.issue(member)
    assert identify(world.cashier_a, code, world.station_a).id == member.id
    assert misses_of(world.cashier_a) == 0


@pytest.mark.travel
def test_misses_count_within_ten_minutes_and_a_hit_starts_again(world, member, travel):
    for n in range(3):
        with pytest.raises(CodeInvalid):
            identify(world.cashier_a, unknown_code(n), world.station_a)
    code, _ = member_code.issue(member)
    identify(world.cashier_a, code, world.station_a)
    assert misses_of(world.cashier_a) == 0
    for n in range(4):
        with pytest.raises(CodeInvalid):
            identify(world.cashier_a, unknown_code(n), world.station_a)
    travel.shift(timedelta(minutes=10, seconds=1))  # a new window
    with pytest.raises(CodeInvalid) as refused:
        identify(world.cashier_a, unknown_code(9), world.station_a)
    assert "再错 4 次" in refused.value.message


def test_a_hit_keeps_a_lockout_counted_while_it_was_being_checked(world, member, app, monkeypatch):
    """Misses another request counts between this hit's read and its reset are not wiped from
    a stale read: the lockout they set holds."""
    for n in range(3):
        with pytest.raises(CodeInvalid):
            identify(world.cashier_a, unknown_code(n), world.station_a)
    code, _ = member_code.issue(member)
    staff_id, station_id = world.cashier_a.id, world.station_a.id
    key = f"member-code-staff:{staff_id}"
    hash_code = member_code.hash_code

    def two_more_misses_meanwhile():
        with app.app_context():
            try:
                staff = db.session.get(Staff, staff_id)
                for n in (3, 4):
                    with pytest.raises((CodeInvalid, CodeLocked)):
                        member_code.identify(staff, unknown_code(n), station_id)
            finally:
                db.session.remove()

    def hash_after_the_others(digits):  # runs after identify has read the guard
        monkeypatch.setattr(member_code, "hash_code", hash_code)
        run_together(two_more_misses_meanwhile)
        return hash_code(digits)

    monkeypatch.setattr(member_code, "hash_code", hash_after_the_others)
    assert identify(world.cashier_a, code, world.station_a).id == member.id
    db.session.expire_all()
    guard = db.session.get(MissGuard, key)
    assert guard.misses == 5 and guard.locked_until > utcnow()


def test_malformed_codes_are_refused_without_counting(world, member):
    for typed in ("", "12345", "108812345678901234", "8812345678901234567", "88123456789012345x"):
        with pytest.raises(Invalid) as refused:
            identify(world.cashier_a, typed, world.station_a)
        assert set(refused.value.fields) == {"code"} and "18 位" in refused.value.message
    assert misses_of(world.cashier_a) == 0


def test_only_counter_staff_of_that_station_may_identify(world, member):
    code, _ = member_code.issue(member)
    for staff, station in (
        (world.attendant_a, world.station_a),  # the handheld has no member lookups
        (world.cashier_a, world.station_b),  # not their station
        (world.manager_b, world.station_a),
    ):
        with pytest.raises(PermissionDenied):
            identify(staff, code, station)
    assert row_of(code).used_at is None
    assert identify(world.admin, code, world.station_b).id == member.id  # every station


def test_a_cashier_of_another_chain_cannot_identify(world, member):
    code, _ = member_code.issue(member)
    elsewhere = ChainFactory()
    their_station = StationFactory(chain=elsewhere)
    their_cashier = make_staff(elsewhere, "cashier", [their_station], "cashier_elsewhere")
    db.session.commit()
    with pytest.raises(CodeInvalid):  # as unknown there: no hint that it exists
        identify(their_cashier, code, their_station)
    with pytest.raises(PermissionDenied):
        identify(their_cashier, code, world.station_a)
    assert row_of(code).used_at is None
    assert identify(world.cashier_a, code, world.station_a).id == member.id


@pytest.mark.travel
def test_housekeeping_deletes_codes_a_day_after_they_expired(world, member, travel, monkeypatch):
    old_used, _ = member_code.issue(member)
    identify(world.cashier_a, old_used, world.station_a)
    member_code.issue(member)  # never used
    travel.shift(timedelta(hours=12))
    recent, _ = member_code.issue(member)
    travel.shift(timedelta(hours=12, minutes=1, seconds=1))
    monkeypatch.setattr(jobs, "_last_housekeeping", 0.0)
    jobs.housekeeping()
    left = db.session.scalars(select(MemberCode.code_hash)).all()
    assert left == [hashlib.sha256(recent.encode()).hexdigest()]
    assert db.session.scalar(select(Member.id)) == member.id  # members are not touched

"""The unit of work: one commit for the outermost block, nested blocks join it, a failed inner
block is never half-committed, named steps commit, deadlocks are run again."""

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Station
from app.services.platform.unit_of_work import Busy, end_step, retrying, unit_of_work
from tests.threads import run_together, start_line


def name_of(station_id: int) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Station.name).where(Station.id == station_id))


def rename(station_id: int, name: str) -> None:
    db.session.execute(update(Station).where(Station.id == station_id).values(name=name))


def test_nested_blocks_commit_once_with_the_outer_one(world, transaction_ends):
    station = world.station_a.id
    transaction_ends.clear()
    with unit_of_work():
        with unit_of_work():
            rename(station, "内层")
        assert transaction_ends == []  # the inner block committed nothing
    assert transaction_ends == ["commit"]
    assert name_of(station) == "内层"
    with pytest.raises(RuntimeError), unit_of_work():
        with unit_of_work():
            rename(station, "又改")
        raise RuntimeError("after the inner block")
    assert name_of(station) == "内层"  # the inner block's work went with the outer one


def test_an_inner_failure_caught_by_the_outer_block_is_not_committed(world):
    station = world.station_a.id
    with pytest.raises(RuntimeError, match="inner unit of work failed"), unit_of_work():
        rename(station, "半途")
        try:
            with unit_of_work():
                raise ValueError("refused")
        except ValueError:
            pass
    assert name_of(station) != "半途"


def test_a_named_step_commits_what_came_before_it(world):
    station = world.station_a.id
    with pytest.raises(ValueError), unit_of_work():
        rename(station, "第一步")
        end_step()
        rename(station, "第二步")
        raise ValueError("the partner failed")
    assert name_of(station) == "第一步"


def test_a_deadlock_is_run_again_until_both_finish(app, world):
    """Two transactions update the same two rows in opposite order: the database kills one;
    retrying() runs it again and both changes land."""
    first, second = world.station_a.id, world.station_b.id
    both_hold_one = start_line(2)
    attempts = {"ab": 0, "ba": 0}

    def cross(label, one, two):
        def run():
            attempts[label] += 1
            with unit_of_work():
                rename(one, f"{label}-{attempts[label]}")
                if attempts[label] == 1:
                    both_hold_one.wait()
                rename(two, f"{label}-{attempts[label]}")

        def in_app():
            with app.app_context():
                retrying(run)
                db.session.remove()

        return in_app

    run_together(cross("ab", first, second), cross("ba", second, first), barrier=both_hold_one)
    assert sorted(attempts.values()) == [1, 2]  # the one the database killed ran again
    assert name_of(first) == name_of(second)  # the retried one wrote both rows last


def test_retries_give_up_with_busy(world):
    from psycopg.errors import DeadlockDetected
    from sqlalchemy.exc import OperationalError

    calls = []

    def always_deadlocked():
        calls.append(1)
        raise OperationalError("UPDATE ...", {}, DeadlockDetected("deadlock detected"))

    with pytest.raises(Busy):
        retrying(always_deadlocked)
    assert len(calls) == 3

"""A member's vehicles: five at most (races included), exactly one default while any exist,
plates unique per member, fuels of the chain, and staff finding members by plate."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Fuel, Member, Vehicle
from app.services.members import vehicles
from app.services.members.vehicles import PlateTaken, VehicleLimit
from app.services.platform.errors import Invalid, NotFound, PermissionDenied
from tests.factories import ChainFactory, make_member, make_staff
from tests.threads import run_together, start_line

PLATES = ["云A10001", "云AD10002", "云A10003D", "云B10004", "云A1005学", "云C10006"]


def defaults(member) -> list[str]:
    db.session.expire_all()
    query = select(Vehicle.plate).where(Vehicle.member_id == member.id, Vehicle.is_default)
    return list(db.session.scalars(query))


def count(member) -> int:
    return db.session.scalar(select(func.count()).where(Vehicle.member_id == member.id))


def add(member, plate, **how):
    return vehicles.add_vehicle(member, plate=plate, **how)


@pytest.fixture
def member(world):
    return make_member(world.chain, "o-car-owner")


def test_the_first_vehicle_is_the_default_and_later_ones_are_not(world, member):
    first = add(member, "云a·10001", name=" 家里的车 ", fuel_code="92")
    assert (first.plate, first.name, first.fuel_code, first.fuel_name) == (
        "云A10001",
        "家里的车",
        "92",
        "92#汽油",
    )
    assert first.is_default
    second = add(member, "云AD10002")
    assert not second.is_default and second.fuel_code is None
    assert defaults(member) == ["云A10001"]
    third = add(member, "云A10003D", make_default=True)
    assert third.is_default and defaults(member) == ["云A10003D"]
    assert [v.plate for v in vehicles.list_vehicles(member)] == PLATES[:3]
    assert vehicles.default_plate(member) == "云A10003D"


def test_five_at_most_and_a_freed_place_is_taken_again(world, member):
    for plate in PLATES[:5]:
        add(member, plate)
    with pytest.raises(VehicleLimit) as refused:
        add(member, PLATES[5])
    assert "最多添加 5 辆车" in refused.value.message
    third = vehicles.list_vehicles(member)[2]
    vehicles.delete_vehicle(member, third.id)
    add(member, PLATES[5])
    db.session.expire_all()
    slots = dict(db.session.execute(select(Vehicle.plate, Vehicle.slot)).all())
    assert slots[PLATES[5]] == 3 and sorted(slots.values()) == [1, 2, 3, 4, 5]


def test_the_database_holds_the_limit_and_the_one_default(world, member):
    """The constraints stand behind the service: a sixth place, a second vehicle in a taken
    place, a second default or a plate twice are refused by the table itself."""
    add(member, PLATES[0])
    base = dict(chain_id=world.chain.id, member_id=member.id, name="", is_default=False)
    for row in (
        dict(base, slot=6, plate=PLATES[1]),
        dict(base, slot=1, plate=PLATES[1]),
        dict(base, slot=2, plate=PLATES[1], is_default=True),
        dict(base, slot=2, plate=PLATES[0]),
    ):
        db.session.add(Vehicle(**row))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    assert count(member) == 1


def test_two_adds_at_once_when_four_exist_one_wins(world, member, app):
    for plate in PLATES[:4]:
        add(member, plate)
    member_id, outcomes, start = member.id, [], start_line(2)  # ids read here, not in threads

    def add_one(plate):
        with app.app_context():
            owner = db.session.get(Member, member_id)
            start.wait()
            try:
                outcomes.append(add(owner, plate).plate)
            except VehicleLimit:
                outcomes.append("limit")
            finally:
                db.session.remove()

    run_together(lambda: add_one(PLATES[4]), lambda: add_one(PLATES[5]), barrier=start)
    assert len(outcomes) == 2 and outcomes.count("limit") == 1
    assert count(member) == 5
    assert len(defaults(member)) == 1


def test_six_first_adds_at_once_give_five_vehicles_and_one_default(world, member, app):
    member_id, outcomes, start = member.id, [], start_line(6)

    def add_one(plate):
        with app.app_context():
            owner = db.session.get(Member, member_id)
            start.wait()
            try:
                outcomes.append(add(owner, plate).is_default)
            except VehicleLimit:
                outcomes.append("limit")
            finally:
                db.session.remove()

    run_together(*[lambda p=p: add_one(p) for p in PLATES], barrier=start)
    assert outcomes.count("limit") == 1 and outcomes.count(True) == 1
    assert count(member) == 5 and len(defaults(member)) == 1


def test_setting_the_default_at_once_on_two_vehicles_leaves_one(world, member, app):
    entries = [add(member, plate) for plate in PLATES[:3]]
    member_id, start = member.id, start_line(2)

    def choose(vehicle_id):
        with app.app_context():
            owner = db.session.get(Member, member_id)
            start.wait()
            try:
                vehicles.set_default(owner, vehicle_id)
            finally:
                db.session.remove()

    run_together(*[lambda i=e.id: choose(i) for e in entries[1:]], barrier=start)
    assert len(defaults(member)) == 1 and defaults(member)[0] in PLATES[1:3]


def test_deleting_the_default_promotes_the_earliest_left(world, member):
    first, second, third = (add(member, plate) for plate in PLATES[:3])
    left = vehicles.set_default(member, third.id)
    assert [v.is_default for v in left] == [False, False, True]
    left = vehicles.delete_vehicle(member, second.id)  # not the default: nothing moves
    assert [(v.id, v.is_default) for v in left] == [(first.id, False), (third.id, True)]
    left = vehicles.delete_vehicle(member, third.id)
    assert [(v.id, v.is_default) for v in left] == [(first.id, True)]
    assert vehicles.delete_vehicle(member, first.id) == []
    assert vehicles.default_plate(member) is None
    assert add(member, PLATES[3]).is_default  # the first again


def test_setting_the_default_twice_changes_nothing(world, member):
    first = add(member, PLATES[0])
    add(member, PLATES[1])
    assert [v.is_default for v in vehicles.set_default(member, first.id)] == [True, False]
    assert defaults(member) == [PLATES[0]]


def test_plates_are_unique_per_member_not_per_chain(world, member):
    first = add(member, PLATES[0])
    second = add(member, PLATES[1])
    with pytest.raises(PlateTaken):
        add(member, "云a10001")
    with pytest.raises(PlateTaken):
        vehicles.edit_vehicle(member, second.id, plate=PLATES[0])
    same = vehicles.edit_vehicle(member, first.id, plate=" 云A·10001 ", name="新名字")
    assert (same.plate, same.name) == (PLATES[0], "新名字")
    other = make_member(world.chain, "o-other-owner")
    assert add(other, PLATES[0]).is_default  # another member may keep the same plate


def test_edit_changes_only_what_is_given(world, member):
    entry = add(member, PLATES[0], name="老车", fuel_code="95")
    kept = vehicles.edit_vehicle(member, entry.id, name="老车改名")
    assert (kept.plate, kept.name, kept.fuel_code) == (PLATES[0], "老车改名", "95")
    no_fuel = vehicles.edit_vehicle(member, entry.id, fuel_code=None)
    assert (no_fuel.name, no_fuel.fuel_code, no_fuel.fuel_name) == ("老车改名", None, None)
    diesel = vehicles.edit_vehicle(member, entry.id, fuel_code="0", plate="云A10001D")
    assert (diesel.plate, diesel.fuel_name, diesel.is_default) == ("云A10001D", "0#柴油", True)


def test_the_fuel_must_be_one_of_the_chain(world, member):
    other_chain = ChainFactory()
    db.session.add(Fuel(chain_id=other_chain.id, code="E10", name="乙醇汽油", kind="gasoline"))
    db.session.commit()
    for code in ("89", "E10"):
        with pytest.raises(Invalid) as refused:
            add(member, PLATES[0], fuel_code=code)
        assert set(refused.value.fields) == {"fuel"} and code in refused.value.message
    with pytest.raises(Invalid) as refused:
        add(member, PLATES[0], name="名" * 21)
    assert set(refused.value.fields) == {"name"}
    with pytest.raises(Invalid) as refused:
        add(member, "云A1234")
    assert set(refused.value.fields) == {"plate"}
    assert count(member) == 0


def test_another_members_vehicle_is_not_found(world, member):
    theirs = add(make_member(world.chain, "o-someone-else"), PLATES[0])
    for attempt in (
        lambda: vehicles.edit_vehicle(member, theirs.id, name="我的"),
        lambda: vehicles.delete_vehicle(member, theirs.id),
        lambda: vehicles.set_default(member, theirs.id),
    ):
        with pytest.raises(NotFound):
            attempt()
    db.session.expire_all()
    assert db.session.get(Vehicle, theirs.id).name == ""


def test_staff_find_members_by_plate_in_their_chain_only(world, member):
    add(member, "云A10001")
    sharer = make_member(world.chain, "o-shares-the-car")
    add(sharer, PLATES[1])
    add(sharer, "云A10001")
    elsewhere = ChainFactory()
    stranger = make_member(elsewhere, "o-other-chain")
    add(stranger, "云A10001")
    for staff in (world.cashier_a, world.manager_b, world.admin):
        found = vehicles.members_by_plate(staff, " 云a·10001")
        assert [m.id for m in found] == [member.id, sharer.id]
    assert vehicles.members_by_plate(world.cashier_a, "云A99999") == []
    outsider = make_staff(elsewhere, "chain_admin", [], "admin_elsewhere")
    assert [m.id for m in vehicles.members_by_plate(outsider, "云A10001")] == [stranger.id]
    with pytest.raises(PermissionDenied):
        vehicles.members_by_plate(world.attendant_a, "云A10001")
    with pytest.raises(Invalid):
        vehicles.members_by_plate(world.cashier_a, "A10001")

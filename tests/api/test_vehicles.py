"""Driver vehicle API: add, list, edit, delete, choose the default; idempotent writes; another
driver's vehicles are not found; an order without a plate takes the default vehicle's."""

import uuid

import pytest
from sqlalchemy import func, select

from app.api.member_schemas import VehicleList, VehicleOut
from app.api.order_schemas import OrderOut
from app.extensions import db
from app.models import Vehicle
from tests.api.conftest import Api, assert_error, order_body


class Garage(Api):
    """The driver's API calls with PUT and DELETE too."""

    def write(self, method, path, body=None, key=None):
        headers = dict(self.headers)
        if key is not False:
            headers["Idempotency-Key"] = key or str(uuid.uuid4())
        return self.client.open("/api/v1" + path, method=method, json=body, headers=headers)

    def add(self, plate, **fields):
        answer = self.post("/vehicles", {"plate": plate, **fields})
        assert answer.status_code == 201, answer.get_json()
        return VehicleOut.model_validate(answer.get_json())

    def listed(self) -> VehicleList:
        answer = self.get("/vehicles")
        assert answer.status_code == 200
        return VehicleList.model_validate(answer.get_json())


@pytest.fixture
def garage(api):
    return Garage(api.client, api.headers["Authorization"].removeprefix("Bearer "))


@pytest.fixture
def neighbour(driver, client):
    return Garage(client, driver.token("o-neighbour"))


def count() -> int:
    return db.session.scalar(select(func.count(Vehicle.id)))


def test_add_list_edit_choose_and_delete(world, garage):
    assert garage.listed().model_dump() == {"items": [], "max_vehicles": 5}
    home = garage.add(" 云a·12345 ", name="家里的车", fuel="92")
    assert (home.plate, home.name, home.fuel.code, home.is_default) == (
        "云A12345",
        "家里的车",
        "92",
        True,
    )
    electric = garage.add("云AD12345")
    assert (electric.fuel, electric.name, electric.is_default) == (None, "", False)
    assert [v.id for v in garage.listed().items] == [home.id, electric.id]

    edited = garage.write("PUT", f"/vehicles/{electric.id}", {"plate": "云AD54321", "fuel": "0"})
    assert edited.status_code == 200, edited.get_json()
    edited = VehicleOut.model_validate(edited.get_json())
    assert (edited.plate, edited.fuel.name, edited.is_default) == ("云AD54321", "0#柴油", False)

    chosen = garage.post(f"/vehicles/{electric.id}/default")
    assert chosen.status_code == 200, chosen.get_json()
    flags = [(v.id, v.is_default) for v in VehicleList.model_validate(chosen.get_json()).items]
    assert flags == [(home.id, False), (electric.id, True)]

    left = garage.write("DELETE", f"/vehicles/{electric.id}")
    assert left.status_code == 200, left.get_json()
    left = VehicleList.model_validate(left.get_json())
    assert [(v.id, v.is_default) for v in left.items] == [(home.id, True)]  # promoted


def test_writes_are_idempotent(world, garage):
    key = str(uuid.uuid4())
    first = garage.post("/vehicles", {"plate": "云A12345"}, key=key)
    again = garage.post("/vehicles", {"plate": "云A12345"}, key=key)
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert count() == 1
    assert_error(
        garage.post("/vehicles", {"plate": "云B12345"}, key=key), 409, "idempotency_key_reused"
    )
    vehicle_id = first.get_json()["id"]
    key = str(uuid.uuid4())
    gone = garage.write("DELETE", f"/vehicles/{vehicle_id}", key=key)
    replay = garage.write("DELETE", f"/vehicles/{vehicle_id}", key=key)
    assert gone.status_code == replay.status_code == 200 and replay.get_json() == gone.get_json()
    assert_error(garage.write("DELETE", f"/vehicles/{vehicle_id}"), 404, "not_found")
    for method, path in (
        ("POST", "/vehicles"),
        ("PUT", f"/vehicles/{vehicle_id}"),
        ("DELETE", f"/vehicles/{vehicle_id}"),
        ("POST", f"/vehicles/{vehicle_id}/default"),
    ):
        answer = garage.write(method, path, {"plate": "云A12345"}, key=False)
        assert_error(answer, 400, "idempotency_key_required")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "车牌号"),
        ({"plate": ""}, "车牌号"),
        ({"plate": "云A1234"}, "车牌号"),
        ({"plate": "云AI2345"}, "车牌号"),
        ({"plate": "云A123456"}, "车牌号"),
        ({"plate": "云A12345", "name": "名" * 21}, "车辆名称"),
        ({"plate": "云A12345", "fuel": ""}, "常用油品"),
        ({"plate": "云A12345", "is_default": "yes"}, "设为默认"),
    ],
)
def test_bad_vehicles_are_told_in_chinese_naming_the_field(world, garage, body, field):
    message = assert_error(garage.post("/vehicles", body), 400, "invalid_request")
    assert field in message
    assert count() == 0


def test_limits_and_clashes_answer_409(world, garage):
    message = assert_error(
        garage.post("/vehicles", {"plate": "云A12345", "fuel": "89"}), 409, "rejected"
    )
    assert "89" in message
    for n in range(5):
        garage.add(f"云A1234{n}")
    assert_error(garage.post("/vehicles", {"plate": "云A12340"}), 409, "plate_taken")
    message = assert_error(garage.post("/vehicles", {"plate": "云B00001"}), 409, "vehicle_limit")
    assert "5" in message
    first, second = garage.listed().items[:2]
    answer = garage.write("PUT", f"/vehicles/{second.id}", {"plate": first.plate})
    assert_error(answer, 409, "plate_taken")
    assert count() == 5


def test_another_drivers_vehicles_are_not_found(world, garage, neighbour):
    mine = garage.add("云A12345", name="我的车")
    assert neighbour.listed().items == []
    for method, path, body in (
        ("PUT", f"/vehicles/{mine.id}", {"plate": "云A99999"}),
        ("DELETE", f"/vehicles/{mine.id}", None),
        ("POST", f"/vehicles/{mine.id}/default", None),
    ):
        assert_error(neighbour.write(method, path, body), 404, "not_found")
    assert garage.listed().items == [mine]
    assert neighbour.add("云A12345").is_default  # the same car on another driver's list


def test_ids_out_of_range_are_404_for_every_method(world, garage):
    for vehicle_id in ("0", "01", "2147483648", "99999999999", "x"):
        for method in ("PUT", "DELETE"):
            answer = garage.write(method, f"/vehicles/{vehicle_id}", {"plate": "云A12345"})
            assert_error(answer, 404, "not_found")


def test_an_order_without_a_plate_takes_the_default_vehicles(world, garage):
    def place(**changes):
        answer = garage.post("/orders", order_body(world, **changes))
        assert answer.status_code == 201, answer.get_json()
        return OrderOut.model_validate(answer.get_json())

    assert place().plate is None  # no vehicles yet
    garage.add("云A12345")
    electric = garage.add("云AD12345")
    assert place().plate == "云A12345"
    assert place(plate=None).plate == "云A12345"
    garage.post(f"/vehicles/{electric.id}/default")
    assert place().plate == "云AD12345"
    assert place(plate="").plate is None  # the driver says: no plate on this one
    assert place(plate="云b 54321").plate == "云B54321"  # another car, said so

"""A member's vehicles: up to five, one of them the default that prefills an order; the plate
rules of Chinese number plates; staff finding members by plate.

Plates (GA 36-2018, 机动车号牌), as `normalise_plate` accepts them, after removing spaces,
dots and dashes, full-width letters made half-width, letters upper-cased:

- ordinary (蓝牌/黄牌), 7 characters: province abbreviation + issuing letter + 5 letters or
  digits, e.g. 云A12345, 云AB123, 京N8Q8Y9;
- small new-energy (绿牌), 8 characters: province + letter + energy letter + 1 letter or digit +
  4 digits: D, and since 2021 (new number ranges once D and F ran out) A, B, C, E, for pure
  electric cars; F, and since 2021 G, H, J, K, for the others (plug-in hybrid, range extender,
  fuel cell), e.g. 云AD12345, 云AFA1234, 沪AA12345;
- large new-energy (黄绿牌), 8 characters: province + letter + 5 digits + D or F, e.g. 云A12345D;
- a 7th character that names the use: 学 (driving school), 警 (police), 挂 (trailer), 领 (consulate)
  after 4 letters or digits, e.g. 云A1234学; 港 and 澳 after 粤Z and 4 letters or digits, e.g.
  粤Z1234港 (Hong Kong and Macao cars that cross into Guangdong).

The letters I and O never appear in the serial (they read as 1 and 0). The issuing letter is
any of A-Z but I (O is given to some public-security fleets; turning a real car away is worse
than accepting a rare code). Not accepted: military and armed-police plates (no province),
embassy plates (使), temporary and test plates; staff can still sell to those cars without a plate.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Fuel, Member, Staff, Vehicle
from app.services.platform.errors import Invalid, NotFound, PermissionDenied, ServiceError
from app.services.platform.unit_of_work import unit_of_work

MAX_VEHICLES = 5  # the slots 1-5 of the vehicle table: the database holds the limit
NAME_MAX = 20
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_P, _ISSUER, _SERIAL, _DIGIT = f"[{PROVINCES}]", "[A-HJ-Z]", "[A-HJ-NP-Z0-9]", "[0-9]"  # no I, O
# Each form as its characters in order (a regex per character), so that the document's pattern
# for typed plates (with separators) is built from the same rules: see plate_input_pattern.
PLATE_FORMS = {
    "ordinary": [_P, _ISSUER, *[_SERIAL] * 5],
    "new_energy_small": [_P, _ISSUER, "[ABCDEFGHJK]", _SERIAL, *[_DIGIT] * 4],
    "new_energy_large": [_P, _ISSUER, *[_DIGIT] * 5, "[DF]"],
    "special": [_P, _ISSUER, *[_SERIAL] * 4, "[学警挂领]"],
    "hong_kong_macao": ["粤", "Z", *[_SERIAL] * 4, "[港澳]"],
}
PLATE = re.compile("|".join(f"(?:{''.join(form)})" for form in PLATE_FORMS.values()))
# What a driver may type between the characters: spaces, the middle dot of the plate, dots, dashes.
_SEPARATORS = re.compile(r"[\s·•・.\-_]")
PLATE_MESSAGE = "车牌号格式不对，例如 云A12345 或 云AD12345"
STAFF_ROLES = ("chain_admin", "manager", "cashier")


def plate_input_pattern(blank_allowed: bool) -> str:
    """A JSON Schema pattern of the plates normalise_plate takes as typed in ASCII: the forms
    above with spaces, middle dots, dots or dashes around characters and lower-case letters."""
    sep = "[ ·.-]*"

    def either_case(char: str) -> str:
        if char.startswith("["):
            inner = char[1:-1]
            return f"[{inner}{inner.lower()}]" if inner.lower() != inner else char
        return f"[{char}{char.lower()}]" if char.lower() != char else char

    forms = "|".join("".join(either_case(c) + sep for c in form) for form in PLATE_FORMS.values())
    return f"^{sep}(?:{forms}){'?' if blank_allowed else ''}$"


class VehicleLimit(ServiceError):
    status = 409
    code = "vehicle_limit"


class PlateTaken(ServiceError):
    status = 409
    code = "plate_taken"


def normalise_plate(text: str | None) -> str:
    """The plate in its usual form (云A12345), or Invalid naming the field 车牌号."""
    cleaned = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or "")).upper()
    if not cleaned:
        raise Invalid({"plate": "请填写车牌号"})
    if len(cleaned) > 12:
        raise Invalid({"plate": PLATE_MESSAGE})
    if PLATE.fullmatch(cleaned):
        return cleaned
    if cleaned[0] not in PROVINCES:
        raise Invalid({"plate": "车牌号应以省份简称开头，如 云A12345"})
    if re.search("[IO]", cleaned[2:]):
        raise Invalid({"plate": "车牌号里没有字母 I 和 O，请检查是否为数字 1 和 0"})
    raise Invalid({"plate": PLATE_MESSAGE})


@dataclass(frozen=True)
class VehicleEntry:
    """A vehicle as the driver sees it: with its fuel's code and name."""

    id: int
    plate: str
    name: str
    fuel_code: str | None
    fuel_name: str | None
    is_default: bool
    created_at: datetime


def _entry(vehicle: Vehicle, fuel: Fuel | None) -> VehicleEntry:
    return VehicleEntry(
        id=vehicle.id,
        plate=vehicle.plate,
        name=vehicle.name,
        fuel_code=fuel.code if fuel else None,
        fuel_name=fuel.name if fuel else None,
        is_default=vehicle.is_default,
        created_at=vehicle.created_at,
    )


def _entries(member_id: int) -> list[VehicleEntry]:
    rows = db.session.execute(
        select(Vehicle, Fuel)
        .outerjoin(Fuel, Fuel.id == Vehicle.fuel_id)
        .where(Vehicle.member_id == member_id)
        .order_by(Vehicle.slot)
    )
    return [_entry(vehicle, fuel) for vehicle, fuel in rows]


def list_vehicles(member: Member) -> list[VehicleEntry]:
    """The member's vehicles in the order they were given their places (slot)."""
    return _entries(member.id)


def vehicle_count(member: Member) -> int:
    return db.session.scalar(
        select(db.func.count(Vehicle.id)).where(Vehicle.member_id == member.id)
    )


def default_plate(member: Member) -> str | None:
    """The default vehicle's plate, which prefills an order placed without one."""
    return db.session.scalar(
        select(Vehicle.plate).where(Vehicle.member_id == member.id, Vehicle.is_default)
    )


def _clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if len(name) > NAME_MAX:
        raise Invalid({"name": f"车辆名称最多 {NAME_MAX} 个字"})
    return name


def _chain_fuel(chain_id: int, code: str | None) -> Fuel | None:
    if code is None:
        return None
    fuel = db.session.scalar(select(Fuel).where(Fuel.chain_id == chain_id, Fuel.code == code))
    if fuel is None:
        raise Invalid({"fuel": f"本油站没有 {code} 这种油品，请重新选择常用油品"})
    return fuel


def _lock(member: Member) -> list[Vehicle]:
    """Lock the member's row (FOR NO KEY UPDATE: orders and other rows that refer to the member
    are not held up), so the member's vehicle changes run one after another, then read the
    vehicles. The default rule (exactly one when any exist) needs every change to see the one
    before it; the limit of five and the unique plate are the table's constraints all the same."""
    db.session.execute(
        select(Member.id).where(Member.id == member.id).with_for_update(key_share=True)
    )
    query = select(Vehicle).where(Vehicle.member_id == member.id).order_by(Vehicle.slot)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))


def _own(vehicles: list[Vehicle], vehicle_id: int) -> Vehicle:
    for vehicle in vehicles:
        if vehicle.id == vehicle_id:
            return vehicle
    raise NotFound("车辆不存在")  # another member's vehicle is "not found" too


def _make_default(vehicles: list[Vehicle], chosen: Vehicle) -> None:
    """Move the default to `chosen`: the old one is cleared first, as the unique index wants."""
    for vehicle in vehicles:
        if vehicle.is_default and vehicle is not chosen:
            vehicle.is_default = False
    db.session.flush()
    chosen.is_default = True
    db.session.flush()


def _check_plate_free(vehicles: list[Vehicle], plate: str, other_than: Vehicle | None = None):
    if any(v.plate == plate and v is not other_than for v in vehicles):
        raise PlateTaken(f"车牌号 {plate} 已在您的车辆中")


def add_vehicle(
    member: Member,
    *,
    plate: str,
    name: str = "",
    fuel_code: str | None = None,
    make_default: bool = False,
) -> VehicleEntry:
    """Add a vehicle in the first free of the five places; the first one becomes the default."""
    plate, name = normalise_plate(plate), _clean_name(name)
    with unit_of_work():
        vehicles = _lock(member)
        fuel = _chain_fuel(member.chain_id, fuel_code)
        _check_plate_free(vehicles, plate)
        used = {v.slot for v in vehicles}
        free = [slot for slot in range(1, MAX_VEHICLES + 1) if slot not in used]
        if not free:
            raise VehicleLimit(f"最多添加 {MAX_VEHICLES} 辆车，请先删除不用的车辆")
        vehicle = Vehicle(
            chain_id=member.chain_id,
            member_id=member.id,
            slot=free[0],
            plate=plate,
            name=name,
            fuel_id=fuel.id if fuel else None,
            is_default=False,
        )
        db.session.add(vehicle)
        db.session.flush()
        if make_default or not vehicles:
            _make_default(vehicles, vehicle)
        return _entry(vehicle, fuel)


UNCHANGED = object()


def edit_vehicle(
    member: Member,
    vehicle_id: int,
    *,
    plate=UNCHANGED,
    name=UNCHANGED,
    fuel_code=UNCHANGED,
) -> VehicleEntry:
    """Change a vehicle's plate, name or fuel (fuel_code None: no usual fuel); the fields left
    UNCHANGED stay as they are."""
    if plate is not UNCHANGED:
        plate = normalise_plate(plate)
    if name is not UNCHANGED:
        name = _clean_name(name)
    with unit_of_work():
        vehicles = _lock(member)
        vehicle = _own(vehicles, vehicle_id)
        if plate is not UNCHANGED:
            _check_plate_free(vehicles, plate, other_than=vehicle)
            vehicle.plate = plate
        if name is not UNCHANGED:
            vehicle.name = name
        if fuel_code is not UNCHANGED:
            fuel = _chain_fuel(member.chain_id, fuel_code)
            vehicle.fuel_id = fuel.id if fuel else None
        db.session.flush()
        fuel = db.session.get(Fuel, vehicle.fuel_id) if vehicle.fuel_id else None
        return _entry(vehicle, fuel)


def delete_vehicle(member: Member, vehicle_id: int) -> list[VehicleEntry]:
    """Delete a vehicle; if it was the default, the one added earliest of those left becomes the
    default. Answers the vehicles left."""
    with unit_of_work():
        vehicles = _lock(member)
        vehicle = _own(vehicles, vehicle_id)
        db.session.delete(vehicle)
        db.session.flush()
        left = [v for v in vehicles if v is not vehicle]
        if vehicle.is_default and left:
            _make_default(left, left[0])
        return _entries(member.id)


def set_default(member: Member, vehicle_id: int) -> list[VehicleEntry]:
    """Make this vehicle the default (the others stop being it); answers all the vehicles."""
    with unit_of_work():
        vehicles = _lock(member)
        _make_default(vehicles, _own(vehicles, vehicle_id))
        return _entries(member.id)


def members_by_plate(actor: Staff, plate: str) -> list[Member]:
    """The members of the actor's chain who keep a vehicle with this plate (typed in any of the
    forms normalise_plate takes), for the counter and the console's search."""
    if actor.role not in STAFF_ROLES:
        raise PermissionDenied("只有收银员、站长和总部管理员可以查找会员")
    plate = normalise_plate(plate)
    query = (
        select(Member)
        .join(Vehicle, Vehicle.member_id == Member.id)
        .where(Vehicle.chain_id == actor.chain_id, Vehicle.plate == plate)
        .order_by(Member.id)
    )
    return list(db.session.scalars(query))

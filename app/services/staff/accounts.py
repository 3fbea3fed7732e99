"""Managing staff accounts: who may create, disable and reset whom."""

import re

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import ROLES, Staff, StaffStation, Station
from app.services.platform import audit
from app.services.platform.errors import Invalid, NotFound, PermissionDenied
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.access import visible_station_ids
from app.services.staff.passwords import hash_password, password_problem, temporary_password, verify

USERNAME = re.compile(r"^[a-z0-9_.]{3,30}$")
STATION_ROLES = ("manager", "cashier", "attendant")


def manageable_roles(actor: Staff) -> list[str]:
    if actor.role == "chain_admin":
        return list(ROLES)
    if actor.role == "manager":
        return ["cashier", "attendant"]
    return []


def list_staff(actor: Staff) -> list[Staff]:
    if actor.role == "chain_admin":
        query = select(Staff).where(Staff.chain_id == actor.chain_id)
    elif actor.role == "manager":
        linked = select(StaffStation.staff_id).where(
            StaffStation.station_id.in_(actor.station_ids or {-1})
        )
        query = select(Staff).where(Staff.chain_id == actor.chain_id, Staff.id.in_(linked))
    else:
        raise PermissionDenied("只有站长和总部管理员可以管理员工")
    return list(db.session.scalars(query.order_by(Staff.role, Staff.username)))


def can_manage(actor: Staff, target: Staff) -> bool:
    if target.chain_id != actor.chain_id or target.id == actor.id:
        return False
    if actor.role == "chain_admin":
        return True
    return (
        actor.role == "manager"
        and target.role in manageable_roles(actor)
        and bool(target.station_ids)
        and target.station_ids <= actor.station_ids
    )


def _target(actor: Staff, staff_id: int) -> Staff:
    target = db.session.get(Staff, staff_id)
    if target is None or target.chain_id != actor.chain_id:
        raise NotFound("员工不存在")
    if not can_manage(actor, target):
        raise PermissionDenied("您不能管理该员工")
    return target


def _record(actor: Staff, target: Staff, action: str, before: dict | None, after: dict | None):
    """One audit row per station the staff member belongs to, so each station sees it."""
    for station_id in sorted(target.station_ids) or [None]:
        audit.record(
            actor,
            action,
            "staff",
            target.id,
            chain_id=target.chain_id,
            station_id=station_id,
            before=before,
            after=after,
        )


def new_staff_problems(
    actor: Staff,
    username: str,
    display_name: str,
    phone: str,
    role: str,
    station_ids: list[int],
    password: str,
) -> dict[str, str]:
    """What is wrong with a new account, by field."""
    username = (username or "").strip().lower()
    display_name = (display_name or "").strip()
    phone = (phone or "").strip()
    errors = {}
    if not USERNAME.match(username):
        errors["username"] = "用户名为 3-30 位小写字母、数字、下划线或点"
    elif db.session.scalar(select(Staff.id).where(Staff.username == username)):
        errors["username"] = "该用户名已被使用"
    if not display_name or len(display_name) > 50:
        errors["display_name"] = "请填写姓名（最多 50 字）"
    if phone and not (phone.isdigit() and 5 <= len(phone) <= 20):
        errors["phone"] = "手机号只能是数字"
    if role not in manageable_roles(actor):
        errors["role"] = "您不能创建该角色的员工"
    allowed = visible_station_ids(actor) if actor.role in ("chain_admin", "manager") else set()
    if role in STATION_ROLES and not station_ids:
        errors["station_ids"] = "请至少选择一个油站"
    elif not set(station_ids) <= allowed:
        errors["station_ids"] = "只能选择您管理的油站"
    if role == "chain_admin" and station_ids:
        errors["station_ids"] = "总部管理员不属于单个油站"
    problem = password_problem(password or "")
    if problem:
        errors["password"] = problem
    return errors


def create_staff(
    actor: Staff,
    username: str,
    display_name: str,
    phone: str,
    role: str,
    station_ids: list[int],
    password: str,
) -> Staff:
    username = (username or "").strip().lower()
    display_name = (display_name or "").strip()
    phone = (phone or "").strip()
    station_ids = sorted(set(station_ids))
    errors = new_staff_problems(actor, username, display_name, phone, role, station_ids, password)
    if errors:
        raise Invalid(errors)
    password_hash = hash_password(password)
    with unit_of_work():
        staff = Staff(
            chain_id=actor.chain_id,
            username=username,
            display_name=display_name,
            phone=phone,
            role=role,
            password_hash=password_hash,
            must_change_password=True,
        )
        db.session.add(staff)
        try:
            db.session.flush()
        except IntegrityError:  # the same username, created a moment ago
            raise Invalid({"username": "该用户名已被使用"}) from None
        for station_id in station_ids:
            staff.station_links.append(
                StaffStation(chain_id=actor.chain_id, staff_id=staff.id, station_id=station_id)
            )
        db.session.flush()
        _record(
            actor,
            staff,
            "staff.create",
            None,
            {
                "username": username,
                "display_name": display_name,
                "role": role,
                "station_ids": station_ids,
            },
        )
    return staff


def _end_sessions(staff: Staff) -> None:
    db.session.execute(
        update(Staff).where(Staff.id == staff.id).values(login_epoch=Staff.login_epoch + 1)
    )


def set_enabled(actor: Staff, staff_id: int, enabled: bool) -> Staff:
    target = _target(actor, staff_id)
    if target.is_enabled == enabled:
        return target
    with unit_of_work():
        target.is_enabled = enabled
        if not enabled:
            _end_sessions(target)
        _record(
            actor,
            target,
            "staff.enable" if enabled else "staff.disable",
            {"enabled": not enabled},
            {"enabled": enabled},
        )
    return target


def reset_password(actor: Staff, staff_id: int) -> str:
    """A new temporary password (shown once); the staff member must change it at next login."""
    target = _target(actor, staff_id)
    password = temporary_password()
    password_hash = hash_password(password)
    with unit_of_work():
        target.password_hash = password_hash
        target.must_change_password = True
        _end_sessions(target)
        _record(actor, target, "staff.reset_password", None, {"must_change_password": True})
    return password


def change_own_password(staff: Staff, current_password: str, new_password: str) -> None:
    """Ends every other session too: the caller logs the staff member in again."""
    errors = {}
    if not verify(staff.password_hash, current_password or ""):
        errors["current_password"] = "当前密码不正确"
    problem = password_problem(new_password or "")
    if problem:
        errors["new_password"] = problem
    elif new_password == current_password:
        errors["new_password"] = "新密码不能与当前密码相同"
    if errors:
        raise Invalid(errors)
    password_hash = hash_password(new_password)
    with unit_of_work():
        staff.password_hash = password_hash
        staff.must_change_password = False
        staff.login_epoch += 1
        _record(staff, staff, "staff.change_password", None, {"must_change_password": False})


def station_choices(actor: Staff) -> list[Station]:
    """The stations the actor may assign staff to."""
    ids = visible_station_ids(actor) if actor.role in ("chain_admin", "manager") else set()
    query = select(Station).where(Station.id.in_(ids or {-1})).order_by(Station.code)
    return list(db.session.scalars(query))

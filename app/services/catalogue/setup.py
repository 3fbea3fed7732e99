"""First-time setup: a chain with its standard fuel grades, and its first chain admin."""

from sqlalchemy import select

from app.extensions import db
from app.models import Chain, Fuel, Staff
from app.services.platform import audit
from app.services.platform.errors import Invalid
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.accounts import USERNAME
from app.services.staff.passwords import hash_password, password_problem

STANDARD_FUELS = [
    ("92", "92#汽油", "gasoline"),
    ("95", "95#汽油", "gasoline"),
    ("98", "98#汽油", "gasoline"),
    ("0", "0#柴油", "diesel"),
]


def ensure_chain(code: str, name: str, wechat_appid: str | None) -> Chain:
    """The chain with this code, created with the standard fuels if it does not exist."""
    chain = db.session.scalar(select(Chain).where(Chain.code == code))
    if chain is not None:
        return chain
    with unit_of_work():
        chain = Chain(code=code, name=name, wechat_appid=wechat_appid or None)
        db.session.add(chain)
        db.session.flush()
        for order, (fuel_code, fuel_name, kind) in enumerate(STANDARD_FUELS):
            db.session.add(
                Fuel(chain_id=chain.id, code=fuel_code, name=fuel_name, kind=kind, sort_order=order)
            )
    return chain


def create_admin(chain: Chain, username: str, display_name: str, password: str) -> Staff:
    username = username.strip().lower()
    errors = {}
    if not USERNAME.match(username):
        errors["username"] = "用户名为 3-30 位小写字母、数字、下划线或点"
    problem = password_problem(password)
    if problem:
        errors["password"] = problem
    if db.session.scalar(select(Staff.id).where(Staff.username == username)):
        errors["username"] = "该用户名已被使用"
    if errors:
        raise Invalid(errors)
    password_hash = hash_password(password)
    with unit_of_work():
        admin = Staff(
            chain_id=chain.id,
            username=username,
            display_name=display_name or username,
            role="chain_admin",
            password_hash=password_hash,
        )
        db.session.add(admin)
        db.session.flush()
        audit.record(
            None,
            "staff.create",
            "staff",
            admin.id,
            chain_id=chain.id,
            after={"username": username, "role": "chain_admin", "via": "create-admin"},
        )
    return admin

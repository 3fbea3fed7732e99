"""Staff looking members up: who may (cashiers, managers and chain admins, for the members of
their own chain), the search by phone (whole or last four digits), plate or nickname, and the
member code scanned at the counter."""

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.models import Member, Staff, Station, Tier, Vehicle, Wallet
from app.services.members import member_code
from app.services.members.privacy import mask_phone
from app.services.platform.errors import Invalid, NotFound, PermissionDenied
from app.services.staff.access import visible_station_ids

MEMBER_ROLES = ("cashier", "manager", "chain_admin")
SEARCH_KINDS = {"auto": "自动识别", "phone": "手机号", "plate": "车牌", "name": "昵称"}
QUERY_MAX = 30
PER_PAGE = 20
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_START = re.compile(rf"[{_PROVINCES}][A-Z][A-Z0-9]{{0,6}}[挂学警]?")
_PLATE_TAIL = re.compile(r"(?=.*[0-9])(?=.*[A-Z])[A-Z0-9]{5,7}")
_PLATE_NOISE = re.compile(r"[\s·.\-]")


def require_member_access(actor: Staff) -> None:
    """Members' pages are for the counter and the managers, not the handheld's attendants."""
    if actor.role not in MEMBER_ROLES:
        raise PermissionDenied("只有收银员、站长和总部管理员可以查看会员")


def working_station(actor: Staff, station_id: int | None) -> Station | None:
    """The station the staff member acts from: the one asked for, which must be one of theirs
    (another station: PermissionDenied), else their only station; None when they have several
    (a chain admin, a manager of two) and did not say."""
    require_member_access(actor)
    stations = visible_station_ids(actor)
    if station_id is None:
        if len(stations) != 1:
            return None
        station_id = next(iter(stations))
    station = db.session.get(Station, station_id)
    if station is None or station.chain_id != actor.chain_id:
        raise NotFound("油站不存在")
    if station_id not in stations:
        raise PermissionDenied("您不在该油站工作")
    return station


def get_member(actor: Staff, member_id: int) -> Member:
    """A member of the actor's chain; NotFound for any other id (another chain's included)."""
    require_member_access(actor)
    member = db.session.get(Member, member_id)
    if member is None or member.chain_id != actor.chain_id:
        raise NotFound("会员不存在")
    return member


@dataclass
class MemberRow:
    """A line of the search results: what the counter needs to pick the right driver."""

    member: Member
    phone: str  # masked
    principal_fen: int = 0
    bonus_fen: int = 0
    frozen: bool = False
    tier_name: str = ""
    plates: list[str] = field(default_factory=list)


@dataclass
class Results:
    rows: list[MemberRow]
    number: int  # the page, from 1
    has_next: bool
    kind: str  # what the query was read as: phone, phone4, plate or name


def classify(text: str, kind: str = "auto") -> tuple[str, str]:
    """(how to search, the cleaned value): phone (11 digits), phone4 (the last four), plate
    (upper case, no spaces) or name. Invalid, naming the field q, for what cannot be searched."""
    value = (text or "").strip()
    if kind not in SEARCH_KINDS:
        raise Invalid({"kind": "请选择查找方式"})
    if not value:
        raise Invalid({"q": "请输入手机号、车牌号或昵称"})
    if len(value) > QUERY_MAX or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise Invalid({"q": f"查找内容最多 {QUERY_MAX} 个字符，且不能含有特殊字符"})
    digits = value.replace(" ", "").replace("-", "")
    if kind == "phone" or (kind == "auto" and digits.isdigit()):
        if digits.isdigit() and len(digits) == 11:
            return "phone", digits
        if digits.isdigit() and len(digits) == 4:
            return "phone4", digits
        raise Invalid({"q": "手机号请输入完整的 11 位或后 4 位"})
    plate = _PLATE_NOISE.sub("", value).upper()
    if kind == "plate" or (kind == "auto" and _looks_like_plate(plate)):
        if len(plate) < 3:
            raise Invalid({"q": "车牌号至少输入 3 位"})
        return "plate", plate
    return "name", value


def _looks_like_plate(plate: str) -> bool:
    """云A12345 or its start (云A), or a plate without its province (A12345, letters and digits)."""
    return bool(_PLATE_START.fullmatch(plate) or _PLATE_TAIL.fullmatch(plate))


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(
    actor: Staff, text: str, kind: str = "auto", page: int = 1, per_page: int = PER_PAGE
) -> Results:
    """One page of the chain's members matching, newest members first (no total count)."""
    require_member_access(actor)
    how, value = classify(text, kind)
    query = select(Member).where(Member.chain_id == actor.chain_id)
    if how == "phone":
        query = query.where(Member.phone == value)
    elif how == "phone4":
        query = query.where(Member.phone.like(f"%{value}"))
    elif how == "plate":
        plates = select(Vehicle.member_id).where(Vehicle.chain_id == actor.chain_id)
        if value[0] in _PROVINCES and len(value) >= 7:  # a whole plate: the index finds it
            plates = plates.where(Vehicle.plate == value)
        else:
            plates = plates.where(Vehicle.plate.like(f"%{_like(value)}%", escape="\\"))
        query = query.where(Member.id.in_(plates))
    else:
        query = query.where(Member.nickname.ilike(f"%{_like(value)}%", escape="\\"))
    page = max(page, 1)
    query = query.order_by(Member.id.desc()).offset((page - 1) * per_page).limit(per_page + 1)
    members = list(db.session.scalars(query))
    rows = describe(members[:per_page])
    return Results(rows, page, len(members) > per_page, how)


def export_rows(actor: Staff, text: str, kind: str = "auto", limit: int = 5000):
    """Every match (up to limit) for the Excel export, in pages of the search."""
    number = 1
    while True:
        results = search(actor, text, kind, number, per_page=500)
        yield from results.rows
        if not results.has_next or number * 500 >= limit:
            return
        number += 1


def describe(members: list[Member]) -> list[MemberRow]:
    """Rows with each member's balances, tier and plates, in three queries for the page."""
    ids = [m.id for m in members] or [-1]
    wallets = {
        w.member_id: w for w in db.session.scalars(select(Wallet).where(Wallet.member_id.in_(ids)))
    }
    tier_ids = {m.tier_id for m in members if m.tier_id} or {-1}
    tiers = dict(db.session.execute(select(Tier.id, Tier.name).where(Tier.id.in_(tier_ids))).all())
    plates: dict[int, list[str]] = {}
    vehicles = select(Vehicle.member_id, Vehicle.plate).where(Vehicle.member_id.in_(ids))
    for member_id, plate in db.session.execute(vehicles.order_by(Vehicle.slot)):
        plates.setdefault(member_id, []).append(plate)
    rows = []
    for m in members:
        wallet = wallets.get(m.id)
        rows.append(
            MemberRow(
                member=m,
                phone=mask_phone(m.phone),
                principal_fen=wallet.principal_fen if wallet else 0,
                bonus_fen=wallet.bonus_fen if wallet else 0,
                frozen=bool(wallet and wallet.frozen_at),
                tier_name=tiers.get(m.tier_id, "") if m.tier_id else "",
                plates=plates.get(m.id, []),
            )
        )
    return rows


def identify_by_code(actor: Staff, code: str, station: Station | None) -> Member:
    """The member whose member code (会员码) the cashier scanned or typed at their station, the
    code used up (members.member_code.identify)."""
    require_member_access(actor)
    code = (code or "").strip()
    if not code:
        raise Invalid({"code": "请扫描或输入会员码"})
    if station is None:
        raise Invalid({"code": "请先选择您所在的油站，再扫会员码"})
    return member_code.identify(actor, code, station.id)

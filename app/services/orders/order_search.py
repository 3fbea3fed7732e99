"""The staff's orders list: the chain's orders for a chain admin, their own stations' for a
station's manager or cashier; filtered, paged newest first, with totals over everything that
matches (in SQL) and a streamed iterator for the export.

The filters come as the query string typed them and are checked here, so the page and its
export refuse the same values with the same Chinese messages."""

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    ORDER_CHANNELS,
    ORDER_STATUSES,
    Fuel,
    Member,
    Nozzle,
    Order,
    PickupToken,
    Staff,
    Station,
)
from app.models.order import PAYMENT_METHOD_NAMES
from app.services.members.privacy import mask_phone
from app.services.orders import pickup
from app.services.platform.clock import from_local
from app.services.platform.errors import Invalid, PermissionDenied
from app.services.staff.access import covered_station_ids, visible_stations

ROLES = ("cashier", "manager", "chain_admin")
PAYMENT_METHODS = PAYMENT_METHOD_NAMES
PER_PAGE = 30
MAX_PAGE = 100_000
STREAM_BATCH = 500
_ORDER_NO = re.compile(r"[A-Z0-9]{4,32}")
_PLATE_NOISE = re.compile(r"[\s·.\-]")


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; None means any. Days are local (Beijing) dates."""

    day_from: date | None = None
    day_to: date | None = None
    station_id: int | None = None
    status: str | None = None
    channel: str | None = None
    payment_method: str | None = None
    fuel_id: int | None = None
    nozzle: int | None = None
    plate: str | None = None  # part of a plate, upper case, no separators
    order_no: str | None = None  # the whole number, or at least 4 characters of it
    pickup_code: str | None = None  # the 8 digits of a paid order not yet fuelled
    phone: str | None = None  # the driver's 11 digits, or the last 4


FILTER_NAMES = tuple(f.name for f in fields(Filters))
LABELS = {
    "day_from": "开始日期",
    "day_to": "结束日期",
    "station_id": "油站",
    "status": "状态",
    "channel": "渠道",
    "payment_method": "支付方式",
    "fuel_id": "油品",
    "nozzle": "枪号",
    "plate": "车牌号",
    "order_no": "订单号",
    "pickup_code": "取油码",
    "phone": "手机号",
}


def _day(value: str, name: str, errors: dict) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = f"{LABELS[name]}应为 年-月-日，例如 2024-05-01"
        return None


def _number(value: str, name: str, errors: dict, high: int, message: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= high:
        errors[name] = message
        return None
    return int(value)


def _choice(value: str, name: str, errors: dict, choices, message: str) -> str | None:
    if value and value not in choices:
        errors[name] = message
    return value if value in choices else None


def read_filters(values: Mapping[str, str]) -> Filters:
    """The filters from a query string; Invalid naming every field that is wrong, in Chinese."""
    errors: dict[str, str] = {}
    texts = {}
    for name in FILTER_NAMES:
        value = unicodedata.normalize("NFKC", values.get(name) or "").strip()
        if len(value) > 40 or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            errors[name], value = f"{LABELS[name]}含有无效字符或过长", ""
        texts[name] = value
    biggest = 2**31 - 1
    found = {
        "day_from": _day(texts["day_from"], "day_from", errors),
        "day_to": _day(texts["day_to"], "day_to", errors),
        "station_id": _number(texts["station_id"], "station_id", errors, biggest, "请选择油站"),
        "status": _choice(texts["status"], "status", errors, ORDER_STATUSES, "请选择订单状态"),
        "channel": _choice(texts["channel"], "channel", errors, ORDER_CHANNELS, "请选择下单渠道"),
        "payment_method": _choice(
            texts["payment_method"], "payment_method", errors, PAYMENT_METHODS, "请选择支付方式"
        ),
        "fuel_id": _number(texts["fuel_id"], "fuel_id", errors, biggest, "请选择油品"),
        "nozzle": _number(texts["nozzle"], "nozzle", errors, 99, "枪号应为 1 到 99 的整数"),
    }
    if found["day_from"] and found["day_to"] and found["day_to"] < found["day_from"]:
        errors["day_to"] = "结束日期不能早于开始日期"
    plate = _PLATE_NOISE.sub("", texts["plate"]).upper()
    if plate and not 2 <= len(plate) <= 12:
        errors["plate"] = "车牌号至少输入 2 位，最多 12 位"
    order_no = texts["order_no"].replace(" ", "").upper()
    if order_no and not _ORDER_NO.fullmatch(order_no):
        errors["order_no"] = "订单号为字母和数字，至少输入 4 位"
    code = re.sub(r"[\s-]", "", texts["pickup_code"])
    if code and not re.fullmatch(rf"\d{{{pickup.CODE_DIGITS}}}", code):
        errors["pickup_code"] = f"取油码为 {pickup.CODE_DIGITS} 位数字"
    phone = texts["phone"].replace(" ", "").replace("-", "")
    if phone and not (phone.isdigit() and len(phone) in (4, 11)):
        errors["phone"] = "手机号请输入完整的 11 位或后 4 位"
    if errors:
        raise Invalid(errors)
    return Filters(
        **found,
        plate=plate or None,
        order_no=order_no or None,
        pickup_code=code or None,
        phone=phone or None,
    )


def stations_for(actor: Staff) -> list[Station]:
    """The stations whose orders the actor sees (the filter's choices); PermissionDenied for
    anyone who may not see orders."""
    if actor.role not in ROLES:
        raise PermissionDenied("只有收银员、站长和总部管理员可以查看订单")
    return visible_stations(actor)


def _stations(actor: Staff, station_id: int | None) -> set[int]:
    """The stations the list covers; another's station is refused, not shown empty."""
    if actor.role not in ROLES:
        raise PermissionDenied("只有收银员、站长和总部管理员可以查看订单")
    return covered_station_ids(actor, station_id, "该油站不是您所在的油站")


def _conditions(actor: Staff, f: Filters) -> list:
    """The WHERE of every query of the list, on fuel_order (and subqueries) only."""
    stations = _stations(actor, f.station_id)
    where = [Order.chain_id == actor.chain_id, Order.station_id.in_(stations)]
    if f.day_from:
        where.append(Order.created_at >= from_local(datetime.combine(f.day_from, time())))
    if f.day_to:
        end = from_local(datetime.combine(f.day_to + timedelta(days=1), time()))
        where.append(Order.created_at < end)
    for name in ("status", "channel", "payment_method", "fuel_id"):
        if getattr(f, name) is not None:
            where.append(getattr(Order, name) == getattr(f, name))
    if f.nozzle is not None:
        nozzles = select(Nozzle.id).where(Nozzle.chain_id == actor.chain_id)
        where.append(Order.nozzle_id.in_(nozzles.where(Nozzle.number == f.nozzle)))
    if f.plate:
        where.append(Order.plate.like(f"%{_like(f.plate)}%", escape="\\"))
    if f.order_no:
        if len(f.order_no) == 24:  # a whole number: the unique index finds it
            where.append(Order.order_no == f.order_no)
        else:
            where.append(Order.order_no.like(f"%{_like(f.order_no)}%", escape="\\"))
    if f.pickup_code:
        # Stored only as a keyed hash per station; burnt (cleared) once the order is fuelled.
        code, token = f.pickup_code, PickupToken
        pairs = [
            and_(token.station_id == s, token.code_hash == pickup.hash_code(s, code))
            for s in stations
        ]
        where.append(Order.id.in_(select(PickupToken.order_id).where(or_(*pairs))))
    if f.phone:
        members = select(Member.id).where(Member.chain_id == actor.chain_id)
        if len(f.phone) == 11:
            members = members.where(Member.phone == f.phone)
        else:
            members = members.where(Member.phone.like(f"%{f.phone}"))
        where.append(Order.member_id.in_(members))
    return where


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class OrderRow(NamedTuple):
    id: int
    order_no: str
    created_at: datetime
    station_name: str
    fuel_name: str
    nozzle: int | None
    plate: str | None
    channel: str
    payment_method: str | None
    status: str
    amount_fen: int
    paid_fen: int
    refunded_fen: int
    dispensed_ml: int | None
    dispensed_fen: int | None
    phone: str  # masked
    fueled_by: str | None

    @property
    def net_fen(self) -> int:
        return self.paid_fen - self.refunded_fen


def _rows_query(actor: Staff, f: Filters):
    attendant = aliased(Staff)
    return (
        select(
            Order.id,
            Order.order_no,
            Order.created_at,
            Station.name,
            Fuel.name,
            Nozzle.number,
            Order.plate,
            Order.channel,
            Order.payment_method,
            Order.status,
            Order.amount_fen,
            Order.paid_fen,
            Order.refunded_fen,
            Order.dispensed_ml,
            Order.dispensed_fen,
            Member.phone,
            attendant.display_name,
        )
        .join(Station, Station.id == Order.station_id)
        .join(Fuel, Fuel.id == Order.fuel_id)
        .outerjoin(Member, Member.id == Order.member_id)  # a walk-in sale may have none
        .outerjoin(Nozzle, Nozzle.id == Order.nozzle_id)
        .outerjoin(attendant, attendant.id == Order.fueled_by_id)
        .where(*_conditions(actor, f))
        .order_by(Order.created_at.desc(), Order.id.desc())
    )


def _row(values) -> OrderRow:
    row = OrderRow(*values)
    return row._replace(phone=mask_phone(row.phone))


@dataclass(frozen=True)
class Totals:
    count: int
    dispensed_ml: int
    paid_fen: int
    refunded_fen: int

    @property
    def net_fen(self) -> int:
        return self.paid_fen - self.refunded_fen


def totals(actor: Staff, f: Filters) -> Totals:
    """Over every order that matches, not one page: one aggregate query."""
    zero = 0
    query = select(
        func.count(Order.id),
        func.coalesce(func.sum(Order.dispensed_ml), zero),
        func.coalesce(func.sum(Order.paid_fen), zero),
        func.coalesce(func.sum(Order.refunded_fen), zero),
    ).where(*_conditions(actor, f))
    return Totals(*(int(v) for v in db.session.execute(query).one()))


@dataclass(frozen=True)
class Page:
    rows: list[OrderRow]
    number: int
    per_page: int
    totals: Totals

    @property
    def pages(self) -> int:
        return max(1, -(-self.totals.count // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def search(actor: Staff, f: Filters, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page, newest first (created_at, then id: stable when two share a moment)."""
    if not 1 <= page <= MAX_PAGE:
        raise Invalid({"page": f"页码应为 1 到 {MAX_PAGE} 的整数"})
    sums = totals(actor, f)
    query = _rows_query(actor, f).offset((page - 1) * per_page).limit(per_page)
    rows = [_row(values) for values in db.session.execute(query)]
    return Page(rows, page, per_page, sums)


def export_rows(actor: Staff, f: Filters, limit: int) -> Iterator[OrderRow]:
    """Every matching order (limit at most), newest first, read from a server-side cursor in
    batches: memory stays flat however many there are."""
    query = _rows_query(actor, f).limit(limit).execution_options(yield_per=STREAM_BATCH)
    for values in db.session.execute(query):
        yield _row(values)

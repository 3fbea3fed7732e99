"""The invoice requests of the staff member's stations (the chain's for a chain admin): filtered
by the query string, those waiting first, newest first within; paged, and as rows for the export.

The filters come as the query string typed them and are checked here, so the page and its
export refuse the same values with the same Chinese messages."""

import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, or_, select

from app.extensions import db
from app.models import INVOICE_STATUSES, Fuel, InvoiceRequest, Order, Staff, Station
from app.services.invoices.handling import stations
from app.services.members.privacy import mask_phone
from app.services.platform.clock import from_local
from app.services.platform.errors import Invalid, NotFound, PermissionDenied

PER_PAGE = 20
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Filters:
    """None means any. Days are local (Beijing) dates of the request."""

    status: str | None = None
    station_id: int | None = None
    day_from: date | None = None
    day_to: date | None = None
    q: str | None = None  # part of the title, tax number, email, phone or order number


FILTER_NAMES = tuple(f.name for f in fields(Filters))
LABELS = {
    "status": "状态",
    "station_id": "油站",
    "day_from": "申请日期从",
    "day_to": "到",
    "q": "抬头/税号/手机/邮箱/订单号",
}


def read_filters(values: Mapping[str, str]) -> Filters:
    """The filters from a query string; Invalid naming every field that is wrong, in Chinese."""
    errors, texts = {}, {}
    for name in FILTER_NAMES:
        value = unicodedata.normalize("NFKC", values.get(name) or "").strip()
        if len(value) > 40 or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            errors[name], value = f"{LABELS[name]}含有无效字符或过长", ""
        texts[name] = value
    status = texts["status"] or None
    if status and status not in INVOICE_STATUSES:
        errors["status"], status = "请选择状态", None
    station_id = None
    if texts["station_id"]:
        if texts["station_id"].isdigit() and int(texts["station_id"]) < 2**31:
            station_id = int(texts["station_id"])
        else:
            errors["station_id"] = "请选择油站"
    days = {}
    for name in ("day_from", "day_to"):
        try:
            days[name] = date.fromisoformat(texts[name]) if texts[name] else None
        except ValueError:
            errors[name], days[name] = "日期应为 年-月-日，例如 2024-05-01", None
    if days["day_from"] and days["day_to"] and days["day_to"] < days["day_from"]:
        errors["day_to"] = "结束日期不能早于开始日期"
    if errors:
        raise Invalid(errors)
    return Filters(status, station_id, days["day_from"], days["day_to"], texts["q"] or None)


def station_scope(actor: Staff, station_id: int | None) -> set[int]:
    """The stations the list covers; another's station is refused, not shown empty."""
    visible = stations(actor)
    if station_id is None:
        return visible or {-1}
    if station_id not in visible:
        station = db.session.get(Station, station_id)
        if station is None or station.chain_id != actor.chain_id:
            raise NotFound("油站不存在")
        raise PermissionDenied("该油站不是您所在的油站")
    return {station_id}


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _where(actor: Staff, f: Filters) -> list:
    where = [
        InvoiceRequest.chain_id == actor.chain_id,
        InvoiceRequest.station_id.in_(station_scope(actor, f.station_id)),
    ]
    if f.status:
        where.append(InvoiceRequest.status == f.status)
    if f.day_from:
        start = from_local(datetime.combine(f.day_from, time()))
        where.append(InvoiceRequest.requested_at >= start)
    if f.day_to:
        end = from_local(datetime.combine(f.day_to + timedelta(days=1), time()))
        where.append(InvoiceRequest.requested_at < end)
    if f.q:
        pattern = _like(f.q)
        where.append(
            or_(
                InvoiceRequest.buyer_name.ilike(pattern, escape="\\"),
                InvoiceRequest.tax_number.like(_like(f.q.upper()), escape="\\"),
                InvoiceRequest.email.ilike(pattern, escape="\\"),
                InvoiceRequest.phone.like(pattern, escape="\\"),
                Order.order_no.like(_like(f.q.upper()), escape="\\"),
            )
        )
    return where


@dataclass
class Row:
    request: InvoiceRequest
    order_no: str
    station_name: str
    fuel_name: str
    dispensed_ml: int | None
    sold_at: datetime | None
    net_now_fen: int  # what the order would be invoiced now
    handled_by: str | None

    @property
    def phone(self) -> str:
        return mask_phone(self.request.phone)

    @property
    def refunded_since(self) -> bool:
        """Refunded after it was asked or issued: the amount no longer matches (an issued
        invoice then needs a red one, 冲红)."""
        return self.net_now_fen != self.request.amount_fen


def _query(actor: Staff, f: Filters):
    net = (Order.paid_fen - Order.refunded_fen) - (Order.bonus_paid_fen - Order.bonus_refunded_fen)
    waiting_first = case((InvoiceRequest.status == "requested", 0), else_=1)
    return (
        select(
            InvoiceRequest,
            Order.order_no,
            Station.name,
            Fuel.name,
            Order.dispensed_ml,
            Order.settled_at,
            net,
            Staff.display_name,
        )
        .join(Order, Order.id == InvoiceRequest.order_id)
        .join(Station, Station.id == InvoiceRequest.station_id)
        .join(Fuel, Fuel.id == Order.fuel_id)
        .outerjoin(Staff, Staff.id == InvoiceRequest.handled_by_id)
        .where(*_where(actor, f))
        .order_by(waiting_first, InvoiceRequest.requested_at.desc(), InvoiceRequest.id.desc())
    )


@dataclass
class Page:
    rows: list[Row]
    number: int
    count: int
    has_next: bool


def search(actor: Staff, f: Filters, number: int = 1, per_page: int = PER_PAGE) -> Page:
    if not 1 <= number <= MAX_PAGE:
        raise Invalid({"page": f"页码应为 1 到 {MAX_PAGE} 的整数"})
    count = db.session.scalar(
        select(func.count(InvoiceRequest.id))
        .join(Order, Order.id == InvoiceRequest.order_id)
        .where(*_where(actor, f))
    )
    query = _query(actor, f).limit(per_page + 1).offset((number - 1) * per_page)
    rows = [Row(*found) for found in db.session.execute(query).all()]
    return Page(rows[:per_page], number, count, len(rows) > per_page)


def export_rows(actor: Staff, f: Filters, limit: int) -> Iterator[Row]:
    for found in db.session.execute(_query(actor, f).limit(limit)).all():
        yield Row(*found)


def get_row(actor: Staff, request_id: int) -> Row:
    """One request as the list shows it (after a decision)."""
    found = db.session.execute(
        _query(actor, Filters()).where(InvoiceRequest.id == request_id)
    ).first()
    if found is None:
        raise NotFound("开票申请不存在")
    return Row(*found)

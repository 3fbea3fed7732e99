"""What a coupon gives and where and when it is good, in the words drivers and staff read
("满100减10", "9折 最高减20元", "每升直降0.30元", "限92#汽油", "2026-12-01 至 2026-12-31"), and the
validity an issued coupon gets.

Validity is counted in whole local (Asia/Shanghai) days: a fixed template is good from the
first day's 00:00 until the day after its last day, 00:00 (exclusive); a relative one for
valid_days days counting the day of receipt (7 days received on Monday afternoon: until the
next Monday 00:00)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from app.extensions import db
from app.models import CouponTemplate, CouponTemplateFuel, CouponTemplateStation, Fuel, Station
from app.services.platform.clock import from_local, to_local
from app.services.platform.money import fen_to_yuan

ANY_STATION = "全部油站"
ANY_FUEL = "全部油品"


def yuan(fen: int) -> str:
    """1000 -> '10', 1050 -> '10.5', 1005 -> '10.05': amounts as a coupon says them."""
    text = fen_to_yuan(fen)
    return text.rstrip("0").rstrip(".") if "." in text else text


def discount(pay_percent: int) -> str:
    """The share paid as Chinese say a discount: 90 -> '9折', 88 -> '8.8折'."""
    tens, ones = divmod(pay_percent, 10)
    return f"{tens}折" if ones == 0 else f"{tens}.{ones}折"


def rule_text(t) -> str:
    """What the coupon takes off, for a template or anything with its fields."""
    spend = f"满{yuan(t.min_spend_fen)}元" if t.min_spend_fen else ""
    cap = f"最高减{yuan(t.max_off_fen)}元" if t.max_off_fen else ""
    if t.kind == "amount_off":
        if not t.min_spend_fen:
            return f"无门槛减{yuan(t.off_fen)}元"
        return f"满{yuan(t.min_spend_fen)}减{yuan(t.off_fen)}"
    if t.kind == "percent_off":
        parts = [spend, discount(t.pay_percent), cap]
    else:
        parts = [spend, f"每升直降{fen_to_yuan(t.per_litre_fen)}元", cap]
    return " ".join(part for part in parts if part)


def day_start(day: date) -> datetime:
    """00:00 of a local day, as aware UTC."""
    return from_local(datetime.combine(day, time(0)))


def last_day(until: datetime) -> date:
    """The last local day of a window ending (exclusive) at until."""
    return to_local(until - timedelta(microseconds=1)).date()


def window_text(valid_from: datetime, valid_until: datetime) -> str:
    return f"{to_local(valid_from).date()} 至 {last_day(valid_until)}"


def template_validity_text(t) -> str:
    if t.validity == "relative":
        return f"领取后{t.valid_days}天内有效（含领取当天）"
    return window_text(t.valid_from, t.valid_until)


def valid_window(template: CouponTemplate, received_at: datetime) -> tuple[datetime, datetime]:
    """[from, until) of a coupon of this template received at received_at."""
    if template.validity == "fixed":
        return template.valid_from, template.valid_until
    first = to_local(received_at).date()
    return received_at, day_start(first + timedelta(days=template.valid_days))


def has_ended(template: CouponTemplate, now: datetime) -> bool:
    """No coupon of it could be used any more: a fixed validity that is over."""
    return template.validity == "fixed" and template.valid_until <= now


@dataclass(frozen=True)
class Scope:
    """Where a template's coupons are good: the fuels and stations it is limited to (empty: all)."""

    fuels: tuple[tuple[int, str, str], ...]  # (id, code, name)
    stations: tuple[tuple[int, str], ...]  # (id, name)

    @property
    def text(self) -> str:
        """全部油站、全部油品可用; 限92#汽油、95#汽油; 限昆明北京路加油站; or both limits."""
        limits = []
        if self.fuels:
            limits.append("限" + "、".join(name for _, _, name in self.fuels))
        if self.stations:
            limits.append("限" + "、".join(name for _, name in self.stations))
        return "；".join(limits) or f"{ANY_STATION}、{ANY_FUEL}可用"

    @property
    def fuel_ids(self) -> list[int]:
        return [fuel_id for fuel_id, _, _ in self.fuels]

    @property
    def station_ids(self) -> list[int]:
        return [station_id for station_id, _ in self.stations]


EVERYWHERE = Scope((), ())


def scopes(template_ids) -> dict[int, Scope]:
    """The scope of each template (two queries however many)."""
    ids = set(template_ids)
    if not ids:
        return {}
    fuels: dict[int, list] = {}
    query = (
        select(CouponTemplateFuel.template_id, Fuel.id, Fuel.code, Fuel.name)
        .join(Fuel, Fuel.id == CouponTemplateFuel.fuel_id)
        .where(CouponTemplateFuel.template_id.in_(ids))
        .order_by(Fuel.sort_order, Fuel.id)
    )
    for template_id, *fuel in db.session.execute(query):
        fuels.setdefault(template_id, []).append(tuple(fuel))
    stations: dict[int, list] = {}
    query = (
        select(CouponTemplateStation.template_id, Station.id, Station.name)
        .join(Station, Station.id == CouponTemplateStation.station_id)
        .where(CouponTemplateStation.template_id.in_(ids))
        .order_by(Station.code, Station.id)
    )
    for template_id, *station in db.session.execute(query):
        stations.setdefault(template_id, []).append(tuple(station))
    return {i: Scope(tuple(fuels.get(i, ())), tuple(stations.get(i, ()))) for i in ids}


REQUIRED_BY_KIND = {
    "amount_off": ("off_fen",),
    "percent_off": ("pay_percent", "max_off_fen"),
    "per_litre": ("per_litre_fen",),
}


def preview(fields: dict) -> list[str]:
    """What a template being typed will say (rule, validity, stock), from whatever is typed so
    far: a part not filled in yet is left out. The checks are create_template's."""
    lines = []
    needed = REQUIRED_BY_KIND.get(fields.get("kind"), ("?",))
    if all(isinstance(fields.get(name), int) for name in needed):
        terms = {name: fields.get(name) for name in ("off_fen", "pay_percent", "per_litre_fen")}
        terms |= {"kind": fields["kind"], "max_off_fen": fields.get("max_off_fen")}
        terms["min_spend_fen"] = fields.get("min_spend_fen") or 0
        if terms["kind"] == "amount_off":
            terms["max_off_fen"] = None
        lines.append(rule_text(SimpleNamespace(**terms)))
    first, last = fields.get("first_day"), fields.get("last_day")
    if fields.get("validity") == "fixed" and first and last:
        lines.append(f"有效期 {first} 至 {last}")
    elif fields.get("validity") == "relative" and fields.get("valid_days"):
        lines.append(f"领取后{fields['valid_days']}天内有效（含领取当天）")
    stock, limit = fields.get("stock_total"), fields.get("per_member_limit")
    lines.append(f"共 {stock} 张" if stock else "不限量")
    if limit:
        lines.append(f"每人限领 {limit} 张")
    return lines

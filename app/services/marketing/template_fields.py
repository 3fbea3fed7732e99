"""A coupon template's fields as staff give them, checked: Invalid names every field that is
wrong, in Chinese. The columns that do not belong to the kind or the validity are cleared."""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import COUPON_KINDS, Fuel, Station
from app.services.marketing.terms import day_start, yuan
from app.services.platform.errors import Invalid

NAME_MAX = 40
NOTE_MAX = 200
MAX_OFF_FEN = 100_000  # 1 000 元 off one order
MAX_SPEND_FEN = 1_000_000  # a threshold of 10 000 元
MAX_PER_LITRE_FEN = 500  # 5 元 a litre, as a tier's cut
MAX_STOCK = 1_000_000
MAX_DAYS = 365
MAX_LIMIT = 99
VALIDITIES = {"fixed": "固定日期", "relative": "领取后若干天"}
# The rule of a template once activated: its coupons are out, and they read it.
RULE_FIELDS = (
    "kind",
    "off_fen",
    "pay_percent",
    "per_litre_fen",
    "max_off_fen",
    "min_spend_fen",
    "validity",
    "valid_from",
    "valid_until",
    "valid_days",
)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def clean(fields: dict, chain_id: int, station_id: int | None) -> dict:
    """The template's columns plus fuel_ids and station_ids (its restrictions). A station's own
    template is good at that station only, whatever station_ids says."""
    problems: dict[str, str] = {}

    def whole(field: str, label: str, low: int, high: int, required=True, fen=False):
        """The field's whole number from low to high (an amount in fen, said in yuan)."""
        value = fields.get(field)
        if value is None and not required:
            return None
        if not _is_int(value):
            problems[field] = f"请填写{label}"
            return None
        if not low <= value <= high:
            if fen:
                problems[field] = f"{label}应在 {yuan(low)} 元到 {yuan(high)} 元之间"
            else:
                problems[field] = f"{label}应在 {low} 到 {high} 之间"
            return None
        return value

    def amount(field: str, label: str, low: int, high: int, required=True) -> int | None:
        return whole(field, label, low, high, required, fen=True)

    clean = {"name": (fields.get("name") or "").strip(), "note": (fields.get("note") or "").strip()}
    if not clean["name"]:
        problems["name"] = "请填写优惠券名称"
    elif len(clean["name"]) > NAME_MAX:
        problems["name"] = f"优惠券名称最多 {NAME_MAX} 个字"
    if len(clean["note"]) > NOTE_MAX:
        problems["note"] = f"使用说明最多 {NOTE_MAX} 个字"

    kind = fields.get("kind")
    clean |= {"kind": kind, "off_fen": None, "pay_percent": None, "per_litre_fen": None}
    clean["max_off_fen"] = None
    clean["min_spend_fen"] = amount("min_spend_fen", "使用门槛", 0, MAX_SPEND_FEN, False) or 0
    if kind == "amount_off":
        off = clean["off_fen"] = amount("off_fen", "减免金额", 1, MAX_OFF_FEN)
        spend = clean["min_spend_fen"]
        if off is not None and spend and spend <= off:
            problems["min_spend_fen"] = "使用门槛应高于减免金额（无门槛请填 0）"
    elif kind == "percent_off":
        clean["pay_percent"] = whole("pay_percent", "折扣", 10, 99)
        if "pay_percent" in problems:
            problems["pay_percent"] = "折扣应在 1 折到 9.9 折之间，如 9 或 8.8"
        clean["max_off_fen"] = amount("max_off_fen", "最高优惠金额", 1, MAX_OFF_FEN)
    elif kind == "per_litre":
        clean["per_litre_fen"] = amount("per_litre_fen", "每升直降", 1, MAX_PER_LITRE_FEN)
        clean["max_off_fen"] = amount("max_off_fen", "最高优惠金额", 1, MAX_OFF_FEN, False)
    else:
        problems["kind"] = "请选择优惠方式：" + "、".join(COUPON_KINDS.values())

    clean |= _validity(fields, problems, whole)
    clean |= _claiming(fields, problems, whole)
    clean["fuel_ids"] = _of_chain(fields, "fuel_ids", Fuel, "油品", chain_id, problems)
    if station_id is not None:
        clean["station_ids"] = [station_id]
    else:
        clean["station_ids"] = _of_chain(fields, "station_ids", Station, "油站", chain_id, problems)
    if problems:
        raise Invalid(problems)
    return clean


def _validity(fields: dict, problems: dict, whole) -> dict:
    validity = fields.get("validity")
    values = {"validity": validity, "valid_from": None, "valid_until": None, "valid_days": None}
    if validity == "fixed":
        first, last = fields.get("first_day"), fields.get("last_day")
        if not isinstance(first, date):
            problems["first_day"] = "请选择有效期的开始日期"
        if not isinstance(last, date):
            problems["last_day"] = "请选择有效期的结束日期"
        elif isinstance(first, date) and last < first:
            problems["last_day"] = "结束日期不能早于开始日期"
        elif isinstance(first, date):
            values["valid_from"] = day_start(first)
            values["valid_until"] = day_start(last + timedelta(days=1))
    elif validity == "relative":
        values["valid_days"] = whole("valid_days", "有效天数", 1, MAX_DAYS)
    else:
        problems["validity"] = "请选择有效期：固定日期或领取后若干天"
    return values


def _claiming(fields: dict, problems: dict, whole) -> dict:
    starts, ends = fields.get("claim_starts_at"), fields.get("claim_ends_at")
    for field, value in (("claim_starts_at", starts), ("claim_ends_at", ends)):
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            raise ValueError(f"{field} must be a timezone-aware datetime")
    if starts and ends and ends <= starts:
        problems["claim_ends_at"] = "领取结束时间应晚于开始时间"
    stock = fields.get("stock_total")
    if stock is not None:
        stock = whole("stock_total", "发放总量", 1, MAX_STOCK)
    limit = whole("per_member_limit", "每人限领张数", 1, MAX_LIMIT)
    return {
        "claim_starts_at": starts,
        "claim_ends_at": ends,
        "stock_total": stock,
        "per_member_limit": limit,
        "claimable": bool(fields.get("claimable")),
    }


def _of_chain(fields: dict, field: str, model, noun: str, chain_id: int, problems: dict) -> list:
    """The ids chosen in fields[field] (sorted, once each), each one a row of the chain's."""
    values = fields.get(field) or []
    if not isinstance(values, (list, tuple, set)) or not all(_is_int(v) for v in values):
        problems[field] = "请从列表中选择"
        return []
    ids = sorted(set(values))
    known = set(db.session.scalars(select(model.id).where(model.chain_id == chain_id)))
    if set(ids) - known:
        problems[field] = f"所选{noun}不存在，请重新选择"
    return ids

"""The points pages' forms: a new version of the rules (rates per fuel and multipliers per tier
come as fuel_<id>_points, fuel_<id>_per and tier_<id> fields), a catalogue item, its stock, a
code to verify and a member's adjustment. They type the input; the rules are the services'."""

from datetime import datetime

from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.console.coupon_forms import lines
from app.console.forms import REQUIRED, ConsoleForm, printable
from app.console.web import has_errors
from app.models import ITEM_KINDS, POINTS_BASES
from app.services.marketing.points.catalogue import ItemFields
from app.services.platform import clock


def whole(field, signed: bool = False) -> int | None:
    """A whole number typed into a field; None if blank or wrong (the error on the field)."""
    text = (field.data or "").strip()
    if not text:
        return None
    digits = text[1:] if signed and text[:1] in "+-" else text
    if not digits.isdigit() or len(digits) > 9:
        field.errors = [*field.errors, "请填写整数" + ("（减少填负数）" if signed else "")]
        return None
    return int(text)


def moment(field) -> datetime | None:
    text = (field.data or "").strip()
    if not text:
        return None
    try:
        return clock.from_local(datetime.strptime(text, "%Y-%m-%dT%H:%M"))
    except ValueError:
        field.errors = [*field.errors, "请选择日期和时间"]
        return None


def local_input(value: datetime | None) -> str:
    return clock.to_local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def typed_whole(text: str | None) -> tuple[int | None, bool]:
    """(the number, whether it was typed right) of a dynamic field: blank is (None, True)."""
    text = (text or "").strip()
    if not text:
        return None, True
    return (int(text), True) if text.isdigit() and len(text) < 7 else (None, False)


class RuleForm(ConsoleForm):
    basis = RadioField(
        "积分方式",
        choices=[SelectChoice(k, v) for k, v in POINTS_BASES.items()],
        default="yuan",
        validate_choice=False,
    )
    daily_cap = StringField("每人每日上限（分，不填为不限）")
    expiry_months = StringField("积分过期（获得当年结束后的月数，12 即次年年底）", default="12")
    effective_from = StringField("生效时间（北京时间，不填为立即生效）")
    effective_until = StringField("结束时间（北京时间，可不填）")
    note = TextAreaField("调整说明（可不填）", validators=[Length(max=200), lines])

    def values(self, formdata, fuels, tiers) -> dict | None:
        """The version's fields as the service takes them; None (errors on the fields, or in
        `dynamic` by name) if one does not parse."""
        self.dynamic: dict[str, str] = {}
        rates, percents = {}, {}
        for fuel in fuels:
            points, ok_points = typed_whole(formdata.get(f"fuel_{fuel.id}_points"))
            per, ok_per = typed_whole(formdata.get(f"fuel_{fuel.id}_per"))
            if not (ok_points and ok_per):
                self.dynamic[f"fuel_{fuel.id}"] = "请填写整数"
            elif points is not None:
                rates[fuel.id] = (points, per or 1)
        for tier in tiers:
            percent, ok = typed_whole(formdata.get(f"tier_{tier.id}"))
            if not ok:
                self.dynamic[f"tier_{tier.id}"] = "请填写整数百分比"
            elif percent is not None:
                percents[tier.id] = percent
        values = {
            "basis": self.basis.data,
            "daily_cap": whole(self.daily_cap),
            "expiry_months": whole(self.expiry_months),
            "effective_from": moment(self.effective_from),
            "effective_until": moment(self.effective_until),
            "fuel_rates": rates,
            "tier_percents": percents,
            "note": self.note.data or "",
        }
        return None if has_errors(self) or self.dynamic else values


class ItemForm(ConsoleForm):
    kind = RadioField(
        "兑换类型",
        choices=[SelectChoice(k, v) for k, v in ITEM_KINDS.items()],
        default="car_wash",
        validate_choice=False,
    )
    name = StringField("名称", validators=[DataRequired("请填写名称"), Length(max=40), printable])
    note = TextAreaField("说明（车主可见，可不填）", validators=[Length(max=200), lines])
    points = StringField("所需积分")
    coupon_template_id = SelectField("兑换的加油券", default="", validate_choice=False)
    stock_total = StringField("库存（件，不填为不限量）")
    per_member_limit = StringField("每人限兑（次，不填为不限）")
    starts_at = StringField("开始兑换（北京时间，可不填）")
    ends_at = StringField("结束兑换（北京时间，可不填）")

    def fields(self) -> ItemFields | None:
        template = (self.coupon_template_id.data or "").strip()
        values = ItemFields(
            kind=self.kind.data,
            name=self.name.data or "",
            note=self.note.data or "",
            points=whole(self.points),
            coupon_template_id=int(template) if template.isdigit() else None,
            stock_total=whole(self.stock_total),
            per_member_limit=whole(self.per_member_limit),
            starts_at=moment(self.starts_at),
            ends_at=moment(self.ends_at),
        )
        return None if has_errors(self) else values

    def fill(self, item) -> None:
        self.kind.data, self.name.data, self.note.data = item.kind, item.name, item.note
        self.points.data = str(item.points)
        self.coupon_template_id.data = str(item.coupon_template_id or "")
        self.stock_total.data = str(item.stock_total) if item.stock_total is not None else ""
        self.per_member_limit.data = str(item.per_member_limit or "")
        self.starts_at.data = local_input(item.starts_at)
        self.ends_at.data = local_input(item.ends_at)


class StockForm(ConsoleForm):
    change = StringField("调整数量（增加填正数，减少填负数）", validators=[DataRequired(REQUIRED)])


class VerifyForm(ConsoleForm):
    station_id = SelectField("核销油站", validate_choice=False)
    code = StringField(
        "兑换码", validators=[DataRequired("请输入兑换码"), Length(max=30), printable]
    )


class AdjustForm(ConsoleForm):
    delta = StringField("调整积分（增加填正数，扣减填负数）", validators=[DataRequired(REQUIRED)])
    reason = TextAreaField(
        "调整原因", validators=[DataRequired(REQUIRED), Length(max=200, message="最多 200 个字")]
    )

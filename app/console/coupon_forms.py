"""The coupon pages' forms: a template (what it gives, when, to whom, how many), its gifts, and
voiding an issued coupon. They type the input (元 to fen, 9折 to 90, dates); the rules are the
services'."""

import re
from datetime import date, datetime

from wtforms import BooleanField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from app.console.forms import REQUIRED, CheckboxesField, ConsoleForm, parse_yuan, printable
from app.console.web import has_errors
from app.models import COUPON_KINDS, PUSH_SEGMENTS
from app.services.marketing import template_fields
from app.services.marketing.terms import last_day
from app.services.platform import clock, money

AMOUNTS = {
    "off": "off_fen",
    "per_litre": "per_litre_fen",
    "max_off": "max_off_fen",
    "min_spend": "min_spend_fen",
}
# The service's field -> the form's, for putting its messages next to the right input.
ALIASES = {key: name for name, key in AMOUNTS.items()} | {"pay_percent": "zhe"}
ZHE = re.compile(r"\d(\.\d)?")
ZHE_MESSAGE = "折扣请填写 1 到 9.9 之间的折数，如 9 或 8.8"


def lines(form, field):
    """Text over several lines: no control characters but line breaks and tabs."""
    if any((ord(c) < 0x20 and c not in "\r\n\t") or ord(c) == 0x7F for c in field.data or ""):
        raise ValidationError("含有无效字符")


class TemplateForm(ConsoleForm):
    station_id = SelectField("所属", default="", validate_choice=False)
    name = StringField(
        "优惠券名称", validators=[DataRequired("请填写优惠券名称"), Length(max=40), printable]
    )
    note = TextAreaField("使用说明（车主可见，可不填）", validators=[Length(max=200), lines])
    kind = RadioField(
        "优惠方式",
        choices=[SelectChoice(k, v) for k, v in COUPON_KINDS.items()],
        default="amount_off",
        validate_choice=False,
    )
    off = StringField("减免金额（元）")
    zhe = StringField("折扣（折）")
    per_litre = StringField("每升直降（元/升）")
    max_off = StringField("最高优惠（元）")
    min_spend = StringField("使用门槛：订单满（元）", default="0")
    validity = RadioField(
        "有效期",
        choices=[SelectChoice(k, v) for k, v in template_fields.VALIDITIES.items()],
        default="relative",
        validate_choice=False,
    )
    first_day = StringField("开始日期")
    last_day = StringField("结束日期（含）")
    valid_days = StringField("领取后有效天数（含领取当天）", default="30")
    fuel_ids = CheckboxesField("指定油品（不选为全部油品）", coerce=int, validate_choice=False)
    station_ids = CheckboxesField("适用油站（不选为全部油站）", coerce=int, validate_choice=False)
    stock_total = StringField("发放总量（张，不填为不限量）")
    per_member_limit = StringField("每人限领（张）", default="1")
    claimable = BooleanField("车主可在领券中心领取（不勾选则只由油站发放）", default=True)
    claim_starts_at = StringField("领取开始时间（北京时间，可不填）")
    claim_ends_at = StringField("领取结束时间（北京时间，可不填）")

    def values(self, lenient: bool = False) -> dict | None:
        """The template's fields as the service takes them; None if one does not parse (its
        error is then on its field). lenient: blanks and mistakes become None (the preview)."""
        values = {
            "name": self.name.data,
            "note": self.note.data,
            "kind": self.kind.data,
            "validity": self.validity.data,
            "fuel_ids": self.fuel_ids.data or [],
            "station_ids": self.station_ids.data or [],
            "claimable": self.claimable.data,
        }
        for name, key in AMOUNTS.items():
            field = getattr(self, name)
            blank = not (field.data or "").strip()
            values[key] = None if blank else parse_yuan(field)
        values["min_spend_fen"] = values["min_spend_fen"] or 0
        values["pay_percent"] = self._zhe()
        for name in ("valid_days", "stock_total", "per_member_limit"):
            values[name] = self._whole(getattr(self, name))
        for name in ("first_day", "last_day"):
            values[name] = self._day(getattr(self, name))
        for name in ("claim_starts_at", "claim_ends_at"):
            values[name] = self._moment(getattr(self, name))
        return values if lenient or not has_errors(self) else None

    def _zhe(self) -> int | None:
        text = (self.zhe.data or "").strip().removesuffix("折")
        if not text:
            return None
        if not ZHE.fullmatch(text):
            self.zhe.errors = [*self.zhe.errors, ZHE_MESSAGE]
            return None
        tens, _, ones = text.partition(".")
        return int(tens) * 10 + int(ones or 0)

    @staticmethod
    def _whole(field) -> int | None:
        text = (field.data or "").strip()
        if not text:
            return None
        if not text.isdigit() or len(text) > 9:
            field.errors = [*field.errors, "请填写整数"]
            return None
        return int(text)

    @staticmethod
    def _day(field) -> date | None:
        text = (field.data or "").strip()
        if not text:
            return None
        try:
            return datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            field.errors = [*field.errors, "请选择日期"]
            return None

    @staticmethod
    def _moment(field) -> datetime | None:
        text = (field.data or "").strip()
        if not text:
            return None
        try:
            return clock.from_local(datetime.strptime(text, "%Y-%m-%dT%H:%M"))
        except ValueError:
            field.errors = [*field.errors, "请选择日期和时间"]
            return None

    def fill(self, template, scope) -> None:
        """The form filled from a saved template."""
        self.name.data, self.note.data, self.kind.data = template.name, template.note, template.kind
        for name, key in AMOUNTS.items():
            amount = getattr(template, key)
            getattr(self, name).data = money.fen_to_yuan(amount) if amount is not None else ""
        self.zhe.data = f"{template.pay_percent / 10:g}" if template.pay_percent else ""
        self.validity.data = template.validity
        if template.validity == "fixed":
            self.first_day.data = clock.to_local(template.valid_from).date().isoformat()
            self.last_day.data = last_day(template.valid_until).isoformat()
        self.valid_days.data = str(template.valid_days or "")
        self.fuel_ids.data, self.station_ids.data = scope.fuel_ids, scope.station_ids
        self.stock_total.data = str(template.stock_total or "")
        self.per_member_limit.data = str(template.per_member_limit)
        self.claimable.data = template.claimable
        for name in ("claim_starts_at", "claim_ends_at"):
            moment = getattr(template, name)
            local = clock.to_local(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""
            getattr(self, name).data = local


class GiftsForm(ConsoleForm):
    """新会员礼: how many a new member gets; the packages' quantities come as package_<id>."""

    join_quantity = StringField("新会员注册时赠送（张，0 为不送）", default="0")


class VoidForm(ConsoleForm):
    reason = TextAreaField(
        "作废原因", validators=[DataRequired(REQUIRED), Length(max=200, message="最多 200 个字")]
    )
    back = StringField()


class PushForm(ConsoleForm):
    """定向发放: the template, the segment and its tier or station (checked by the service)."""

    template_id = SelectField("优惠券", validate_choice=False)
    segment = RadioField(
        "发放人群",
        choices=[SelectChoice(k, v) for k, v in PUSH_SEGMENTS.items()],
        default="station_recent",
        validate_choice=False,
    )
    tier_id = SelectField("会员等级（按会员等级发放时选择）", validate_choice=False)
    station_id = SelectField("油站", validate_choice=False)

    def values(self) -> dict:
        return {
            "template_id": self.template_id.data,
            "segment": self.segment.data,
            "tier_id": self.tier_id.data,
            "station_id": self.station_id.data,
        }

"""The campaign form: it types the input (元 to fen, local times to UTC, 8,18 to days of the
month); the rules are services/marketing/campaign_fields.py's."""

import re
from datetime import datetime

from wtforms import BooleanField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.console.coupon_forms import lines
from app.console.forms import CheckboxesField, ConsoleForm, parse_yuan, printable
from app.console.web import has_errors
from app.models import CAMPAIGN_KINDS, CAMPAIGN_SCOPES
from app.services.platform import clock, money
from app.services.platform.clock import WEEKDAY_NAMES

AMOUNTS = {
    "per_litre": "per_litre_fen",
    "off": "off_fen",
    "threshold": "threshold_fen",
    "max_off": "max_off_fen",
}
# The service's field -> the form's, for putting its messages next to the right input.
ALIASES = {key: name for name, key in AMOUNTS.items()} | {"day_starts_min": "day_starts"}
HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)|24:00")
MOMENT = "%Y-%m-%dT%H:%M"


class CampaignForm(ConsoleForm):
    name = StringField(
        "活动名称", validators=[DataRequired("请填写活动名称"), Length(max=40), printable]
    )
    note = TextAreaField("活动说明（车主可见，可不填）", validators=[Length(max=200), lines])
    kind = RadioField(
        "活动类型",
        choices=[SelectChoice(k, v) for k, v in CAMPAIGN_KINDS.items()],
        default="members_day",
        validate_choice=False,
    )
    per_litre = StringField("每升直降（元/升）")
    off = StringField("减免金额（元）")
    threshold = StringField("满额 / 门槛（元）")
    repeating = BooleanField("每满减（金额每满一次减一次）")
    max_off = StringField("最高优惠（元）")
    weekdays = CheckboxesField(
        "会员日：每周",
        choices=[SelectChoice(i, name) for i, name in enumerate(WEEKDAY_NAMES)],
        coerce=int,
        validate_choice=False,
    )
    month_days = StringField("会员日：每月几号（逗号分开，如 8,18,28）")
    day_starts = StringField("当天开始（如 00:00）", default="00:00")
    day_ends = StringField("当天结束（如 24:00）", default="24:00")
    tier_ids = CheckboxesField("限会员等级（不选为全部会员）", coerce=int, validate_choice=False)
    starts_at = StringField("活动开始（北京时间）")
    ends_at = StringField("活动结束（北京时间，不含）")
    scope = RadioField(
        "活动范围",
        choices=[SelectChoice(k, v) for k, v in CAMPAIGN_SCOPES.items()],
        default="stations",
        validate_choice=False,
    )
    cities = CheckboxesField("城市", validate_choice=False)
    station_ids = CheckboxesField("油站", coerce=int, validate_choice=False)
    fuel_ids = CheckboxesField("适用油品（不选为全部油品）", coerce=int, validate_choice=False)
    stacks_with_coupon = BooleanField("可与优惠券同享", default=True)

    def values(self) -> dict | None:
        """The campaign's fields as the service takes them; None if one does not parse (its
        error is then on its field)."""
        values = {
            "name": self.name.data,
            "note": self.note.data,
            "kind": self.kind.data,
            "repeating": self.repeating.data,
            "weekdays": self.weekdays.data or [],
            "tier_ids": self.tier_ids.data or [],
            "scope": self.scope.data,
            "cities": self.cities.data or [],
            "station_ids": self.station_ids.data or [],
            "fuel_ids": self.fuel_ids.data or [],
            "stacks_with_coupon": self.stacks_with_coupon.data,
        }
        for name, key in AMOUNTS.items():
            field = getattr(self, name)
            values[key] = parse_yuan(field) if (field.data or "").strip() else None
        values["month_days"] = self._days()
        values["day_starts_min"] = self._minutes(self.day_starts, 0)
        values["day_ends_min"] = self._minutes(self.day_ends, 1440)
        values["starts_at"] = self._moment(self.starts_at)
        values["ends_at"] = self._moment(self.ends_at)
        return None if has_errors(self) else values

    def _days(self) -> list[int]:
        text = (self.month_days.data or "").replace("，", ",").replace("、", ",")
        parts = [part.strip().removesuffix("日").removesuffix("号") for part in text.split(",")]
        parts = [part for part in parts if part]
        if not all(part.isdigit() and len(part) <= 2 for part in parts):
            self.month_days.errors = [*self.month_days.errors, "请填写 1 到 31 的日期，如 8,18,28"]
            return []
        return [int(part) for part in parts]

    @staticmethod
    def _minutes(field, blank: int) -> int | None:
        text = (field.data or "").strip()
        if not text:
            return blank
        if not HHMM.fullmatch(text):
            field.errors = [*field.errors, "请填写时间，如 07:30"]
            return None
        hours, minutes = text.split(":")
        return int(hours) * 60 + int(minutes)

    @staticmethod
    def _moment(field) -> datetime | None:
        text = (field.data or "").strip()
        if not text:
            return None
        try:
            return clock.from_local(datetime.strptime(text, MOMENT))
        except ValueError:
            field.errors = [*field.errors, "请选择日期和时间"]
            return None

    def fill(self, campaign, station_ids: list[int], cities: list[str]) -> None:
        """The form filled from a saved campaign."""
        for name in ("name", "note", "kind", "repeating", "scope", "stacks_with_coupon"):
            getattr(self, name).data = getattr(campaign, name)
        for name, key in AMOUNTS.items():
            amount = getattr(campaign, key)
            getattr(self, name).data = money.fen_to_yuan(amount) if amount else ""
        self.weekdays.data, self.tier_ids.data = list(campaign.weekdays), list(campaign.tier_ids)
        self.month_days.data = ",".join(str(day) for day in campaign.month_days)
        self.day_starts.data = clock.minutes_to_hhmm(campaign.day_starts_min)
        self.day_ends.data = clock.minutes_to_hhmm(campaign.day_ends_min)
        self.starts_at.data = clock.to_local(campaign.starts_at).strftime(MOMENT)
        self.ends_at.data = clock.to_local(campaign.ends_at).strftime(MOMENT)
        self.station_ids.data, self.cities.data = station_ids, cities
        self.fuel_ids.data = list(campaign.fuel_ids)

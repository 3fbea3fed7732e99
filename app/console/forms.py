"""Console forms. Field rules live in the services; forms only type and require their input."""

from datetime import datetime

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, PasswordInput

from app.services.catalogue import pricing
from app.services.platform import clock, money

REQUIRED = "必填"


class ConsoleForm(FlaskForm):
    """A Flask-WTF form whose built-in messages are in Chinese."""

    class Meta:
        locales = ("zh",)

        def get_translations(self, form):
            return DefaultMeta.get_translations(self, form)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def parse_yuan(field) -> int | None:
    """A 元 amount typed into a field as fen; None if the field already has an error or the
    amount does not parse (that error becomes the field's)."""
    if field.errors:
        return None
    try:
        return money.yuan_to_fen(field.data or "")
    except ValueError as err:
        field.errors = [*field.errors, str(err)]
        return None


def printable(form, field):
    """No control characters (a NUL would reach the database as an error, not a no-match)."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in field.data or ""):
        raise ValidationError("含有无效字符")


class LoginForm(ConsoleForm):
    username = StringField("用户名", validators=[DataRequired(REQUIRED), Length(max=50), printable])
    password = PasswordField("密码", validators=[DataRequired(REQUIRED), Length(max=200)])
    next = HiddenField()


class ChangePasswordForm(ConsoleForm):
    current_password = PasswordField("当前密码", validators=[DataRequired(REQUIRED)])
    new_password = PasswordField("新密码", validators=[DataRequired(REQUIRED)])
    confirm = PasswordField("再次输入新密码", validators=[DataRequired(REQUIRED)])

    def validate_confirm(self, field):
        if field.data != self.new_password.data:
            raise ValidationError("两次输入的新密码不一致")


class StationForm(ConsoleForm):
    code = StringField("油站编号", validators=[Length(max=32)])
    name = StringField("油站名称", validators=[DataRequired(REQUIRED), Length(max=50)])
    city = StringField("城市", validators=[DataRequired(REQUIRED), Length(max=50)])
    address = StringField("地址", validators=[DataRequired(REQUIRED), Length(max=200)])
    phone = StringField("电话", validators=[Length(max=30)])
    lat = StringField("纬度", validators=[DataRequired(REQUIRED)])
    lng = StringField("经度", validators=[DataRequired(REQUIRED)])
    services = CheckboxesField("服务", validate_choice=False)
    is_active = BooleanField("营业中（在小程序中展示）")
    fill_up_cap = StringField("加满预付上限（元）", validators=[DataRequired(REQUIRED)])
    max_order = StringField("单笔订单上限（元）", validators=[DataRequired(REQUIRED)])
    # Left blank (or not posted), the station keeps its threshold.
    refund_approval_threshold = StringField("柜台退款审批金额（元）")

    def fill_limits(self, station) -> None:
        self.fill_up_cap.data = money.fen_to_yuan(station.fill_up_cap_fen)
        self.max_order.data = money.fen_to_yuan(station.max_order_fen)
        self.refund_approval_threshold.data = money.fen_to_yuan(
            station.refund_approval_threshold_fen
        )

    def values(self) -> dict:
        """The profile fields as the stations service takes them; an amount that does not
        parse is None, with its error on its field."""
        keys = ("code", "name", "city", "address", "phone", "lat", "lng", "services", "is_active")
        values = {key: getattr(self, key).data for key in keys}
        for name in ("fill_up_cap", "max_order"):
            values[f"{name}_fen"] = parse_yuan(getattr(self, name))
        threshold = self.refund_approval_threshold
        if (threshold.data or "").strip():  # blank: the station keeps its threshold
            values["refund_approval_threshold_fen"] = parse_yuan(threshold)
        return values


HOURS_MODES = [
    SelectChoice("closed", "休息"),
    SelectChoice("allday", "24 小时"),
    SelectChoice("range", "时段"),
]


class HoursForm(ConsoleForm):
    """Seven weekdays, each closed, open around the clock or open from-to (HH:MM)."""

    def days(self):
        return [
            (day, name, self[f"mode{day}"], self[f"opens{day}"], self[f"closes{day}"])
            for day, name in enumerate(clock.WEEKDAY_NAMES)
        ]

    def hours(self) -> dict[int, tuple[int, int] | None] | None:
        """weekday -> (opens_min, closes_min) or None; None overall if a time is mistyped."""
        result, ok = {}, True
        for day, _, mode, opens, closes in self.days():
            if mode.data == "closed":
                result[day] = None
            elif mode.data == "allday":
                result[day] = (0, 1440)
            else:
                span = []
                for field in (opens, closes):
                    try:
                        span.append(clock.hhmm_to_minutes(field.data or ""))
                    except ValueError as err:
                        field.errors = [*field.errors, str(err)]
                        ok = False
                if len(span) == 2:
                    opens_min, closes_min = span
                    # Closing at 00:00 means midnight at the end of the day.
                    result[day] = (opens_min % 1440, closes_min or 1440)
        return result if ok else None

    @classmethod
    def for_hours(cls, hours: dict[int, tuple[int, int]]):
        """The form filled from saved hours (not from the request)."""
        data = {}
        for day in range(7):
            span = hours.get(day)
            if span is None:
                data[f"mode{day}"] = "closed"
            elif span == (0, 1440):
                data[f"mode{day}"] = "allday"
            else:
                data[f"mode{day}"] = "range"
                data[f"opens{day}"] = clock.minutes_to_hhmm(span[0])
                data[f"closes{day}"] = clock.minutes_to_hhmm(span[1])
        return cls(formdata=None, data=data)


for _day in range(7):
    setattr(HoursForm, f"mode{_day}", SelectField(choices=HOURS_MODES, default="allday"))
    setattr(HoursForm, f"opens{_day}", StringField(default="06:00"))
    setattr(HoursForm, f"closes{_day}", StringField(default="22:00"))


class PhotoForm(ConsoleForm):
    photo = FileField("照片", validators=[FileRequired("请选择图片文件")])
    caption = StringField("说明", validators=[Length(max=100)])


WHEN_CHOICES = [SelectChoice("now", "立即生效"), SelectChoice("later", "指定时间")]


def fuel_choices(chain_id: int) -> list[SelectChoice]:
    return [SelectChoice(f.id, f.name) for f in pricing.chain_fuels(chain_id)]


class PriceForm(ConsoleForm):
    fuel_id = SelectField("油品", coerce=int)
    list_price = StringField("挂牌价（元/升）", validators=[DataRequired(REQUIRED)])
    member_price = StringField("会员价（元/升）", validators=[DataRequired(REQUIRED)])
    when = RadioField("生效时间", choices=WHEN_CHOICES, default="now")
    effective_at = StringField("生效时间（北京时间）", validators=[Optional()])

    def effective_moment(self) -> datetime | None:
        """None for now, else the typed local time as aware UTC; a field error if mistyped."""
        if self.when.data != "later" or self.effective_at.errors:
            return None
        try:
            local = datetime.strptime((self.effective_at.data or "").strip(), "%Y-%m-%dT%H:%M")
        except ValueError:
            self.effective_at.errors = [*self.effective_at.errors, "请选择生效的日期和时间"]
            return None
        return clock.from_local(local)


class NozzleForm(ConsoleForm):
    number = StringField("枪号", validators=[DataRequired(REQUIRED)])
    fuel_id = SelectField("油品", coerce=int)
    enabled = BooleanField("启用", default=True)

    def number_value(self) -> int | None:
        try:
            return int((self.number.data or "").strip())
        except ValueError:
            self.number.errors = [*self.number.errors, "枪号应为 1 到 99 的整数"]
            return None


class ToggleForm(ConsoleForm):
    """A one-button form that switches something on or off."""

    enabled = HiddenField()

    @property
    def on(self) -> bool:
        return self.enabled.data == "1"


class StaffForm(ConsoleForm):
    username = StringField("用户名", validators=[DataRequired(REQUIRED), Length(max=30)])
    display_name = StringField("姓名", validators=[DataRequired(REQUIRED), Length(max=50)])
    phone = StringField("手机号", validators=[Length(max=20)])
    role = SelectField("角色")
    station_ids = CheckboxesField("所属油站", coerce=int, validate_choice=False)
    # Typed by the manager to hand over: kept in the form when something else needs fixing.
    password = PasswordField(
        "初始密码", validators=[DataRequired(REQUIRED)], widget=PasswordInput(hide_value=False)
    )
    only_station = None  # a manager's single station, implied instead of ticked


class AuditFilterForm(ConsoleForm):
    """The audit log's filters, read from the query string; "" in a list means any."""

    station_id = SelectField("油站", default="")
    person = SelectField("操作人", default="")
    action = SelectField("操作", default="")
    day_from = DateField("日期从", validators=[Optional()])
    day_to = DateField("到", validators=[Optional()])
    page = IntegerField(
        "页码",
        default=1,
        validators=[Optional(), NumberRange(1, 100_000, message="应为 1 到 100000 的整数")],
    )

    def validate_day_to(self, field):
        if field.data and self.day_from.data and field.data < self.day_from.data:
            raise ValidationError("结束日期不能早于开始日期")

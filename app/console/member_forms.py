"""Forms of the members' pages and the approvals queue. The rules live in the services; these
only type and require the input."""

from decimal import Decimal, InvalidOperation

from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from app.console.forms import ConsoleForm, parse_yuan, printable
from app.services.members.counter_topups import COUNTER_CHANNELS
from app.services.members.lookup import SEARCH_KINDS

PAY_MODES = {"amount": "金额", "volume": "升数", "fill_up": "加满"}


class MemberSearchForm(ConsoleForm):
    """Read from the query string (a GET form: no CSRF token, nothing changes)."""

    q = StringField("查找会员", validators=[Length(max=30, message="最多 30 个字符"), printable])
    kind = SelectField(
        "查找方式", choices=[SelectChoice(k, v) for k, v in SEARCH_KINDS.items()], default="auto"
    )
    page = IntegerField(
        "页码",
        default=1,
        validators=[Optional(), NumberRange(1, 10_000, message="应为 1 到 10000 的整数")],
    )


class MemberCodeForm(ConsoleForm):
    code = StringField("会员码", validators=[Length(max=64, message="最多 64 个字符"), printable])


def _number(value) -> int | None:
    """A nozzle number as posted; None when missing (the view says to choose one)."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and len(text) < 6 else None


class CounterPayForm(ConsoleForm):
    """会员码付款: the code shown by the driver, the nozzle, and how much."""

    code = StringField("会员码", validators=[Length(max=64, message="最多 64 个字符"), printable])
    nozzle = SelectField("油枪", coerce=_number, validate_choice=False)
    mode = RadioField(
        "方式",
        choices=[SelectChoice(k, v) for k, v in PAY_MODES.items()],
        default="amount",
        validate_choice=False,
    )
    amount = StringField("金额（元）", validators=[Length(max=20), printable])
    litres = StringField("升数", validators=[Length(max=20), printable])

    def amount_fen(self) -> int | None:
        """The typed amount in fen (金额 only); None when not asked for or mistyped (the error
        is then on the field)."""
        if self.mode.data != "amount":
            return None
        if not (self.amount.data or "").strip():
            self.amount.errors = [*self.amount.errors, "请输入金额"]
            return None
        return parse_yuan(self.amount)

    def volume_ml(self) -> int | None:
        """The typed litres in millilitres (升数 only), to 0.01 升."""
        if self.mode.data != "volume" or self.litres.errors:
            return None
        text = (self.litres.data or "").strip().removesuffix("升").removesuffix("L").strip()
        try:
            litres = Decimal(text)
            exact = litres.is_finite() and litres == litres.quantize(Decimal("0.01"))
        except InvalidOperation:  # not a number, or too many digits
            exact = False
        if not exact:
            self.litres.errors = [*self.litres.errors, "请输入升数，最多两位小数，例如 30.5"]
            return None
        return int(litres * 1000)


class CounterTopupForm(ConsoleForm):
    station_id = SelectField("充值油站", coerce=int, validate_choice=False)
    channel = RadioField(
        "付款方式",
        choices=[SelectChoice(k, v) for k, v in COUNTER_CHANNELS.items()],
        validate_choice=False,
    )
    package_id = SelectField("充值套餐", validate_choice=False, default="")
    amount = StringField("充值金额（元）")
    pos_reference = StringField("POS 参考号", validators=[Length(max=64), printable])
    note = TextAreaField("备注", validators=[Length(max=200, message="最多 200 个字")])
    request_no = HiddenField()

    def amount_fen(self) -> int | None:
        """The typed amount in fen; None when left empty (a package gives it) or mistyped
        (the error is then on the field)."""
        if not (self.amount.data or "").strip():
            return None
        return parse_yuan(self.amount)

    def package(self) -> int | None:
        value = self.package_id.data
        return int(value) if value and str(value).isdigit() else None


class ReasonForm(ConsoleForm):
    """Freeze, unfreeze or reject: the reason is required (the service says so)."""

    reason = TextAreaField("原因", validators=[Length(max=200, message="最多 200 个字")])


class ActionForm(ConsoleForm):
    """Only the CSRF token: what to act on is in the URL."""

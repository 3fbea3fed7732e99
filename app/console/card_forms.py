"""The recharge card console's forms: they type and require their input; the rules (amounts,
counts, who may do what) are the services'."""

from datetime import datetime, time, timedelta

from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.console.forms import REQUIRED, ConsoleForm, parse_yuan, printable
from app.models import CARD_STATUSES
from app.services.platform import clock

CHAIN_WIDE = ""  # the station choice meaning "every station of the chain"


class BatchForm(ConsoleForm):
    # Which stations the actor may choose is the service's to say (a 403 otherwise).
    station_id = SelectField("适用油站", validate_choice=False)
    name = StringField("批次名称", validators=[DataRequired(REQUIRED), Length(max=40), printable])
    face = StringField("面值（元）", validators=[DataRequired(REQUIRED)])
    count = IntegerField("张数", validators=[InputRequired("请填写 1 到 10000 的整数张数")])
    expires_on = DateField("有效期至", validators=[DataRequired("请选择日期")])

    def validate_station_id(self, field):
        if field.data and not (field.data.isascii() and field.data.isdigit()):
            raise ValidationError("请选择油站")

    def values(self) -> dict:
        """As recharge_cards.create_batch takes them; an amount that does not parse is None,
        with its error on its field. A card is valid through the whole last day (Shanghai)."""
        day = self.expires_on.data
        return {
            "station_id": int(self.station_id.data) if self.station_id.data else None,
            "name": self.name.data,
            "face_fen": parse_yuan(self.face),
            "count": self.count.data,
            "expires_at": clock.from_local(datetime.combine(day + timedelta(days=1), time()))
            if day
            else None,
        }


class ReasonForm(ConsoleForm):
    reason = TextAreaField("作废原因", validators=[Length(max=200)])


class SheetForm(ConsoleForm):
    """Only the CSRF token: the batch is in the URL and its seed in a cookie."""


class CardFilterForm(ConsoleForm):
    """A batch's cards: part of a number, a status, a page (from the query string)."""

    number = StringField("卡号", validators=[Optional(), Length(max=20)])
    status = SelectField(
        "状态",
        choices=[SelectChoice("", "全部状态")]
        + [SelectChoice(value, label) for value, label in CARD_STATUSES.items()],
        default="",
    )
    page = IntegerField(
        "页码",
        default=1,
        validators=[Optional(), NumberRange(1, 100_000, message="应为 1 到 100000 的整数")],
    )


class SellForm(ConsoleForm):
    station_id = SelectField("销售油站")
    number = StringField("卡号", validators=[DataRequired("请输入卡号"), Length(max=30), printable])
    payment = RadioField(
        "收款方式",
        choices=[SelectChoice("cash", "现金"), SelectChoice("pos", "银行卡（POS）")],
        validate_choice=False,
    )
    pos_reference = StringField("POS 参考号", validators=[Length(max=64), printable])

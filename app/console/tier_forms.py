"""Forms of the member tiers page: fields per fuel (cuts) and per tier (thresholds) are made
for the chain at hand. They only type their input; the tiers service judges it."""

from typing import ClassVar

from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, Length

from app.console.forms import REQUIRED, ConsoleForm, parse_yuan, printable
from app.models import TIER_METRICS
from app.services.members import tiers
from app.services.platform.money import fen_to_yuan

UNIT_WORDS = {"spend": "元", "litres": "升"}


def _threshold(metric: str, field) -> int | None:
    """The threshold typed in 元 or 升 as fen or ml; None with the reason on the field."""
    if field.errors:
        return None
    try:
        return tiers.parse_threshold(metric, field.data or "")
    except ValueError as err:
        field.errors = [*field.errors, str(err)]
        return None


class TierForm(ConsoleForm):
    name = StringField("等级名称", validators=[DataRequired(REQUIRED), Length(max=20), printable])
    threshold = StringField("门槛", validators=[DataRequired(REQUIRED)])
    fuel_fields: ClassVar[tuple] = ()  # (fuel, field name), set per chain

    def cut_fields(self):
        return [(fuel, self[name]) for fuel, name in self.fuel_fields]

    def values(self, metric: str) -> tuple[int | None, dict[int, int] | None]:
        """(threshold, fuel id -> cut in fen per litre); None where a field could not be read."""
        threshold = _threshold(metric, self.threshold)
        cuts, ok = {}, True
        for fuel, field in self.cut_fields():
            if not (field.data or "").strip():
                cuts[fuel.id] = 0
                continue
            cut = parse_yuan(field)
            ok = ok and cut is not None
            cuts[fuel.id] = cut
        return threshold, cuts if ok else None


def tier_form(overview, posted: bool, tier=None, cuts: dict[int, int] | None = None) -> TierForm:
    """The form for a new tier (empty) or for editing one (filled from it)."""
    unit = UNIT_WORDS[overview.chain.tier_metric]
    fields = {"threshold": StringField(f"门槛（{unit}）", validators=[DataRequired(REQUIRED)])}
    fields |= {f"cut_{fuel.id}": StringField(f"{fuel.name}（元/升）") for fuel in overview.fuels}
    form_class = type("ChainTierForm", (TierForm,), fields)
    form_class.fuel_fields = tuple((fuel, f"cut_{fuel.id}") for fuel in overview.fuels)
    if posted:
        return form_class()
    data = {}
    if tier is not None:
        data["name"] = tier.name
        data["threshold"] = _plain(overview.chain.tier_metric, tier.threshold)
        for fuel_id, cut in (cuts or {}).items():
            data[f"cut_{fuel_id}"] = fen_to_yuan(cut)
    return form_class(formdata=None, data=data)


def _plain(metric: str, value: int) -> str:
    """A stored threshold as typed into the form: 5000.00 (元) or 1200 (升)."""
    return tiers.threshold_text(metric, value).split(" ")[0]


class RulesForm(ConsoleForm):
    metric = RadioField("考核指标", choices=[SelectChoice(k, v) for k, v in TIER_METRICS.items()])
    window_days = StringField("考核周期（天）", validators=[DataRequired(REQUIRED)])
    tier_fields: ClassVar[tuple] = ()  # (tier, field name), set per chain

    def threshold_fields(self):
        return [(tier, self[name]) for tier, name in self.tier_fields]

    def window(self) -> int | None:
        try:
            return int((self.window_days.data or "").strip())
        except ValueError:
            self.window_days.errors = [*self.window_days.errors, "请输入天数，例如 365"]
            return None

    def thresholds(self) -> dict[int, int] | None:
        """Tier id -> threshold in the unit of the chosen metric; blank fields are left out."""
        metric = self.metric.data if self.metric.data in TIER_METRICS else "spend"
        found, ok = {}, True
        for tier, field in self.threshold_fields():
            if (field.data or "").strip():
                value = _threshold(metric, field)
                ok = ok and value is not None
                found[tier.id] = value
        return found if ok else None


def rules_form(overview, posted: bool) -> RulesForm:
    rows = [row.tier for row in overview.rows]
    fields = {f"threshold_{tier.id}": StringField(tier.name) for tier in rows}
    form_class = type("ChainRulesForm", (RulesForm,), fields)
    form_class.tier_fields = tuple((tier, f"threshold_{tier.id}") for tier in rows)
    if posted:
        return form_class()
    # Thresholds start blank (blank keeps them): a figure in 元 left standing would otherwise
    # be read as 升 when the metric is switched.
    chain = overview.chain
    data = {"metric": chain.tier_metric, "window_days": str(chain.tier_window_days)}
    return form_class(formdata=None, data=data)

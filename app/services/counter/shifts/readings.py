"""Totalizer readings (泵码): typed litres to ml, and one nozzle's 走字数 checked and computed.

Every message names the nozzle and the field as the cashier sees them ("3号枪 交班泵码 ...");
the field keys (closing_<nozzle_id>, ...) let the console put them next to their inputs."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from app.models import ShiftReading

MAX_LITRES = Decimal("100000000")  # a totalizer shows at most 8 digits of whole litres


@dataclass(frozen=True)
class Closing:
    """What the cashier reads off one nozzle at the end of a shift (ml)."""

    closing_ml: int | None
    test_pour_ml: int = 0  # 回罐: test pours returned to the tank
    jump_before_ml: int | None = None  # a reset or board swap: the old board's last reading
    jump_after_ml: int | None = None  # and the new board's first one
    jump_reason: str = ""

    @property
    def has_jump(self) -> bool:
        return self.jump_before_ml is not None or self.jump_after_ml is not None

    @classmethod
    def of(cls, reading: ShiftReading) -> "Closing":
        return cls(
            reading.closing_ml,
            reading.test_pour_ml,
            reading.jump_before_ml,
            reading.jump_after_ml,
            reading.jump_reason,
        )


def litres_to_ml(text: str | None, label: str) -> int | None:
    """'123456.78' (litres, at most three decimals) -> 123456780 ml; None when left empty.
    ValueError with a Chinese message naming the field otherwise."""
    cleaned = (text or "").strip().replace(",", "").replace("升", "").replace("L", "").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{label} 请输入升数，例如 12345.67") from None
    if not value.is_finite():
        raise ValueError(f"{label} 请输入升数，例如 12345.67")
    if value < 0:
        raise ValueError(f"{label} 不能为负数")
    if value >= MAX_LITRES:
        raise ValueError(f"{label} 太大")
    ml = value * 1000
    if ml != ml.to_integral_value():
        raise ValueError(f"{label} 最多三位小数")
    return int(ml)


def ml_to_litres(ml: int | None) -> str:
    """123456780 -> '123456.78'; three decimals only where the ml need them."""
    if ml is None:
        return ""
    sign = "-" if ml < 0 else ""
    whole, rest = divmod(abs(ml), 1000)
    decimals = f"{rest:03d}"
    if decimals.endswith("0"):
        decimals = decimals[:2]
    return f"{sign}{whole}.{decimals}"


def gross_ml(opening_ml: int, closing: Closing) -> int:
    """What the totalizer moved: across a jump, the old board's part plus the new board's."""
    if closing.jump_before_ml is None:
        return closing.closing_ml - opening_ml
    return (closing.jump_before_ml - opening_ml) + (closing.closing_ml - closing.jump_after_ml)


def check_closing(nozzle_id: int, number: int, opening_ml: int, closing: Closing) -> dict:
    """The problems with one nozzle's closing figures, as {field key: message}; {} if none.
    The database's CHECKs hold the same rules; these name the field for the cashier."""
    name, key = f"{number}号枪", f"_{nozzle_id}"
    errors = {}
    if closing.closing_ml is None:
        return {f"closing{key}": f"{name} 请填写交班泵码"}
    if closing.test_pour_ml < 0:
        errors[f"test_pour{key}"] = f"{name} 回罐 不能为负数"
    if closing.has_jump:
        if closing.jump_before_ml is None or closing.jump_after_ml is None:
            errors[f"jump{key}"] = f"{name} 跳码 请同时填写跳码前读数和跳码后读数"
        elif not closing.jump_reason.strip():
            errors[f"jump_reason{key}"] = f"{name} 跳码 请填写原因（如主板更换、清零）"
        elif len(closing.jump_reason) > 200:
            errors[f"jump_reason{key}"] = f"{name} 跳码原因 最多 200 字"
        elif closing.jump_before_ml < opening_ml:
            errors[f"jump{key}"] = f"{name} 跳码前读数 小于 接班泵码"
        elif closing.closing_ml < closing.jump_after_ml:
            errors[f"closing{key}"] = f"{name} 交班泵码 小于 跳码后读数"
    elif closing.closing_ml < opening_ml:
        errors[f"closing{key}"] = (
            f"{name} 交班泵码 小于 接班泵码 {ml_to_litres(opening_ml)} 升；如有跳码 请登记跳码"
        )
    if not errors and closing.test_pour_ml > gross_ml(opening_ml, closing):
        errors[f"test_pour{key}"] = (
            f"{name} 回罐 {ml_to_litres(closing.test_pour_ml)} 升 超过 走字数 "
            f"{ml_to_litres(gross_ml(opening_ml, closing))} 升"
        )
    return errors

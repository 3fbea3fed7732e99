"""Money in integer fen: parsing, formatting and the one rounding rule (half-up)."""

from decimal import Decimal, InvalidOperation


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in integers only."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return sign * quotient


def amount_for_volume(price_fen_per_litre: int, volume_ml: int) -> int:
    """What volume_ml costs at a price per litre, to the fen."""
    return round_half_up(price_fen_per_litre * volume_ml, 1000)


def yuan_to_fen(text: str) -> int:
    """Parse '7.85' (yuan, at most two decimals) into 785 fen; ValueError on anything else."""
    cleaned = (text or "").strip().replace("¥", "").replace("元", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("请输入金额，例如 7.85") from None
    if not value.is_finite():
        raise ValueError("请输入金额，例如 7.85")
    try:
        cents = value.quantize(Decimal("0.01"))
    except InvalidOperation:  # too many digits to hold
        raise ValueError("金额太大") from None
    if value != cents:
        raise ValueError("金额最多两位小数")
    return int(value * 100)


def fen_to_yuan(fen: int | None) -> str:
    """785 -> '7.85'; negative amounts keep their sign."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"

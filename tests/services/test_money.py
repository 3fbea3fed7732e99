"""Integer fen: the one rounding rule, parsing and formatting."""

import pytest

from app.services.platform.money import amount_for_volume, fen_to_yuan, round_half_up, yuan_to_fen


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (5, 10, 1),  # exactly half rounds up
        (4, 10, 0),
        (15, 10, 2),
        (14999, 1000, 15),
        (14499, 1000, 14),
        (-5, 10, -1),  # half away from zero
        (-4, 10, 0),
        (0, 7, 0),
        (7, 7, 1),
        (10**20 + 1, 2, 5 * 10**19 + 1),  # integers only: no float drift on huge values
    ],
)
def test_round_half_up(numerator, denominator, expected):
    assert round_half_up(numerator, denominator) == expected


@pytest.mark.parametrize("denominator", [0, -1])
def test_round_half_up_refuses_non_positive_denominator(denominator):
    with pytest.raises(ValueError):
        round_half_up(1, denominator)


def test_amount_for_volume():
    assert amount_for_volume(768, 30_000) == 23_040  # 30 L of 7.68
    assert amount_for_volume(768, 1_234) == 948  # 947.712 -> 948
    assert amount_for_volume(801, 2_500) == 2_003  # 2002.5 -> 2003 (half up)


@pytest.mark.parametrize(
    ("text", "fen"),
    [("7.85", 785), ("7", 700), ("0.01", 1), (" ¥12.30元 ", 1230), ("100.1", 10010), ("0", 0)],
)
def test_yuan_to_fen(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("text", ["7.855", "abc", "", "NaN", "Infinity", "1e400x", None])
def test_yuan_to_fen_refuses(text):
    with pytest.raises(ValueError):
        yuan_to_fen(text)


@pytest.mark.parametrize(
    ("fen", "text"), [(785, "7.85"), (5, "0.05"), (0, "0.00"), (-1230, "-12.30"), (None, "")]
)
def test_fen_to_yuan(fen, text):
    assert fen_to_yuan(fen) == text


def test_round_trip():
    for fen in (0, 1, 99, 100, 12345, 99999999):
        assert yuan_to_fen(fen_to_yuan(fen)) == fen

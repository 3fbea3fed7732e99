"""Chinese number plates: the forms normalise_plate takes, the usual form it gives, and the
clear Chinese refusal of everything else."""

import pytest

from app.services.members.vehicles import PROVINCES, normalise_plate
from app.services.platform.errors import Invalid

VALID = [
    # ordinary plates, 7 characters
    ("云A12345", "云A12345"),
    ("云AB123C", "云AB123C"),
    ("京N8Q8Y9", "京N8Q8Y9"),
    ("藏AAB123", "藏AAB123"),
    ("琼E0000Z", "琼E0000Z"),
    # how drivers type them: lower case, the middle dot, spaces, dashes, full-width characters
    (" 云a·12345 ", "云A12345"),
    ("云 A 123 45", "云A12345"),
    ("云A-12345", "云A12345"),
    ("云Ａ１２３４５", "云A12345"),
    ("云a.d12345", "云AD12345"),
    # small new-energy, 8 characters: D/F, and since 2021 A B C E / G H J K
    ("云AD12345", "云AD12345"),
    ("云AFA1234", "云AFA1234"),
    ("沪AA12345", "沪AA12345"),
    ("粤BC98765", "粤BC98765"),
    ("京AE00001", "京AE00001"),
    ("浙AG12345", "浙AG12345"),
    ("苏EKA0001", "苏EKA0001"),
    ("川AH12345", "川AH12345"),
    ("渝BJ12345", "渝BJ12345"),
    # large new-energy: 5 digits then D or F
    ("云A12345D", "云A12345D"),
    ("云A12345F", "云A12345F"),
    # a last character naming the use
    ("云A1234学", "云A1234学"),
    ("云A0001警", "云A0001警"),
    ("云A1234挂", "云A1234挂"),
    ("沪A0001领", "沪A0001领"),
    ("粤Z1234港", "粤Z1234港"),
    ("粤Z1A23澳", "粤Z1A23澳"),
]

INVALID = [
    ("", "请填写车牌号"),
    ("   ", "请填写车牌号"),
    ("A12345", "省份简称"),  # no province
    ("台A12345", "省份简称"),  # not an issuing province
    ("云112345", "格式不对"),  # the second character is a letter
    ("云A1234", "格式不对"),  # too short
    ("云A123456", "格式不对"),  # 8 characters but not new-energy
    ("云AI2345", "I 和 O"),  # I and O are never in the serial
    ("云A12O45", "I 和 O"),
    ("云AD1234O", "I 和 O"),
    ("云AL12345", "格式不对"),  # L is no energy letter
    ("云AI12345", "I 和 O"),  # nor is I
    ("云AD1234A", "格式不对"),  # small new-energy: the last four are digits
    ("云A1234AD", "格式不对"),  # large new-energy: five digits before D
    ("云A12345E", "格式不对"),  # large new-energy ends in D or F only
    ("云A12345港", "格式不对"),  # 港 and 澳 only on 粤Z plates with 4 characters
    ("云Z1234港", "格式不对"),
    ("云A12345学", "格式不对"),  # 学 after four characters
    ("使014578", "省份简称"),  # embassy plates are not taken
    ("WJ云12345", "省份简称"),  # nor armed police
    ("云A12345" * 3, "格式不对"),
    ("云A12;45", "格式不对"),
]


@pytest.mark.parametrize(("typed", "usual"), VALID)
def test_valid_plates_come_back_in_their_usual_form(typed, usual):
    assert normalise_plate(typed) == usual


@pytest.mark.parametrize(("typed", "told"), INVALID)
def test_other_plates_are_refused_naming_the_field(typed, told):
    with pytest.raises(Invalid) as refused:
        normalise_plate(typed)
    assert set(refused.value.fields) == {"plate"}
    message = refused.value.fields["plate"]
    assert "车牌号" in message and told in message


def test_every_province_is_taken_and_none_else():
    assert len(PROVINCES) == 31 == len(set(PROVINCES))
    for province in PROVINCES:
        assert normalise_plate(f"{province}A12345") == f"{province}A12345"
        assert normalise_plate(f"{province}AD12345") == f"{province}AD12345"


def test_a_normalised_plate_fits_the_column_and_normalises_to_itself():
    for _, usual in VALID:
        assert len(usual) <= 10  # vehicle.plate and order.plate are String(10)
        assert normalise_plate(usual) == usual

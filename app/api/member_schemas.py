"""Request and response schemas of the member's own things: profile, vehicles, member code."""

from typing import ClassVar

from pydantic import ConfigDict, Field, StrictBool, field_validator

from app.api.order_schemas import ISO, FuelRef, plate_rules
from app.jsonapi.schemas import Request, Schema
from app.services.members.vehicles import (
    MAX_VEHICLES,
    NAME_MAX,
    PLATE_MESSAGE,
    plate_input_pattern,
)

PLATE_DESCRIPTION = (
    "车牌号，如 云A12345；新能源 8 位，如 云AD12345（小型）、云A12345D（大型）；"
    "也可为 云A1234学/警/挂/领、粤Z1234港/澳。可带空格或点，不区分大小写，保存为标准写法"
)
FUEL_DESCRIPTION = "常用油品代码，如 92、95、0（本连锁有的油品）；null 表示不设"


PLATE_PATTERN = plate_input_pattern(blank_allowed=False)


def plate_field():
    return Field(
        min_length=1,
        max_length=12,
        pattern=PLATE_PATTERN,
        title="车牌号",
        description=PLATE_DESCRIPTION,
    )


def name_field():
    return Field("", max_length=NAME_MAX, title="车辆名称", description="如 家里的车，不填为不设")


def fuel_field():
    return Field(None, min_length=1, max_length=10, title="常用油品", description=FUEL_DESCRIPTION)


class VehicleIn(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"plate": "云A12345", "name": "家里的车", "fuel": "92"},
                {"plate": "云AD12345", "is_default": True},
            ]
        }
    )
    messages: ClassVar[dict] = {"plate": PLATE_MESSAGE}

    plate: str = plate_field()
    name: str = name_field()
    fuel: str | None = fuel_field()
    is_default: StrictBool = Field(
        False,
        title="设为默认",
        description="true 则设为默认车辆（下单不填车牌时用它的车牌）；第一辆车总是默认车辆",
    )

    _plate = field_validator("plate")(plate_rules)


class VehicleUpdate(Request):
    """The whole of what the driver edits (the default has its own call)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"plate": "云A12345", "name": "公司的车", "fuel": "95"},
                {"plate": "云A56789F", "name": "", "fuel": None},
            ]
        }
    )
    messages: ClassVar[dict] = {"plate": PLATE_MESSAGE}

    plate: str = plate_field()
    name: str = name_field()
    fuel: str | None = fuel_field()

    _plate = field_validator("plate")(plate_rules)


VEHICLE_EXAMPLE = {
    "id": 31,
    "plate": "云A12345",
    "name": "家里的车",
    "fuel": {"code": "92", "name": "92#汽油"},
    "is_default": True,
    "created_at": "2026-03-01T09:20:00+08:00",
}
SECOND_VEHICLE = {
    "id": 32,
    "plate": "云AD12345",
    "name": "",
    "fuel": None,
    "is_default": False,
    "created_at": "2026-03-05T17:41:09+08:00",
}


class VehicleOut(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [VEHICLE_EXAMPLE]})

    id: int
    plate: str = Field(description="标准写法，如 云A12345")
    name: str
    fuel: FuelRef | None = Field(description="常用油品；未设为 null")
    is_default: StrictBool = Field(description="默认车辆：下单不填车牌时用它的车牌")
    created_at: str = Field(description=ISO)


class VehicleList(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"items": [VEHICLE_EXAMPLE, SECOND_VEHICLE], "max_vehicles": MAX_VEHICLES}]
        }
    )

    items: list[VehicleOut] = Field(description="按添加的先后（占用的位置）排列")
    max_vehicles: int = Field(description="最多可添加的车辆数")


class MemberCodeOut(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "881234567890123456",
                    "expires_at": "2026-03-08T18:03:11+08:00",
                    "ttl_s": 60,
                    "refresh_after_s": 50,
                }
            ]
        }
    )

    code: str = Field(
        description="18 位数字会员码（88 开头），显示为条形码和二维码（内容就是这串数字），"
        "下方以 4 位一组显示数字供收银员手动输入"
    )
    expires_at: str = Field(description=f"失效时间（{ISO}）")
    ttl_s: int = Field(description="有效秒数")
    refresh_after_s: int = Field(
        description="这么多秒后再取一个新码替换显示（旧码在失效前仍然有效，刚好被扫也能用）"
    )


class TierRef(Schema):
    id: int
    name: str


class ConsentOut(Schema):
    version: str = Field(description="同意的隐私政策版本")
    at: str = Field(description=f"同意时间（{ISO}）")


ME_EXAMPLE = {
    "id": 1024,
    "nickname": "微信用户",
    "phone": "138****5678",
    "created_at": "2026-03-01T09:15:00+08:00",
    "last_login_at": "2026-03-08T18:02:11+08:00",
    "tier": {"id": 2, "name": "金卡"},
    "vehicle_count": 2,
    "consent": {"version": "2026-01", "at": "2026-03-01T09:15:30+08:00"},
}


class MeOut(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [ME_EXAMPLE]})

    id: int
    nickname: str
    phone: str = Field(description="绑定的手机号，中间四位隐去（138****5678）；未绑定为空字符串")
    created_at: str = Field(description=f"注册时间（{ISO}）")
    last_login_at: str | None
    tier: TierRef | None = Field(description="当前会员等级；没有为 null")
    vehicle_count: int = Field(description="已添加的车辆数")
    consent: ConsentOut | None = Field(description="同意隐私政策的版本和时间；未同意为 null")

"""Request and response schemas of the driver API; the OpenAPI document is built from them."""

from typing import Literal

from pydantic import ConfigDict, Field

from app.jsonapi.schemas import FEN, Request, Schema
from app.services.catalogue.read_model import DEFAULT_RADIUS_M, MAX_RADIUS_M

ISO = "北京时间，ISO 8601"
MEMBER_EXAMPLE = {
    "id": 1024,
    "nickname": "微信用户",
    "phone": "",
    "created_at": "2026-03-01T09:15:00+08:00",
    "last_login_at": "2026-03-08T18:02:11+08:00",
}


class WechatLoginRequest(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"js_code": "0a3Xk7000Qb1sT1dGk300D"}]}
    )

    js_code: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        title="登录凭证 js_code",
        description="wx.login() 得到的临时登录凭证，只能用一次",
    )


class MemberProfile(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [MEMBER_EXAMPLE]})

    id: int
    nickname: str
    phone: str
    created_at: str = Field(description=f"注册时间（{ISO}）")
    last_login_at: str | None


class LoginResponse(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "token": "q1Jm4u0p9yYb2V3n8Wc5RZk7tXs6eHa0LdGfPiOwMvE",
                    "token_type": "Bearer",
                    "expires_at": "2026-04-07T18:02:11+08:00",
                    "expires_in": 2592000,
                    "is_new_member": False,
                    "member": MEMBER_EXAMPLE,
                }
            ]
        }
    )

    token: str = Field(description="放在 Authorization: Bearer <token> 中")
    token_type: Literal["Bearer"]
    expires_at: str = Field(description=f"过期时间（{ISO}）")
    expires_in: int = Field(description="有效秒数")
    is_new_member: bool
    member: MemberProfile


class StationSearchQuery(Request):
    lat: float = Field(
        ge=-90, le=90, allow_inf_nan=False, title="纬度", description="纬度", examples=[25.04]
    )
    lng: float = Field(
        ge=-180, le=180, allow_inf_nan=False, title="经度", description="经度", examples=[102.71]
    )
    radius_m: int = Field(
        DEFAULT_RADIUS_M, ge=1, le=MAX_RADIUS_M, title="搜索半径", description="搜索半径（米）"
    )
    fuel: str | None = Field(
        None,
        min_length=1,
        max_length=10,
        title="油品",
        description="只看卖该油品的油站（油品代码，如 92）",
        examples=["92"],
    )
    q: str | None = Field(
        None,
        min_length=1,
        max_length=30,
        title="搜索词",
        description="按油站名称、城市或地址查找（全链，不限半径，仍由近及远）",
        examples=["丽江"],
    )
    coord: Literal["gcj02", "wgs84"] = Field(
        "gcj02", title="坐标系", description="坐标系：gcj02（wx.getLocation type=gcj02）或 wgs84"
    )
    page: int = Field(1, ge=1, le=1000, title="页码")
    per_page: int = Field(20, ge=1, le=50, title="每页条数")


class GeoPoint(Schema):
    lat: float
    lng: float
    coord: Literal["gcj02"] = Field(description="导航用 GCJ-02 坐标（wx.openLocation）")


class NextPrice(Schema):
    list_price_fen: int = Field(description="挂牌价，" + FEN + "/升")
    member_price_fen: int = Field(description="会员价，" + FEN + "/升")
    effective_at: str = Field(description=f"生效时间（{ISO}）")


class FuelPriceOut(Schema):
    code: str = Field(description="油品代码，如 92、95、0")
    name: str
    kind: Literal["gasoline", "diesel"]
    list_price_fen: int | None = Field(description="当前挂牌价，" + FEN + "/升；未定价为 null")
    member_price_fen: int | None = Field(description="当前会员价，" + FEN + "/升")


class FuelDetailOut(FuelPriceOut):
    next_price: NextPrice | None = Field(description="已排定、尚未生效的下一次调价")


class PhotoOut(Schema):
    id: int
    url: str
    caption: str
    width: int
    height: int


class StationSummary(Schema):
    id: int
    name: str
    city: str
    address: str
    phone: str
    services: list[str]
    location: GeoPoint
    distance_m: int = Field(description="直线距离（米）")
    open_now: bool
    hours_today: str = Field(description="今日营业时间，如 06:00-22:00、24小时营业、休息")
    fuels: list[FuelPriceOut]
    photos: list[PhotoOut]


STATION_EXAMPLE = {
    "id": 1,
    "name": "昆明北京路加油站",
    "city": "昆明",
    "address": "盘龙区北京路 1088 号",
    "phone": "0871-65550000",
    "services": ["便利店", "洗车"],
    "location": {"lat": 25.0406, "lng": 102.7123, "coord": "gcj02"},
    "photos": [
        {
            "id": 3,
            "url": "https://jiayou.example.com/api/v1/photos/3?v=1a2b3c4d5e6f",
            "caption": "站前",
            "width": 1280,
            "height": 960,
        }
    ],
    "open_now": True,
}
FUEL_EXAMPLE = {
    "code": "92",
    "name": "92#汽油",
    "kind": "gasoline",
    "list_price_fen": 768,
    "member_price_fen": 748,
}


class StationPage(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            **STATION_EXAMPLE,
                            "distance_m": 850,
                            "hours_today": "24小时营业",
                            "fuels": [FUEL_EXAMPLE],
                        }
                    ],
                    "page": 1,
                    "per_page": 20,
                    "total": 1,
                    "has_more": False,
                }
            ]
        }
    )

    items: list[StationSummary]
    page: int
    per_page: int
    total: int
    has_more: bool


class DayHours(Schema):
    weekday: int = Field(ge=0, le=6, description="0 = 周一")
    name: str
    text: str
    opens: str | None = Field(description="HH:MM；休息为 null")
    closes: str | None = Field(description="HH:MM，24:00 为午夜；早于 opens 表示次日")


class NozzleOut(Schema):
    number: int
    fuel_code: str
    fuel_name: str


class StationDetail(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **STATION_EXAMPLE,
                    "hours_today": "06:00-22:00",
                    "hours": [
                        {
                            "weekday": day,
                            "name": name,
                            "text": "06:00-22:00",
                            "opens": "06:00",
                            "closes": "22:00",
                        }
                        for day, name in enumerate(["周一", "周二", "周三", "周四", "周五", "周六"])
                    ]
                    + [
                        {
                            "weekday": 6,
                            "name": "周日",
                            "text": "休息",
                            "opens": None,
                            "closes": None,
                        }
                    ],
                    "fuels": [
                        {
                            **FUEL_EXAMPLE,
                            "next_price": {
                                "list_price_fen": 775,
                                "member_price_fen": 755,
                                "effective_at": "2026-03-10T00:00:00+08:00",
                            },
                        }
                    ],
                    "nozzles": [{"number": 1, "fuel_code": "92", "fuel_name": "92#汽油"}],
                }
            ]
        }
    )

    id: int
    name: str
    city: str
    address: str
    phone: str
    services: list[str]
    location: GeoPoint
    open_now: bool
    hours_today: str
    hours: list[DayHours]
    fuels: list[FuelDetailOut]
    nozzles: list[NozzleOut]
    photos: list[PhotoOut]

"""Request and response schemas of the driver API; the OpenAPI document is built from them."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.services.catalogue.read_model import DEFAULT_RADIUS_M, MAX_RADIUS_M

FEN = "分（1 元 = 100 分）"


class Schema(BaseModel):
    """An answer: every field is listed, so the document says exactly what is sent."""

    model_config = ConfigDict(extra="forbid")


class Request(BaseModel):
    """A request: fields the schema does not know are ignored."""

    model_config = ConfigDict(extra="ignore")


class ErrorBody(Schema):
    code: str = Field(description="英文错误码，如 invalid_request")
    message: str = Field(description="给用户看的中文说明")


class ErrorResponse(Schema):
    error: ErrorBody


class WechatLoginRequest(Request):
    js_code: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="wx.login() 得到的临时登录凭证，只能用一次",
    )


class MemberProfile(Schema):
    id: int
    nickname: str
    phone: str
    created_at: str = Field(description="注册时间（北京时间，ISO 8601）")
    last_login_at: str | None


class LoginResponse(Schema):
    token: str = Field(description="放在 Authorization: Bearer <token> 中")
    token_type: Literal["Bearer"]
    expires_at: str = Field(description="过期时间（北京时间，ISO 8601）")
    expires_in: int = Field(description="有效秒数")
    is_new_member: bool
    member: MemberProfile


class StationSearchQuery(Request):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="纬度")
    lng: float = Field(ge=-180, le=180, allow_inf_nan=False, description="经度")
    radius_m: int = Field(DEFAULT_RADIUS_M, ge=1, le=MAX_RADIUS_M, description="搜索半径（米）")
    fuel: str | None = Field(None, min_length=1, max_length=10, description="只看卖该油品的油站")
    coord: Literal["gcj02", "wgs84"] = Field(
        "gcj02", description="坐标系：gcj02（wx.getLocation type=gcj02）或 wgs84"
    )
    page: int = Field(1, ge=1, le=1000)
    per_page: int = Field(20, ge=1, le=50)


class GeoPoint(Schema):
    lat: float
    lng: float
    coord: Literal["gcj02"] = Field(description="导航用 GCJ-02 坐标（wx.openLocation）")


class NextPrice(Schema):
    list_price_fen: int = Field(description="挂牌价，" + FEN + "/升")
    member_price_fen: int = Field(description="会员价，" + FEN + "/升")
    effective_at: str = Field(description="生效时间（北京时间，ISO 8601）")


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


class StationPage(Schema):
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

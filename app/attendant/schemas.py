"""Request and response schemas of the attendant API; its OpenAPI document is built from them."""

from typing import Annotated, Literal

from pydantic import Field

from app.api.schemas import FEN, Request, Schema

Token = Annotated[str, Field(min_length=1, max_length=100, description="司机订单二维码里的取油码")]
Millilitres = Annotated[
    int, Field(strict=True, description="油机显示的升数 × 1000（毫升），精确到 10 毫升")
]


class LoginRequest(Request):
    username: str = Field(min_length=1, max_length=50)
    password: str = Field(min_length=1, max_length=200)


class StationRef(Schema):
    id: int
    name: str


class StaffProfile(Schema):
    id: int
    name: str
    username: str
    role: Literal["attendant", "cashier", "manager", "chain_admin"]
    role_name: str
    stations: list[StationRef] = Field(description="可以确认加油的油站")
    has_pin: bool = Field(False, description="是否已设置快速解锁 PIN")
    lock_after_s: int = Field(300, description="无操作多少秒后锁屏（设置了 PIN 时）")


class LoginResponse(StaffProfile):
    csrf_token: str = Field(description="之后每个 POST 请求放在 X-CSRFToken 请求头里")


class FuelRef(Schema):
    code: str
    name: str


class PickupOrder(Schema):
    id: int
    order_no: str
    status: str
    status_name: str
    station: StationRef
    fuel: FuelRef
    nozzle: int | None = Field(description="下单时指定的油枪号")
    plate: str | None = Field(description="司机下单时填的车牌号")
    mode: Literal["amount", "volume", "fill_up"]
    preset_amount_fen: int | None = Field(description=f"定额加油的金额，{FEN}")
    preset_volume_ml: int | None = Field(description="定量加油的升数（毫升）")
    fill_up_cap_fen: int | None = Field(description=f"加满模式的预付上限，{FEN}")
    unit_price_fen: int = Field(description="实际单价，分/升")
    list_price_fen: int = Field(description="挂牌价，分/升")
    paid_fen: int
    refunded_fen: int
    available_fen: int = Field(description=f"可加油金额 = 实付 - 已退，{FEN}")
    max_volume_ml: int = Field(description="可加油金额内最多能加的升数（毫升，10 毫升一档）")
    dispensed_ml: int | None
    dispensed_fen: int | None
    paid_at: str | None = Field(description="支付时间（北京时间，ISO 8601）")
    fueled_at: str | None
    member_nickname: str


class LiveOrder(PickupOrder):
    token_sha256: str | None = Field(
        description="取油码的 SHA-256（十六进制，取油码先去空格、转大写）：离线时用扫到的码匹配订单"
    )


class PinRequest(Request):
    pin: str = Field(min_length=1, max_length=20, description="4–6 位数字")


class LockResponse(Schema):
    locked: bool = Field(description="是否已锁屏（未设置 PIN 时不锁）")


class LookupQuery(Request):
    token: Token


class CodeLookupRequest(Request):
    station_id: int = Field(description="手持机当前所在油站：只在本站已支付的订单中查找")
    code: str = Field(
        min_length=1,
        max_length=20,
        description="司机二维码下方的 8 位数字取油码（空格、连字符会被忽略）",
    )


class CodeLookupResponse(Schema):
    order: PickupOrder
    token: str = Field(description="该订单二维码里的取油码：之后预览、确认加油都用它，与扫码相同")


class PreviewQuery(Request):
    token: Token
    dispensed_ml: int = Field(description="油机显示的升数 × 1000（毫升）")


class ConfirmRequest(Request):
    token: Token
    dispensed_ml: Millilitres
    confirmation_id: str | None = Field(
        None,
        min_length=8,
        max_length=64,
        pattern=r"^[0-9A-Za-z_-]+$",
        description="手持机为每次确认生成的唯一编号（如 UUID）：重发时返回第一次的结果",
    )


class FuelingOut(Schema):
    dispensed_ml: int
    dispensed_fen: int = Field(description=f"按实际单价计的加油金额，{FEN}")
    refund_fen: int = Field(description=f"结算后退给司机的差额，{FEN}")


class PreviewResponse(FuelingOut):
    order: PickupOrder


class ConfirmResponse(FuelingOut):
    order: PickupOrder


class WaitingOrders(Schema):
    cursor: int = Field(description="这些订单对应的事件序号：之后用 since=cursor 取新事件")
    orders: list[LiveOrder] = Field(description="已支付、待加油的订单，先付的在前")


class EventsQuery(Request):
    since: int = Field(0, ge=0, description="上次收到的事件序号")
    wait: int = Field(25, ge=0, le=25, description="没有新事件时最多等待的秒数（长轮询）")


class StationEventOut(Schema):
    id: int = Field(description="事件序号，递增")
    kind: Literal["order.paid", "order.refunded", "order.fueled", "order.cancelled"]
    created_at: str
    order: LiveOrder


class EventsResponse(Schema):
    cursor: int
    events: list[StationEventOut]

"""Request and response schemas of the attendant API; its OpenAPI document is built from them."""

from typing import Annotated, ClassVar, Literal

from pydantic import ConfigDict, Field, field_validator

from app.attendant.rule_schemas import CampaignRuleOut, CouponRuleOut
from app.jsonapi.schemas import FEN, MAX_ID, JsonInt, Request, Schema
from app.services.orders.pickup import CODE_DIGITS
from app.services.orders.placing import MAX_VOLUME_ML, VOLUME_STEP_ML
from app.services.staff.pin_lock import pin_problem

TOKEN_EXAMPLE = "K7Q2M9XW4TJ8RCBN5HVD3PYG6F"
Token = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        title="取油码",
        description="司机订单二维码里的取油码",
        examples=[TOKEN_EXAMPLE],
    ),
]
READING = dict(
    ge=VOLUME_STEP_ML,
    le=MAX_VOLUME_ML,
    multiple_of=VOLUME_STEP_ML,
    title="油机读数",
    description="油机显示的升数 × 1000（毫升），10 毫升一档（油机显示两位小数）",
    examples=[30250],
)
READING_MESSAGES = {
    "missing": "请输入加油升数",
    "greater_than_equal": "请输入加油升数",
    "multiple_of": "升数精确到两位小数（10 毫升一档）",
    "less_than_equal": f"升数不能超过 {MAX_VOLUME_ML // 1000} 升",
    "*": "油机读数应为整数毫升（如 30.25 升填 30250）",
}
Millilitres = Annotated[JsonInt, Field(**READING)]
PIN_FORMAT = "^[0-9]{4,6}$"
# The PINs pin_lock refuses as too simple (one digit repeated, or a run up or down), listed so
# the document states the rule.
SIMPLE_PINS = sorted(
    pin
    for size in (4, 5, 6)
    for start in range(10)
    for step in (0, 1, -1)
    if 0 <= start + step * (size - 1) <= 9
    and pin_problem(pin := "".join(str(start + step * i) for i in range(size)))
)


class LoginRequest(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"username": "zhangsan", "password": "Jiayou2026"}]}
    )

    username: str = Field(
        min_length=1, max_length=50, pattern=r"^[^\x00-\x1f\x7f]+$", title="用户名"
    )
    password: str = Field(min_length=1, max_length=200, title="密码")


class StationRef(Schema):
    id: int
    name: str


STAFF_EXAMPLE = {
    "id": 7,
    "name": "张三",
    "username": "zhangsan",
    "role": "attendant",
    "role_name": "加油员",
    "stations": [{"id": 1, "name": "昆明北京路加油站"}],
    "has_pin": True,
    "lock_after_s": 300,
}


class StaffProfile(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [STAFF_EXAMPLE]})

    id: int
    name: str
    username: str
    role: Literal["attendant", "cashier", "manager", "chain_admin"]
    role_name: str
    stations: list[StationRef] = Field(description="可以确认加油的油站")
    has_pin: bool = Field(False, description="是否已设置快速解锁 PIN")
    lock_after_s: int = Field(300, description="无操作多少秒后锁屏（设置了 PIN 时）")


class LoginResponse(StaffProfile):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**STAFF_EXAMPLE, "csrf_token": "IjQ1ZTlkM2Q3YjM4ZGI0NWUyNjhkZmE3NDAi"}]
        }
    )

    csrf_token: str = Field(description="之后每个 POST 请求放在 X-CSRFToken 请求头里")


class FuelRef(Schema):
    code: str
    name: str


PICKUP_EXAMPLE = {
    "id": 5021,
    "order_no": "JY2026030818021112345678",
    "status": "paid",
    "status_name": "已支付，待加油",
    "station": {"id": 1, "name": "昆明北京路加油站"},
    "fuel": {"code": "92", "name": "92#汽油"},
    "nozzle": 1,
    "plate": "云A12345",
    "mode": "amount",
    "preset_amount_fen": 20000,
    "preset_volume_ml": None,
    "fill_up_cap_fen": None,
    "unit_price_fen": 748,
    "list_price_fen": 768,
    "paid_fen": 20000,
    "refunded_fen": 0,
    "available_fen": 20000,
    "max_volume_ml": 26730,
    "coupon": None,
    "campaign": None,
    "dispensed_ml": None,
    "dispensed_fen": None,
    "paid_at": "2026-03-08T18:02:40+08:00",
    "fueled_at": None,
    "member_nickname": "微信用户",
}
FUELED_EXAMPLE = {
    **PICKUP_EXAMPLE,
    "status": "fueled",
    "status_name": "已加油，结算中",
    "dispensed_ml": 25000,
    "dispensed_fen": 18700,
    "fueled_at": "2026-03-08T18:10:05+08:00",
}
LIVE_EXAMPLE = {
    **PICKUP_EXAMPLE,
    "token_sha256": "9f2c1e0b7a4d3c2b1a09f8e7d6c5b4a392817065f4e3d2c1b0a9f8e7d6c5b4a3",
}


class PickupOrder(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [PICKUP_EXAMPLE]})

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
    max_volume_ml: int = Field(
        description="可加油金额内最多能加的升数（毫升，10 毫升一档；有优惠券时按券减免后计）"
    )
    coupon: CouponRuleOut | None = Field(
        description="司机用的优惠券的规则（离线时按它预计金额，与服务器同一算法）；没有用券为 null"
    )
    campaign: CampaignRuleOut | None = Field(
        description="本单参加的满减类活动（首单立减、满额立减）的规则，在优惠券之前减；"
        "会员日每升直降已含在 unit_price_fen 里；没有为 null"
    )
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
    model_config = ConfigDict(json_schema_extra={"examples": [{"pin": "2580"}]})
    messages: ClassVar[dict] = {"pin": "请输入 4 到 6 位数字的 PIN"}

    pin: str = Field(pattern=PIN_FORMAT, title="PIN", description="4–6 位数字")


class NewPinRequest(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"pin": "2580"}]})
    messages: ClassVar[dict] = {"pin": "PIN 须为 4 到 6 位数字"}

    pin: str = Field(
        pattern=PIN_FORMAT,
        title="PIN",
        description="4–6 位数字，不能是重复或连续的数字（如 1111、1234、4321）",
        json_schema_extra={"not": {"enum": SIMPLE_PINS}},
    )

    @field_validator("pin")
    @classmethod
    def not_too_simple(cls, pin: str) -> str:
        problem = pin_problem(pin)
        if problem:
            raise ValueError(problem)
        return pin


class LockResponse(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"locked": True}]})

    locked: bool = Field(description="是否已锁屏（未设置 PIN 时不锁）")


class LookupQuery(Request):
    token: Token


class CodeLookupRequest(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"station_id": 1, "code": "3817 0426"}]}
    )
    messages: ClassVar[dict] = {"code": f"取油码为 {CODE_DIGITS} 位数字，请核对"}

    station_id: JsonInt = Field(
        ge=1,
        le=MAX_ID,
        title="油站",
        description="手持机当前所在油站：只在本站已支付的订单中查找",
    )
    code: str = Field(
        max_length=20,
        pattern=f"^[ -]*(?:[0-9][ -]*){{{CODE_DIGITS}}}$",
        title="取油码",
        description=f"司机二维码下方的 {CODE_DIGITS} 位数字取油码（空格、连字符会被忽略）",
    )


class CodeLookupResponse(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"order": PICKUP_EXAMPLE, "token": TOKEN_EXAMPLE}]}
    )

    order: PickupOrder
    token: str = Field(description="该订单二维码里的取油码：之后预览、确认加油都用它，与扫码相同")


class PreviewQuery(Request):
    messages: ClassVar[dict] = {"dispensed_ml": READING_MESSAGES}

    token: Token
    dispensed_ml: int = Field(**READING)


class ConfirmRequest(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "token": TOKEN_EXAMPLE,
                    "dispensed_ml": 25000,
                    "confirmation_id": "3b8f0c2e-6a1d-4e5f-9b7c-2d4a6e8f0a1c",
                }
            ]
        }
    )
    messages: ClassVar[dict] = {"dispensed_ml": READING_MESSAGES}

    token: Token
    dispensed_ml: Millilitres
    confirmation_id: str | None = Field(
        None,
        min_length=8,
        max_length=64,
        pattern=r"^[0-9A-Za-z_-]+$",
        title="确认编号",
        description="手持机为每次确认生成的唯一编号（如 UUID）：重发时返回第一次的结果",
    )


class FuelingOut(Schema):
    dispensed_ml: int
    dispensed_fen: int = Field(description=f"按实际单价计、已减优惠券的加油金额，{FEN}")
    coupon_fen: int = Field(description=f"司机的优惠券按实加升数减免的金额，{FEN}；没有用券为 0")
    campaign_fen: int = Field(
        description=f"活动（会员日、首单、满减）按实加升数优惠的金额，{FEN}；没有活动为 0"
    )
    refund_fen: int = Field(description=f"结算后退给司机的差额，{FEN}")


FUELING_EXAMPLE = {
    "dispensed_ml": 25000,
    "dispensed_fen": 18700,
    "coupon_fen": 0,
    "campaign_fen": 0,
    "refund_fen": 1300,
}


class PreviewResponse(FuelingOut):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**FUELING_EXAMPLE, "order": PICKUP_EXAMPLE}]}
    )

    order: PickupOrder


class ConfirmResponse(FuelingOut):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**FUELING_EXAMPLE, "order": FUELED_EXAMPLE}]}
    )

    order: PickupOrder


class WaitingOrders(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"cursor": 381, "orders": [LIVE_EXAMPLE]}]}
    )

    cursor: int = Field(description="这些订单对应的事件序号：之后用 since=cursor 取新事件")
    orders: list[LiveOrder] = Field(description="已支付、待加油的订单，先付的在前")


class EventsQuery(Request):
    since: int = Field(
        0, ge=0, le=MAX_ID, title="事件序号", description="上次收到的事件序号", examples=[381]
    )
    wait: int = Field(
        25, ge=0, le=25, title="等待秒数", description="没有新事件时最多等待的秒数（长轮询）"
    )


class StationEventOut(Schema):
    id: int = Field(description="事件序号，递增")
    kind: Literal["order.paid", "order.refunded", "order.fueled", "order.cancelled"]
    created_at: str
    order: LiveOrder


class EventsResponse(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "cursor": 382,
                    "events": [
                        {
                            "id": 382,
                            "kind": "order.paid",
                            "created_at": "2026-03-08T18:02:40+08:00",
                            "order": LIVE_EXAMPLE,
                        }
                    ],
                }
            ]
        }
    )

    cursor: int
    events: list[StationEventOut]

"""Request and response schemas of orders, payment and the wallet."""

from typing import ClassVar, Literal

from pydantic import ConfigDict, Field, RootModel, field_validator, model_validator

from app.api.checkout_schemas import (
    BILL_EXAMPLE,
    COUPON_ID_DESCRIPTION,
    ORDER_COUPON_EXAMPLE,
    ORDER_RULES,
    BillOut,
    CouponId,
    OrderCouponOut,
    preset_matches_mode,
)
from app.api.order_refund_schemas import (
    OFFER_DESCRIPTIONS,
    SETTLED_CHANGES,
    OrderRefundRequestOut,
    RefundOut,
)
from app.api.tier_schemas import PricingOut
from app.jsonapi.schemas import FEN, MAX_ID, JsonInt, Request, Schema
from app.models.order import ORDER_STATUSES
from app.services.catalogue.stations import MAX_ORDER_RANGE_FEN
from app.services.members.vehicles import PLATE_MESSAGE, normalise_plate, plate_input_pattern
from app.services.orders.placing import (
    MAX_VOLUME_ML,
    MIN_AMOUNT_FEN,
    MIN_VOLUME_ML,
    VOLUME_STEP_ML,
)
from app.services.platform.errors import Invalid

ISO = "北京时间，ISO 8601"

# The plate as a driver may type it (see members.vehicles); blank means no plate.
PLATE_INPUT = plate_input_pattern(blank_allowed=True)


def plate_rules(value: str | None) -> str | None:
    """A pydantic check: the plate in one of the forms members.vehicles accepts (blank passes)."""
    if value is None or not value.strip():
        return value
    try:
        return normalise_plate(value)
    except Invalid as err:
        raise ValueError(err.message) from None


PLACE_EXAMPLES = [
    {"station_id": 1, "fuel": "92", "mode": "amount", "amount_fen": 20000, "plate": "云A12345"},
    {"station_id": 1, "nozzle": 2, "mode": "volume", "volume_ml": 30000},
    {"station_id": 1, "fuel": "0", "mode": "fill_up", "plate": "云AD12345"},
    {"station_id": 1, "fuel": "92", "mode": "amount", "amount_fen": 20000, "pay_with": "wallet"},
    {"station_id": 1, "nozzle": 2, "mode": "fill_up", "pay_with": "wechat"},
    {
        "station_id": 1,
        "fuel": "92",
        "mode": "amount",
        "amount_fen": 20000,
        "coupon_id": 501,
        "expected_amount_fen": 19000,
        "pay_with": "wallet",
    },
]


class PlaceOrderRequest(Request):
    model_config = ConfigDict(json_schema_extra={**ORDER_RULES, "examples": PLACE_EXAMPLES})
    messages: ClassVar[dict] = {
        "mode": "请选择加满、金额或升数",
        "amount_fen": f"加油金额应为 {MIN_AMOUNT_FEN // 100} 元到 "
        f"{MAX_ORDER_RANGE_FEN[1] // 100} 元之间的整数分（如 20000 即 200 元）",
        "volume_ml": f"升数应在 {MIN_VOLUME_ML // 1000} 到 {MAX_VOLUME_ML // 1000} 升之间，"
        "精确到 0.01 升（以毫升计，10 毫升一档）",
        "plate": PLATE_MESSAGE,
        "pay_with": "支付方式应为 wallet（钱包）或 wechat（微信支付），不付款则不填",
        "coupon_id": '优惠券应为券的编号（整数），不用券则不填或填 "none"',
        "expected_amount_fen": "确认的应付金额应为整数分（如 19000 即 190 元）",
    }

    station_id: JsonInt = Field(ge=1, le=MAX_ID, title="油站", examples=[1])
    fuel: str | None = Field(
        None, min_length=1, max_length=10, title="油品", description="油品代码，如 92"
    )
    nozzle: JsonInt | None = Field(
        None, ge=1, le=99, title="油枪号", description="枪号；不填则由加油员选枪"
    )
    mode: Literal["amount", "volume", "fill_up"] = Field(
        title="加油方式",
        description="amount 按金额（填 amount_fen），volume 按升数（填 volume_ml），"
        "fill_up 加满（按油站的加满上限预付，多退）",
    )
    amount_fen: JsonInt | None = Field(
        None,
        ge=MIN_AMOUNT_FEN,
        le=MAX_ORDER_RANGE_FEN[1],
        title="加油金额",
        description=f"mode=amount 时必填，{FEN}；不能超过油站的单笔上限（否则答 409 rejected）",
    )
    volume_ml: JsonInt | None = Field(
        None,
        ge=MIN_VOLUME_ML,
        le=MAX_VOLUME_ML,
        multiple_of=VOLUME_STEP_ML,
        title="升数",
        description="mode=volume 时必填：毫升，10 毫升一档（油机显示两位小数）；"
        "折合金额不能超过油站的单笔上限",
    )
    plate: str | None = Field(
        None,
        max_length=12,
        pattern=PLATE_INPUT,
        title="车牌号",
        description="车牌号，如 云A12345、云AD12345（新能源）；可带空格或点，不区分大小写；"
        "加油员据此核对车辆。不填（或 null）则用默认车辆的车牌（没有车辆则不登记），"
        "填空字符串表示本单不登记车牌",
    )
    pay_with: Literal["wallet", "wechat"] | None = Field(
        None,
        title="支付方式",
        description="填了就下单并支付，一次请求完成，答案同 POST /orders/{order_id}/pay 的形状"
        "（另有 payment_error）：wallet 从钱包扣款，答已支付的订单和取油码，余额不足则不下单"
        "（答 409 insufficient_balance）；wechat 答 wx.requestPayment 的参数。"
        "不填则只下单，答订单本身",
    )

    coupon_id: CouponId | Literal["none"] | None = Field(
        None, title="优惠券", description=COUPON_ID_DESCRIPTION
    )
    expected_amount_fen: JsonInt | None = Field(
        None,
        ge=1,
        le=MAX_ORDER_RANGE_FEN[1],
        title="确认的应付金额",
        description="车主在页面上看到并确认的应付金额（GET /orders/coupons 的 pay_fen，不用券为 "
        f"pricing.pay_fen），{FEN}。填了而服务器此刻算出的应付不同（油价刚调整、券刚失效）时"
        "答 409 price_changed，不下单；不填则不核对",
    )

    _plate = field_validator("plate")(plate_rules)
    _rules = model_validator(mode="after")(preset_matches_mode)

    @property
    def chosen_coupon(self) -> int | None:
        return None if self.coupon_id == "none" else self.coupon_id


class PayRequest(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"method": "wallet"}, {"method": "wechat"}]}
    )
    messages: ClassVar[dict] = {"method": "请选择微信支付或钱包支付"}

    method: Literal["wechat", "wallet"] = Field(
        title="支付方式", description="wechat 微信支付，wallet 钱包余额"
    )


class OrderListQuery(Request):
    page: int = Field(1, ge=1, le=1000, title="页码")
    per_page: int = Field(20, ge=1, le=50, title="每页条数")


class NamedRef(Schema):
    id: int
    name: str


class FuelRef(Schema):
    code: str
    name: str


class PickupOut(Schema):
    token: str = Field(description="一次性取油码（二维码内容），加油后失效")
    code: str | None = Field(
        description="8 位数字取油码，印在二维码下方：加油员的摄像头不能用时手动输入，"
        "只在下单的油站有效，加油后失效（建议按 4+4 位分组显示）",
    )
    qr_url: str = Field(description="二维码 PNG 图片地址（需登录令牌）")
    expires_at: str


ORDER_EXAMPLE = {
    "id": 5021,
    "order_no": "JY2026030818021112345678",
    "status": "paid",
    "status_name": "已支付，待加油",
    "station": {"id": 1, "name": "昆明北京路加油站"},
    "fuel": {"code": "92", "name": "92#汽油"},
    "nozzle": None,
    "plate": "云A12345",
    "mode": "amount",
    "preset_amount_fen": 20000,
    "preset_volume_ml": None,
    "list_price_fen": 768,
    "unit_price_fen": 748,
    "member_price_applied": True,
    "pricing": {
        "list_price_fen": 768,
        "member_price_fen": 748,
        "tier_id": None,
        "tier_cut_fen": 0,
        "campaign_cut_fen": 0,
        "unit_price_fen": 748,
        "saving_per_litre_fen": 20,
        "saving_fen": None,
        "note": "",
    },
    "amount_fen": 19000,
    "bill": BILL_EXAMPLE,
    "coupon": ORDER_COUPON_EXAMPLE,
    "payment_method": "wallet",
    "paid_fen": 19000,
    "refunded_fen": 0,
    "dispensed_ml": None,
    "dispensed_fen": None,
    "pickup": {
        "token": "K7Q2M9XW4TJ8RCBN5HVD3PYG6F",
        "code": "38170426",
        "qr_url": "https://jiayou.example.com/api/v1/orders/5021/qr.png",
        "expires_at": "2026-03-09T18:02:40+08:00",
    },
    "refunds": [],
    "can_request_refund": False,
    "refundable_fen": 0,
    "refund_request_until": None,
    "refund_request_hint": None,
    "refund_requests": [],
    "created_at": "2026-03-08T18:02:11+08:00",
    "expires_at": "2026-03-08T18:17:11+08:00",
    "paid_at": "2026-03-08T18:02:40+08:00",
    "fueled_at": None,
    "settled_at": None,
    "cancelled_at": None,
}


SETTLED_EXAMPLE = {**ORDER_EXAMPLE, **SETTLED_CHANGES}


class OrderOut(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [ORDER_EXAMPLE, SETTLED_EXAMPLE]})

    id: int
    order_no: str
    status: Literal[tuple(ORDER_STATUSES)]
    status_name: str
    station: NamedRef
    fuel: FuelRef
    nozzle: int | None
    plate: str | None
    mode: Literal["amount", "volume", "fill_up"]
    preset_amount_fen: int | None
    preset_volume_ml: int | None
    list_price_fen: int = Field(description="下单时的挂牌价（分/升）")
    unit_price_fen: int = Field(description="本单成交单价（分/升），会员享直降")
    member_price_applied: bool
    pricing: PricingOut = Field(description="单价的由来：挂牌价、会员价、等级优惠和节省")
    amount_fen: int = Field(description=f"应付金额（已减优惠券），{FEN}")
    bill: BillOut = Field(
        description="价格明细：挂牌价金额、会员价和等级优惠、油款、优惠券减免、应付；"
        "加油前按预设，加油后按实加（final）"
    )
    coupon: OrderCouponOut | None = Field(description="本单使用的优惠券；没有用券为 null")
    payment_method: Literal["wechat", "wallet", "cash", "pos", "terminal"] | None = Field(
        description="cash/pos/terminal：在油站柜台以现金、银行卡或收款终端付款（出示会员码）"
    )
    paid_fen: int
    refunded_fen: int
    dispensed_ml: int | None
    dispensed_fen: int | None = Field(description=f"实加油款（已减优惠券），{FEN}")
    pickup: PickupOut | None = Field(description="已支付、未加油时的取油码")
    refunds: list[RefundOut]
    can_request_refund: bool = Field(description=OFFER_DESCRIPTIONS["can_request_refund"])
    refundable_fen: int = Field(description=OFFER_DESCRIPTIONS["refundable_fen"])
    refund_request_until: str | None = Field(description=OFFER_DESCRIPTIONS["refund_request_until"])
    refund_request_hint: str | None = Field(description=OFFER_DESCRIPTIONS["refund_request_hint"])
    refund_requests: list[OrderRefundRequestOut] = Field(
        description=OFFER_DESCRIPTIONS["refund_requests"]
    )
    created_at: str = Field(description=ISO)
    expires_at: str = Field(description="未支付时在此时关闭")
    paid_at: str | None
    fueled_at: str | None
    settled_at: str | None
    cancelled_at: str | None


class OrderPage(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"items": [ORDER_EXAMPLE], "page": 1, "per_page": 20, "total": 1, "has_more": False}
            ]
        }
    )

    items: list[OrderOut]
    page: int
    per_page: int
    total: int
    has_more: bool


class WechatPayParams(Schema):
    """Pass these to wx.requestPayment as they are."""

    appId: str
    timeStamp: str
    nonceStr: str
    package: str
    signType: Literal["RSA"]
    paySign: str


UNPAID_EXAMPLE = {
    **ORDER_EXAMPLE,
    "status": "created",
    "status_name": "待支付",
    "payment_method": "wechat",
    "paid_fen": 0,
    "pickup": None,
    "paid_at": None,
}


PLACED_EXAMPLE = {**UNPAID_EXAMPLE, "payment_method": None}
WECHAT_PAY_EXAMPLE = {
    "appId": "wx8888888888888888",
    "timeStamp": "1772964131",
    "nonceStr": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
    "package": "prepay_id=wx201410272009395522657a690389285100",
    "signType": "RSA",
    "paySign": "oR9d8PuhnIc+YZ8cBHFCwfgpaK9gd7vaRvkYD7rthRAZ...",
}


class PayResponse(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"order": ORDER_EXAMPLE, "wechat_pay": None},
                {"order": UNPAID_EXAMPLE, "wechat_pay": WECHAT_PAY_EXAMPLE},
            ]
        }
    )

    order: OrderOut
    wechat_pay: WechatPayParams | None = Field(description="method=wechat 时的支付参数")


class PaymentError(Schema):
    code: Literal["payment_unavailable"] = Field(description="英文错误码")
    message: str = Field(description="给车主看的中文说明")


PAYMENT_ERROR_EXAMPLE = {
    "code": "payment_unavailable",
    "message": "微信支付暂时不可用，请稍后再试或使用钱包支付",
}


PLACED_AND_PAID_EXAMPLES = [
    {"order": ORDER_EXAMPLE, "wechat_pay": None, "payment_error": None},
    {"order": UNPAID_EXAMPLE, "wechat_pay": WECHAT_PAY_EXAMPLE, "payment_error": None},
    {"order": UNPAID_EXAMPLE, "wechat_pay": None, "payment_error": PAYMENT_ERROR_EXAMPLE},
]


class PlacedAndPaid(PayResponse):
    """The answer of POST /orders with pay_with: the pay answer's shape, and why WeChat could
    not take the payment (the order was placed all the same)."""

    model_config = ConfigDict(json_schema_extra={"examples": PLACED_AND_PAID_EXAMPLES})

    wechat_pay: WechatPayParams | None = Field(
        description="pay_with=wechat 时的支付参数，原样传给 wx.requestPayment"
    )
    payment_error: PaymentError | None = Field(
        description="pay_with=wechat 而微信支付没能下单时的原因：订单已创建、未支付，"
        "可再用 POST /orders/{order_id}/pay 支付（微信或钱包）或取消；其余情况为 null"
    )


def _either_shape(schema: dict) -> None:
    schema["oneOf"] = schema.pop("anyOf")  # an answer has one shape or the other, never both
    schema["description"] = (
        "不填 pay_with：订单本身（OrderOut）；填了：订单和支付结果（PlacedAndPaid，"
        "同 POST /orders/{order_id}/pay 的答案，另有 payment_error）"
    )
    schema["examples"] = [PLACED_EXAMPLE, *PLACED_AND_PAID_EXAMPLES]


class PlaceOrderAnswer(RootModel[OrderOut | PlacedAndPaid]):
    model_config = ConfigDict(json_schema_extra=_either_shape)

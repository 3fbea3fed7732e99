"""Request and response schemas of orders, payment and the wallet."""

from typing import Literal

from pydantic import Field, model_validator

from app.api.schemas import FEN, Request, Schema
from app.models.order import ORDER_STATUSES


class PlaceOrderRequest(Request):
    station_id: int = Field(ge=1)
    fuel: str | None = Field(None, min_length=1, max_length=10, description="油品代码，如 92")
    nozzle: int | None = Field(None, ge=1, le=99, description="枪号；不填则由加油员选枪")
    mode: Literal["amount", "volume", "fill_up"] = Field(
        description="amount 按金额，volume 按升数，fill_up 加满（预付上限，多退）"
    )
    amount_fen: int | None = Field(None, ge=1, description=f"按金额时的金额，{FEN}")
    volume_ml: int | None = Field(None, ge=1, description="按升数时的加油量（毫升）")
    plate: str | None = Field(
        None, max_length=12, description="车牌号，如 云A12345（加油员据此核对车辆）"
    )

    @model_validator(mode="after")
    def preset_matches_mode(self):
        if self.mode == "amount" and self.amount_fen is None:
            raise ValueError("按金额加油需要 amount_fen")
        if self.mode == "volume" and self.volume_ml is None:
            raise ValueError("按升数加油需要 volume_ml")
        if self.fuel is None and self.nozzle is None:
            raise ValueError("请选择油品 fuel 或油枪 nozzle")
        return self


class PayRequest(Request):
    method: Literal["wechat", "wallet"] = Field(description="wechat 微信支付，wallet 钱包余额")


class OrderListQuery(Request):
    page: int = Field(1, ge=1, le=1000)
    per_page: int = Field(20, ge=1, le=50)


class NamedRef(Schema):
    id: int
    name: str


class FuelRef(Schema):
    code: str
    name: str


class RefundOut(Schema):
    amount_fen: int = Field(description=FEN)
    method: Literal["wechat", "wallet"]
    kind: Literal["settlement", "cancel", "manual"] = Field(
        description="settlement 加油差额，cancel 取消订单，manual 人工退款"
    )
    status: Literal["PENDING", "PROCESSING", "SUCCESS", "ABNORMAL", "CLOSED"]
    reason: str
    created_at: str
    finished_at: str | None


class PickupOut(Schema):
    token: str = Field(description="一次性取油码（二维码内容），加油后失效")
    qr_url: str = Field(description="二维码 PNG 图片地址（需登录令牌）")
    expires_at: str


class OrderOut(Schema):
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
    amount_fen: int = Field(description=f"应付金额，{FEN}")
    payment_method: Literal["wechat", "wallet"] | None
    paid_fen: int
    refunded_fen: int
    dispensed_ml: int | None
    dispensed_fen: int | None
    pickup: PickupOut | None = Field(description="已支付、未加油时的取油码")
    refunds: list[RefundOut]
    created_at: str
    expires_at: str
    paid_at: str | None
    fueled_at: str | None
    settled_at: str | None
    cancelled_at: str | None


class OrderPage(Schema):
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


class PayResponse(Schema):
    order: OrderOut
    wechat_pay: WechatPayParams | None = Field(description="method=wechat 时的支付参数")


class WalletOut(Schema):
    balance_fen: int = Field(description=FEN)

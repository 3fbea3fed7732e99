"""Request and response schemas of the wallet, top-up packages, top-ups and refund requests."""

from typing import ClassVar, Literal

from pydantic import ConfigDict, Field, model_validator

from app.api.order_schemas import ISO, WECHAT_PAY_EXAMPLE, NamedRef, WechatPayParams
from app.jsonapi.schemas import FEN, MAX_ID, JsonInt, Request, Schema
from app.models.topup import REFUND_REQUEST_STATUSES, TOPUP_CHANNELS, TOPUP_STATUSES
from app.services.members.packages import MAX_TOPUP_FEN, MIN_TOPUP_FEN
from app.services.members.topup_refunds import REASON_MAX

WALLET_EXAMPLE = {
    "principal_fen": 32000,
    "bonus_fen": 3000,
    "balance_fen": 35000,
    "frozen": False,
    "frozen_reason": None,
}


class WalletOut(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                WALLET_EXAMPLE,
                {**WALLET_EXAMPLE, "frozen": True, "frozen_reason": "账户存在异常交易，请联系油站"},
            ]
        }
    )

    principal_fen: int = Field(description=f"本金：自己充值付的钱，{FEN}；可申请原路退回")
    bonus_fen: int = Field(description=f"赠送金：充值套餐送的钱，{FEN}；只能消费，不能退")
    balance_fen: int = Field(description="可用余额 = 本金 + 赠送金；钱包支付先扣本金，再扣赠送金")
    frozen: bool = Field(description="钱包是否被油站冻结：冻结时不能用钱包支付，充值照常到账")
    frozen_reason: str | None = Field(description="冻结原因（未冻结时为 null）")


PACKAGE_EXAMPLES = [
    {
        "id": 3,
        "name": "充500送30",
        "kind": "fixed",
        "pay_fen": 50000,
        "bonus_fen": 3000,
        "min_fen": None,
        "max_fen": None,
        "station": None,
        "ends_at": "2026-12-31T23:59:59+08:00",
    },
    {
        "id": 4,
        "name": "自定义金额",
        "kind": "free",
        "pay_fen": None,
        "bonus_fen": 0,
        "min_fen": 1000,
        "max_fen": 500000,
        "station": {"id": 1, "name": "昆明北京路加油站"},
        "ends_at": None,
    },
]


class PackageOut(Schema):
    id: int
    name: str
    kind: Literal["fixed", "free"] = Field(
        description="fixed 固定金额（付 pay_fen，送 bonus_fen）；"
        "free 自定义金额（min_fen 到 max_fen，不送）"
    )
    pay_fen: int | None = Field(description=f"fixed：要付的金额，{FEN}")
    bonus_fen: int = Field(description="fixed：到账时另送的赠送金（分）；free 为 0")
    min_fen: int | None = Field(description="free：最低充值金额（分）")
    max_fen: int | None = Field(description="free：最高充值金额（分）")
    station: NamedRef | None = Field(description="只适用于该油站的套餐；null 为全部油站通用")
    ends_at: str | None = Field(description=f"活动截止时间（{ISO}），null 为长期有效")


class PackageList(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": PACKAGE_EXAMPLES}]})

    items: list[PackageOut]


class PackageQuery(Request):
    station_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        title="油站",
        description="所在油站：除全部油站通用的套餐外，也列出该站自己的套餐",
        examples=[1],
    )


class StartTopupRequest(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"package_id": 3, "station_id": 1},
                {"amount_fen": 20000, "station_id": 1},
                {"package_id": 4, "amount_fen": 20000},
            ],
            "anyOf": [{"required": ["package_id"]}, {"required": ["amount_fen"]}],
        }
    )
    messages: ClassVar[dict] = {
        "amount_fen": f"充值金额应为 {MIN_TOPUP_FEN // 100} 元到 {MAX_TOPUP_FEN // 100} 元之间的"
        "整数分（如 20000 即 200 元）",
    }

    package_id: JsonInt | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        title="充值套餐",
        description="GET /topup-packages 列出的套餐；固定金额套餐不用填 amount_fen",
    )
    amount_fen: JsonInt | None = Field(
        None,
        ge=MIN_TOPUP_FEN,
        le=MAX_TOPUP_FEN,
        title="充值金额",
        description=f"自定义金额（{FEN}）：须在一个自定义金额套餐的上下限之内（不送赠送金），"
        "否则答 409 rejected；不填 package_id 时按所在油站或全部油站的自定义金额套餐",
    )
    station_id: JsonInt | None = Field(
        None, ge=1, le=MAX_ID, title="油站", description="所在油站（可不填）", examples=[1]
    )

    @model_validator(mode="after")
    def package_or_amount(self):
        if self.package_id is None and self.amount_fen is None:
            raise ValueError("请选择充值套餐或填写充值金额")
        return self


class RefundOfRequest(Schema):
    amount_fen: int = Field(description=FEN)
    status: Literal["PENDING", "PROCESSING", "SUCCESS", "ABNORMAL", "CLOSED"] = Field(
        description="PENDING/PROCESSING 退款中，SUCCESS 已原路退回；"
        "ABNORMAL/CLOSED 未能退回，油站会联系处理"
    )
    finished_at: str | None


REQUEST_EXAMPLE = {
    "id": 12,
    "topup_id": 88,
    "status": "approved",
    "status_name": "已同意",
    "reason": "换工作离开昆明",
    "requested_at": "2026-03-08T09:12:00+08:00",
    "decided_at": "2026-03-08T10:02:41+08:00",
    "reject_reason": "",
    "principal_fen": 20000,
    "bonus_revoked_fen": 1200,
    "refund": {
        "amount_fen": 20000,
        "status": "SUCCESS",
        "finished_at": "2026-03-08T10:03:05+08:00",
    },
}


class RefundRequestOut(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [REQUEST_EXAMPLE]})

    id: int
    topup_id: int
    status: Literal[tuple(REFUND_REQUEST_STATUSES)] = Field(
        description="requested 待审核，approved 已同意（见 refund），"
        "rejected 已驳回，cancelled 已撤回"
    )
    status_name: str
    reason: str
    requested_at: str = Field(description=ISO)
    decided_at: str | None
    reject_reason: str = Field(description="驳回原因（未驳回时为空）")
    principal_fen: int = Field(
        description="同意时退回的本金（分）：审核那一刻钱包里还剩的这笔充值本金"
    )
    bonus_revoked_fen: int = Field(description="同意时按比例扣回的赠送金（分）")
    refund: RefundOfRequest | None = Field(description="同意后的微信原路退款")


class RefundRequestBody(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "换工作离开昆明"}]})

    reason: str = Field(min_length=1, max_length=REASON_MAX, title="退款原因")


TOPUP_EXAMPLE = {
    "id": 88,
    "topup_no": "T2026030809000112345678",
    "channel": "wechat",
    "channel_name": "微信支付",
    "status": "credited",
    "status_name": "已到账",
    "station": {"id": 1, "name": "昆明北京路加油站"},
    "package": {"id": 3, "name": "充500送30"},
    "principal_fen": 50000,
    "bonus_fen": 3000,
    "spent_principal_fen": 18000,
    "refunded_principal_fen": 0,
    "revoked_bonus_fen": 0,
    "refundable_principal_fen": 32000,
    "refund_requests": [],
    "created_at": "2026-03-08T09:00:01+08:00",
    "credited_at": "2026-03-08T09:00:20+08:00",
    "expires_at": "2026-03-08T09:15:01+08:00",
}


class TopupOut(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [TOPUP_EXAMPLE]})

    id: int
    topup_no: str = Field(description="充值单号（微信支付的商户订单号）")
    channel: Literal[tuple(TOPUP_CHANNELS)] = Field(
        description="wechat 微信支付，cash 现金，pos 银行卡，card 充值卡"
    )
    channel_name: str
    status: Literal[tuple(TOPUP_STATUSES)] = Field(
        description="pending 待支付（微信）或待审核（柜台），credited 已到账，rejected 已驳回，"
        "closed 已关闭（未支付超时）"
    )
    status_name: str
    station: NamedRef | None
    package: NamedRef | None
    principal_fen: int = Field(description=f"本金，{FEN}")
    bonus_fen: int = Field(description="赠送金（分）")
    spent_principal_fen: int = Field(
        description="这笔充值的本金已被订单用掉的部分（分）：每笔到账的充值（微信、现金、银行卡、"
        "充值卡）是一份本金，消费时先用最早到账的；订单退回钱包时先还给最近用掉的"
    )
    refunded_principal_fen: int = Field(description="已退回的本金（分）")
    revoked_bonus_fen: int = Field(description="随退款扣回的赠送金（分）")
    refundable_principal_fen: int = Field(
        description="现在最多可申请退回的本金（分）：这笔微信充值既未用掉也未退回的本金，"
        "不超过钱包本金余额（现金、银行卡、充值卡充入的本金不能退到微信）；"
        "实际金额在油站同意时确定。非微信充值或未到账为 0"
    )
    refund_requests: list[RefundRequestOut]
    created_at: str = Field(description=ISO)
    credited_at: str | None
    expires_at: str | None = Field(description="微信充值在此时前未支付则关闭")


class TopupPage(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"items": [TOPUP_EXAMPLE], "page": 1, "per_page": 20, "total": 1, "has_more": False}
            ]
        }
    )

    items: list[TopupOut]
    page: int
    per_page: int
    total: int
    has_more: bool


class TopupListQuery(Request):
    page: int = Field(1, ge=1, le=1000, title="页码")
    per_page: int = Field(20, ge=1, le=50, title="每页条数")


PENDING_EXAMPLE = {
    **TOPUP_EXAMPLE,
    "status": "pending",
    "status_name": "待支付/待审核",
    "credited_at": None,
    "spent_principal_fen": 0,
    "refundable_principal_fen": 0,
}


class StartTopupAnswer(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"topup": PENDING_EXAMPLE, "wechat_pay": WECHAT_PAY_EXAMPLE}]
        }
    )

    topup: TopupOut
    wechat_pay: WechatPayParams = Field(description="原样传给 wx.requestPayment")

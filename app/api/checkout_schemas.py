"""Schemas of coupons at checkout: the coupons for a prospective order (GET /orders/coupons),
and the price breakdown and coupon an order answer carries."""

from typing import Annotated, ClassVar, Literal

from pydantic import ConfigDict, Field

from app.jsonapi.schemas import FEN, MAX_ID, JsonInt, Request, Schema
from app.services.catalogue.stations import MAX_ORDER_RANGE_FEN
from app.services.orders.placing import MAX_VOLUME_ML, MIN_AMOUNT_FEN, MIN_VOLUME_ML, VOLUME_STEP_ML

ISO = "北京时间，ISO 8601"
COUPON_ID_DESCRIPTION = (
    "使用的优惠券（GET /orders/coupons 列出的 coupons[].id，一单一张）。"
    '不填、null 或 "none"：不用券。券不能用于本单（不是自己的、已用、正用于另一笔未完成的订单、'
    "已过期、不适用该油站或油品、未到门槛）时答 409 coupon_unusable，什么也不创建"
)


# What the document says of the fields that depend on each other (preset_matches_mode
# enforces it).
ORDER_RULES = {
    "allOf": [
        {
            "if": {"properties": {"mode": {"const": "amount"}}, "required": ["mode"]},
            "then": {"properties": {"amount_fen": {"type": "integer"}}, "required": ["amount_fen"]},
        },
        {
            "if": {"properties": {"mode": {"const": "volume"}}, "required": ["mode"]},
            "then": {"properties": {"volume_ml": {"type": "integer"}}, "required": ["volume_ml"]},
        },
        {
            "anyOf": [
                {"properties": {"fuel": {"type": "string"}}, "required": ["fuel"]},
                {"properties": {"nozzle": {"type": "integer"}}, "required": ["nozzle"]},
            ]
        },
    ]
}
CouponId = Annotated[JsonInt, Field(ge=1, le=MAX_ID)]


def preset_matches_mode(self):
    """A model's rule: the field the mode needs, and a fuel or a nozzle."""
    if self.mode == "amount" and self.amount_fen is None:
        raise ValueError("按金额加油，请填写加油金额")
    if self.mode == "volume" and self.volume_ml is None:
        raise ValueError("按升数加油，请填写升数")
    if self.fuel is None and self.nozzle is None:
        raise ValueError("请选择油品或油枪")
    return self


class OrderCouponsQuery(Request):
    """The prospective order, as POST /orders takes it (query parameters). The fields a mode
    needs are checked by the pricing (409 rejected naming them), as a query's parameters cannot
    say in the document that they depend on each other."""

    messages: ClassVar[dict] = {
        "mode": "请选择加满、金额或升数",
        "amount_fen": f"加油金额应为 {MIN_AMOUNT_FEN // 100} 元到 "
        f"{MAX_ORDER_RANGE_FEN[1] // 100} 元之间的整数分（如 20000 即 200 元）",
        "volume_ml": f"升数应在 {MIN_VOLUME_ML // 1000} 到 {MAX_VOLUME_ML // 1000} 升之间，"
        "精确到 0.01 升（以毫升计，10 毫升一档）",
    }

    station_id: int = Field(ge=1, le=MAX_ID, title="油站", examples=[1])
    fuel: str | None = Field(None, min_length=1, max_length=10, title="油品", examples=["92"])
    nozzle: int | None = Field(None, ge=1, le=99, title="油枪号")
    mode: Literal["amount", "volume", "fill_up"] = Field(title="加油方式", examples=["amount"])
    amount_fen: int | None = Field(
        None, ge=MIN_AMOUNT_FEN, le=MAX_ORDER_RANGE_FEN[1], title="加油金额", examples=[20000]
    )
    volume_ml: int | None = Field(
        None, ge=MIN_VOLUME_ML, le=MAX_VOLUME_ML, multiple_of=VOLUME_STEP_ML, title="升数"
    )


BILL_EXAMPLE = {
    "volume_ml": 26740,
    "at_list_fen": 20536,
    "member_saving_fen": 536,
    "value_fen": 20000,
    "campaign_fen": 0,
    "campaigns": [],
    "coupon_fen": 1000,
    "pay_fen": 19000,
    "saving_fen": 1536,
    "final": False,
}
# 92# at 7.68 元/L list, 7.48 member price; a members' day takes 0.30 元/L more (7.18 元/L):
# 200 元 buy 27.86 L, which cost 213.96 元 at list and 208.39 元 at 7.48; 满200减10 takes 10
# 元 off the 200 元 and a coupon 满100减10 another 10 元: 180 元 to pay.
CAMPAIGN_LINE_EXAMPLES = [
    {"id": 12, "name": "周三会员日", "cut_per_litre_fen": 30, "saving_fen": 839},
    {"id": 15, "name": "92#满200减10", "cut_per_litre_fen": None, "saving_fen": 1000},
]
BILL_CAMPAIGN_EXAMPLE = {
    "volume_ml": 27860,
    "at_list_fen": 21396,
    "member_saving_fen": 557,
    "value_fen": 20000,
    "campaign_fen": 1839,
    "campaigns": CAMPAIGN_LINE_EXAMPLES,
    "coupon_fen": 1000,
    "pay_fen": 18000,
    "saving_fen": 3396,
    "final": False,
}


class CampaignLineOut(Schema):
    """A campaign the order got and what it saved (docs/campaigns.md)."""

    model_config = ConfigDict(json_schema_extra={"examples": CAMPAIGN_LINE_EXAMPLES})

    id: int
    name: str = Field(description="活动名称，如 周三会员日")
    cut_per_litre_fen: int | None = Field(
        description="会员日每升再降，分/升：已含在成交单价和油款里（saving_fen 为省下的金额，"
        "不再从油款中减）；首单立减和满额立减为 null，saving_fen 从油款中减"
    )
    saving_fen: int = Field(
        description=f"这个活动在本单省下的金额，{FEN}：会员日为每升直降乘升数，"
        "首单立减和满额立减为从油款中减去的金额"
    )


class BillOut(Schema):
    """The price step by step (docs/coupons.md, docs/campaigns.md): the litres at the list
    price, less the member price and tier cut, less a members' day's cut per litre (value),
    less the campaign on the value, less the coupon (to pay)."""

    model_config = ConfigDict(json_schema_extra={"examples": [BILL_EXAMPLE, BILL_CAMPAIGN_EXAMPLE]})

    volume_ml: int = Field(
        description="这些金额对应的升数（毫升）：按升数下单为所填升数；按金额和加满为油机按该金额"
        "会停在的升数（估算）；加油后为实加升数"
    )
    at_list_fen: int = Field(description=f"这些升数按挂牌价的金额，{FEN}")
    member_saving_fen: int = Field(description=f"会员价和等级优惠省下的，{FEN}")
    value_fen: int = Field(description=f"按本单单价（已含会员日每升直降）的油款（加油金额），{FEN}")
    campaign_fen: int = Field(
        description=f"活动共省下的，{FEN}（会员日每升直降的节省，加首单立减或满额立减）；"
        "没有活动为 0"
    )
    campaigns: list[CampaignLineOut] = Field(
        description="本单享受的活动及各自省下的金额：最多一个会员日，加一个首单立减或满额立减"
        "（取减得多的）；没有为空列表"
    )
    coupon_fen: int = Field(description=f"优惠券减免，{FEN}；不用券为 0")
    pay_fen: int = Field(description=f"应付 = 油款 - 首单或满额立减 - 优惠券减免，至少 1 分，{FEN}")
    saving_fen: int = Field(description=f"共省 = 挂牌价金额 - 应付，{FEN}")
    final: bool = Field(
        description="false：按下单时的预设计算（加满按加满上限预付，加油后按实加重算，多退）；"
        "true：按实际加油量（已加油）"
    )


ORDER_COUPON_EXAMPLE = {
    "id": 501,
    "name": "周末加油满减",
    "rule": "满100减10",
    "status": "used",
    "status_name": "已使用",
    "saving_fen": 1000,
}


class OrderCouponOut(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [ORDER_COUPON_EXAMPLE]})

    id: int
    name: str
    rule: str = Field(description="优惠内容，如 满100减10")
    status: Literal["held", "used", "returned"] = Field(
        description="held 已锁定（订单待支付）；used 已使用（订单已支付）；"
        "returned 已退回（订单取消、超时未支付、加油前全额退款，或实加金额未到门槛、没有优惠），"
        "券回到车主的券包（已过有效期则为已过期）"
    )
    status_name: str
    saving_fen: int = Field(
        description=f"这张券在本单减免的金额，{FEN}：加油前为按预设估算，加油后为按实加重算；"
        "已退回为 0"
    )


OPTION_EXAMPLE = {
    "id": 501,
    "name": "周末加油满减",
    "rule": "满100减10",
    "kind": "amount_off",
    "scope": "限92#汽油",
    "valid_until": "2026-12-12T00:00:00+08:00",
    "saving_fen": 1000,
    "pay_fen": 19000,
    "suggested": True,
}
UNUSABLE_EXAMPLE = {
    "id": 502,
    "name": "大额满减",
    "rule": "满300减30",
    "kind": "amount_off",
    "scope": "全部油站、全部油品可用",
    "valid_until": "2026-12-20T00:00:00+08:00",
    "reason": "满300元可用，本单还差100元",
}


class CouponOptionOut(Schema):
    id: int = Field(description="下单时填入 coupon_id")
    name: str
    rule: str = Field(description="优惠内容")
    kind: Literal["amount_off", "percent_off", "per_litre"]
    scope: str = Field(description="适用范围，如 限92#汽油")
    valid_until: str = Field(description=f"截止时间（不含，{ISO}）")
    saving_fen: int = Field(description=f"用这张券本单减免的金额，{FEN}")
    pay_fen: int = Field(description=f"用这张券本单应付，{FEN}")
    suggested: bool = Field(description="推荐使用（减免最多的一张；同样多时先到期的）")


class UnusableCouponOut(Schema):
    id: int
    name: str
    rule: str
    kind: Literal["amount_off", "percent_off", "per_litre"]
    scope: str
    valid_until: str = Field(description=f"截止时间（不含，{ISO}）")
    reason: str = Field(description="不能用于本单的原因，如 满300元可用，本单还差100元")


COUPONS_FOR_ORDER_EXAMPLE = {
    "pricing": {**BILL_EXAMPLE, "coupon_fen": 0, "pay_fen": 20000, "saving_fen": 536},
    "suggested_coupon_id": 501,
    "coupons": [OPTION_EXAMPLE],
    "unusable": [UNUSABLE_EXAMPLE],
}


class CouponsForOrder(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [COUPONS_FOR_ORDER_EXAMPLE]})

    pricing: BillOut = Field(description="不用券时本单的价格")
    suggested_coupon_id: int | None = Field(
        description="推荐的券（coupons 的第一张）；没有可用的券为 null"
    )
    coupons: list[CouponOptionOut] = Field(description="可用于本单的券，减免多的在前")
    unusable: list[UnusableCouponOut] = Field(description="车主有、但不能用于本单的券及原因")

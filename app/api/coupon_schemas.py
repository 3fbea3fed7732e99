"""Request and response schemas of coupons: the claim centre, a claim, and the driver's own."""

from typing import Literal

from pydantic import ConfigDict, Field

from app.api.order_schemas import ISO, FuelRef, NamedRef
from app.jsonapi.schemas import FEN, MAX_ID, JsonInt, Request, Schema
from app.models.marketing import COUPON_KINDS, COUPON_SOURCES, COUPON_STATUSES
from app.services.marketing.mine import FILTERS

TERMS_EXAMPLE = {
    "template_id": 7,
    "name": "周末加油满减",
    "kind": "amount_off",
    "kind_name": "满减券",
    "rule": "满100减10",
    "note": "仅限本人使用",
    "off_fen": 1000,
    "pay_percent": None,
    "per_litre_fen": None,
    "max_off_fen": None,
    "min_spend_fen": 10000,
    "fuels": [{"code": "92", "name": "92#汽油"}],
    "stations": [],
    "scope": "限92#汽油",
}
PER_LITRE_TERMS = {
    **TERMS_EXAMPLE,
    "template_id": 9,
    "name": "新会员直降",
    "kind": "per_litre",
    "kind_name": "每升直降券",
    "rule": "每升直降0.30元 最高减20元",
    "note": "",
    "off_fen": None,
    "per_litre_fen": 30,
    "max_off_fen": 2000,
    "min_spend_fen": 0,
    "fuels": [],
    "stations": [{"id": 1, "name": "昆明北京路加油站"}],
    "scope": "限昆明北京路加油站",
}
OFFER_EXAMPLE = {
    **TERMS_EXAMPLE,
    "validity": "relative",
    "validity_text": "领取后7天内有效（含领取当天）",
    "valid_from": None,
    "valid_until": None,
    "valid_days": 7,
    "claim_ends_at": "2026-12-31T00:00:00+08:00",
    "stock_left": 128,
    "per_member_limit": 2,
    "claimed": 1,
    "may_claim": True,
    "reason": None,
}
SOLD_OUT_EXAMPLE = {
    **OFFER_EXAMPLE,
    **PER_LITRE_TERMS,
    "validity": "fixed",
    "validity_text": "2026-12-01 至 2026-12-31",
    "valid_from": "2026-12-01T00:00:00+08:00",
    "valid_until": "2027-01-01T00:00:00+08:00",
    "valid_days": None,
    "claim_ends_at": None,
    "stock_left": 0,
    "per_member_limit": 1,
    "claimed": 0,
    "may_claim": False,
    "reason": "已领完",
}
COUPON_EXAMPLE = {
    "id": 501,
    **TERMS_EXAMPLE,
    "status": "available",
    "status_name": "可使用",
    "source": "claim",
    "source_name": "领券中心领取",
    "received_at": "2026-12-05T10:12:30+08:00",
    "valid_from": "2026-12-05T10:12:30+08:00",
    "valid_until": "2026-12-12T00:00:00+08:00",
    "validity_text": "2026-12-05 至 2026-12-11",
    "used_at": None,
    "order_id": None,
}
USED_EXAMPLE = {
    **COUPON_EXAMPLE,
    "id": 488,
    "status": "used",
    "status_name": "已使用",
    "source": "join_gift",
    "source_name": "新会员礼",
    "used_at": "2026-12-06T08:40:02+08:00",
    "order_id": 3120,
}


class CouponTerms(Schema):
    """What a coupon gives and where it is good (the template's rule)."""

    template_id: int
    name: str = Field(description="优惠券名称")
    kind: Literal[tuple(COUPON_KINDS)] = Field(
        description="amount_off 满减（满 min_spend_fen 减 off_fen）；percent_off 折扣"
        "（按 pay_percent% 付，最多减 max_off_fen）；per_litre 每升直降（每升减 per_litre_fen，"
        "有 max_off_fen 时最多减这么多）"
    )
    kind_name: str
    rule: str = Field(description="优惠内容，如 满100减10、9折 最高减20元、每升直降0.30元")
    note: str = Field(description="使用说明（可为空）")
    off_fen: int | None = Field(description=f"amount_off：减免金额，{FEN}")
    pay_percent: int | None = Field(
        description="percent_off：按原价的百分之几付款，90 即 9 折（减 10%），88 即 8.8 折"
    )
    per_litre_fen: int | None = Field(description="per_litre：每升直降，分/升")
    max_off_fen: int | None = Field(description=f"一笔订单最多优惠的金额，{FEN}；null 为不设上限")
    min_spend_fen: int = Field(description=f"使用门槛：订单金额满多少可用，{FEN}；0 为无门槛")
    fuels: list[FuelRef] = Field(description="只限这些油品（指定油品）；空为全部油品")
    stations: list[NamedRef] = Field(description="只限这些油站；空为全部油站")
    scope: str = Field(description="适用范围的文字说明，如 限92#汽油；全部油站、全部油品可用")


class OfferOut(CouponTerms):
    validity: Literal["fixed", "relative"] = Field(
        description="fixed 固定日期（valid_from 至 valid_until）；relative 领取后 valid_days 天"
        "（含领取当天，到第 valid_days 天结束）"
    )
    validity_text: str = Field(description="有效期的文字说明")
    valid_from: str | None = Field(description=f"fixed：开始时间（{ISO}）")
    valid_until: str | None = Field(description=f"fixed：截止时间（不含，{ISO}）")
    valid_days: int | None = Field(description="relative：有效天数")
    claim_ends_at: str | None = Field(description=f"领取截止时间（不含，{ISO}）；null 为不限")
    stock_left: int | None = Field(description="剩余可领张数；null 为不限量")
    per_member_limit: int = Field(description="每人限领张数")
    claimed: int = Field(description="本人已得到的张数（含油站发放的）")
    may_claim: bool = Field(description="现在能否领取")
    reason: str | None = Field(
        description="不能领取的原因：已领完 或 已达领取上限；能领取时为 null"
    )


class OfferList(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [OFFER_EXAMPLE, SOLD_OUT_EXAMPLE]}]}
    )

    items: list[OfferOut] = Field(description="此刻可领的优惠券，新的在前")


class ClaimableQuery(Request):
    station_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        title="油站",
        description="所在油站：只列出在该站可用的优惠券（全部油站可用的和限该站的）",
        examples=[1],
    )


class ClaimRequest(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"template_id": 7}]})

    template_id: JsonInt = Field(
        ge=1,
        le=MAX_ID,
        title="优惠券",
        description="GET /coupons/claimable 列出的优惠券（items[].template_id）",
        examples=[7],
    )


class CouponOut(CouponTerms):
    model_config = ConfigDict(json_schema_extra={"examples": [COUPON_EXAMPLE]})

    id: int
    status: Literal[tuple(COUPON_STATUSES)] = Field(
        description="available 可使用；held 使用中（在未完成的订单上）；used 已使用；"
        "expired 已过期；voided 已作废（油站作废）"
    )
    status_name: str
    source: Literal[tuple(COUPON_SOURCES)] = Field(
        description="claim 领券中心领取；join_gift 新会员礼；topup_reward 充值赠送；push 定向发放；"
        "points 积分兑换；staff 油站发放"
    )
    source_name: str
    received_at: str = Field(description=ISO)
    valid_from: str = Field(description=f"生效时间（{ISO}）")
    valid_until: str = Field(description=f"截止时间（不含，{ISO}）")
    validity_text: str = Field(description="有效期，如 2026-12-05 至 2026-12-11（两天都含）")
    used_at: str | None = Field(description=f"使用时间（{ISO}）")
    order_id: int | None = Field(description="使用（或正在使用）这张券的订单")


class CouponPage(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [COUPON_EXAMPLE, USED_EXAMPLE],
                    "page": 1,
                    "per_page": 20,
                    "total": 2,
                    "has_more": False,
                }
            ]
        }
    )

    items: list[CouponOut]
    page: int
    per_page: int
    total: int
    has_more: bool


class MyCouponsQuery(Request):
    status: Literal[tuple(FILTERS)] = Field(
        "available",
        title="状态",
        description="available 可使用（含使用中的），按到期先后；used 已使用，新的在前；"
        "expired 已失效（过期或被作废），新的在前",
        examples=["available"],
    )
    page: int = Field(1, ge=1, le=1000, title="页码")
    per_page: int = Field(20, ge=1, le=50, title="每页条数")

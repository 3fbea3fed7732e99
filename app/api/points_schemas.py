"""Request and response schemas of points: the driver's balance and lots, the points ledger, the
redemption catalogue, a redemption and the driver's redemptions."""

from typing import Literal

from pydantic import ConfigDict, Field

from app.api.order_schemas import ISO, NamedRef
from app.jsonapi.schemas import MAX_ID, JsonInt, Request, Schema
from app.models.points import ENTRY_KINDS, ITEM_KINDS, POINTS_BASES, REDEMPTION_STATUSES

RULE_EXAMPLE = {
    "version": 3,
    "basis": "yuan",
    "basis_name": "按消费金额（元）",
    "fuels": [
        {"code": "92", "name": "92#汽油", "points": 1, "per_units": 1, "text": "每 1 元积 1 分"},
        {"code": "0", "name": "0#柴油", "points": 1, "per_units": 2, "text": "每 2 元积 1 分"},
    ],
    "daily_cap": 500,
    "expiry_months": 12,
    "expiry_text": "每年获得的积分于次年年底（12 月 31 日 24:00）过期",
    "tier_percent": 150,
}
SUMMARY_EXAMPLE = {
    "balance": 1280,
    "lots": [
        {"year": 2026, "points": 380, "expires_at": "2028-01-01T00:00:00+08:00"},
        {"year": 2027, "points": 900, "expires_at": "2029-01-01T00:00:00+08:00"},
    ],
    "expiring": {"points": 380, "expires_at": "2028-01-01T00:00:00+08:00"},
    "rule": RULE_EXAMPLE,
}
ENTRY_EXAMPLE = {
    "id": 88,
    "kind": "earn",
    "kind_name": "加油积分",
    "delta": 224,
    "balance_after": 1280,
    "shortfall": 0,
    "note": "昆明北京路加油站 92#汽油 20.00 升 149.60 元 等级1.5 倍",
    "order_id": 3120,
    "redemption_id": None,
    "created_at": "2027-03-05T10:12:30+08:00",
}
REDEEM_ENTRY_EXAMPLE = {
    **ENTRY_EXAMPLE,
    "id": 87,
    "kind": "redeem",
    "kind_name": "积分兑换",
    "delta": -300,
    "balance_after": 1056,
    "note": "兑换「精致洗车一次」",
    "order_id": None,
    "redemption_id": 41,
    "created_at": "2027-03-01T18:02:11+08:00",
}
ITEM_EXAMPLE = {
    "id": 5,
    "kind": "car_wash",
    "kind_name": "洗车",
    "name": "精致洗车一次",
    "note": "限本连锁有洗车服务的油站",
    "points": 300,
    "coupon": None,
    "stock_left": 42,
    "per_member_limit": 2,
    "redeemed": 1,
    "ends_at": "2027-12-31T00:00:00+08:00",
    "may_redeem": True,
    "reason": None,
}
COUPON_ITEM_EXAMPLE = {
    **ITEM_EXAMPLE,
    "id": 6,
    "kind": "coupon",
    "kind_name": "加油券",
    "name": "满100减10加油券",
    "note": "",
    "points": 2000,
    "coupon": {"template_id": 7, "name": "满100减10", "rule": "满100减10"},
    "stock_left": None,
    "per_member_limit": None,
    "redeemed": 0,
    "ends_at": None,
    "may_redeem": False,
    "reason": "积分不足",
}
REDEMPTION_EXAMPLE = {
    "id": 41,
    "item_id": 5,
    "item_name": "精致洗车一次",
    "kind": "car_wash",
    "kind_name": "洗车",
    "points": 300,
    "status": "unused",
    "status_name": "待核销",
    "code": "482910375561",
    "code_text": "4829 1037 5561",
    "coupon_id": None,
    "created_at": "2027-03-01T18:02:11+08:00",
    "used_at": None,
    "used_station": None,
}
USED_REDEMPTION_EXAMPLE = {
    **REDEMPTION_EXAMPLE,
    "id": 38,
    "status": "used",
    "status_name": "已核销",
    "code": None,
    "code_text": None,
    "created_at": "2027-02-11T09:30:00+08:00",
    "used_at": "2027-02-12T16:45:20+08:00",
    "used_station": {"id": 1, "name": "昆明北京路加油站"},
}
COUPON_REDEMPTION_EXAMPLE = {
    **REDEMPTION_EXAMPLE,
    "id": 39,
    "item_id": 6,
    "item_name": "满100减10加油券",
    "kind": "coupon",
    "kind_name": "加油券",
    "points": 2000,
    "status": "issued",
    "status_name": "已发券",
    "code": None,
    "code_text": None,
    "coupon_id": 501,
}


class FuelRateOut(Schema):
    code: str
    name: str
    points: int = Field(description="每 per_units 元（或升）积的分数")
    per_units: int
    text: str = Field(description="如 每 1 元积 1 分、每 2 元积 1 分")


class RuleOut(Schema):
    version: int
    basis: Literal[tuple(POINTS_BASES)] = Field(
        description="yuan 按实际支付的金额积分（加油找零退回的不算）；litre 按加油升数积分"
    )
    basis_name: str
    fuels: list[FuelRateOut] = Field(description="可积分的油品；没列出的油品不积分")
    daily_cap: int | None = Field(description="每人每天最多积多少分；null 为不限")
    expiry_months: int = Field(description="一年获得的积分在该年结束后多少个月过期，12 即次年年底")
    expiry_text: str
    tier_percent: int = Field(description="当前会员等级的积分倍数（百分比，150 即 1.5 倍）")


class LotOut(Schema):
    year: int = Field(description="获得积分的年份（北京时间）")
    points: int = Field(description="该年积分还剩多少")
    expires_at: str = Field(description=f"过期时间（{ISO}）")


class ExpiringOut(Schema):
    points: int
    expires_at: str = Field(description=ISO)


class PointsSummary(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [SUMMARY_EXAMPLE]})

    balance: int = Field(description="可用积分（已到期的不算，即使还没有扣除）")
    lots: list[LotOut] = Field(description="按年份分批的积分，先到期的在前")
    expiring: ExpiringOut | None = Field(description="最先到期的一批；没有积分时为 null")
    rule: RuleOut | None = Field(description="现行积分规则；本连锁未开通积分时为 null")


class EntryOut(Schema):
    id: int
    kind: Literal[tuple(ENTRY_KINDS)] = Field(
        description="earn 加油积分；reverse 退款扣回；redeem 积分兑换；expire 积分过期；"
        "adjust 人工调整"
    )
    kind_name: str
    delta: int = Field(description="积分变动，正为增加，负为减少")
    balance_after: int = Field(description="变动后的积分余额")
    shortfall: int = Field(
        description="reverse：因积分已用掉而没有扣回的分数（不会再扣，余额不会为负）"
    )
    note: str = Field(description="说明，如油站、油品、升数和金额，或兑换的商品")
    order_id: int | None = Field(description="earn、reverse：订单")
    redemption_id: int | None = Field(description="redeem：兑换记录")
    created_at: str = Field(description=ISO)


class LedgerPage(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [ENTRY_EXAMPLE, REDEEM_ENTRY_EXAMPLE],
                    "page": 1,
                    "per_page": 20,
                    "total": 2,
                    "has_more": False,
                }
            ]
        }
    )

    items: list[EntryOut] = Field(description="积分流水，新的在前")
    page: int
    per_page: int
    total: int
    has_more: bool


class PageQuery(Request):
    page: int = Field(1, ge=1, le=1000, title="页码", examples=[1])
    per_page: int = Field(20, ge=1, le=50, title="每页条数", examples=[20])


class CouponRef(Schema):
    template_id: int
    name: str
    rule: str = Field(description="优惠内容，如 满100减10")


class ItemOut(Schema):
    id: int
    kind: Literal[tuple(ITEM_KINDS)] = Field(
        description="coupon 加油券（兑换后直接发到我的优惠券）；car_wash 洗车、goods 便利店商品"
        "（兑换后得到兑换码，到油站柜台出示核销）"
    )
    kind_name: str
    name: str
    note: str
    points: int = Field(description="所需积分")
    coupon: CouponRef | None = Field(description="coupon：兑换得到的优惠券")
    stock_left: int | None = Field(description="剩余数量；null 为不限量")
    per_member_limit: int | None = Field(description="每人限兑次数；null 为不限")
    redeemed: int = Field(description="本人已兑换的次数")
    ends_at: str | None = Field(description=f"兑换截止时间（不含，{ISO}）；null 为长期")
    may_redeem: bool
    reason: str | None = Field(description="不能兑换的原因：已达兑换上限、已兑完 或 积分不足")


class Catalogue(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"balance": 1280, "items": [ITEM_EXAMPLE, COUPON_ITEM_EXAMPLE]}]
        }
    )

    balance: int = Field(description="可用积分")
    items: list[ItemOut] = Field(description="现在可兑换的商品，所需积分少的在前")


class RedeemRequest(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"item_id": 5}]})

    item_id: JsonInt = Field(
        ge=1,
        le=MAX_ID,
        title="兑换商品",
        description="GET /points/catalogue 列出的商品（items[].id）",
        examples=[5],
    )


class RedemptionOut(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [REDEMPTION_EXAMPLE]})

    id: int
    item_id: int
    item_name: str = Field(description="兑换时的商品名称")
    kind: Literal[tuple(ITEM_KINDS)]
    kind_name: str
    points: int = Field(description="花费的积分")
    status: Literal[tuple(REDEMPTION_STATUSES)] = Field(
        description="issued 已发券（加油券，见 coupon_id）；unused 待核销（到柜台出示 code）；"
        "used 已核销"
    )
    status_name: str
    code: str | None = Field(description="unused：12 位兑换码，给柜台扫描或输入；只能核销一次")
    code_text: str | None = Field(description="兑换码每 4 位一组，便于念读")
    coupon_id: int | None = Field(description="issued：发到我的优惠券里的那张券")
    created_at: str = Field(description=ISO)
    used_at: str | None = Field(description=f"核销时间（{ISO}）")
    used_station: NamedRef | None = Field(description="核销的油站")


class RedemptionPage(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        REDEMPTION_EXAMPLE,
                        COUPON_REDEMPTION_EXAMPLE,
                        USED_REDEMPTION_EXAMPLE,
                    ],
                    "page": 1,
                    "per_page": 20,
                    "total": 3,
                    "has_more": False,
                }
            ]
        }
    )

    items: list[RedemptionOut] = Field(description="兑换记录，新的在前")
    page: int
    per_page: int
    total: int
    has_more: bool

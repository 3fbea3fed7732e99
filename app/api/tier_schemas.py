"""Response schemas of the member's tier (GET /me/tier) and of an order's price breakdown."""

from typing import Literal

from pydantic import ConfigDict, Field

from app.jsonapi.schemas import FEN, Schema
from app.services.members.tier_status import REASONS

ISO = "北京时间，ISO 8601"
METRIC_VALUE = "spend 时为分（1 元 = 100 分），litres 时为毫升"


class TierRef(Schema):
    id: int
    name: str


class TierFuel(Schema):
    code: str = Field(description="油品代码，如 92")
    name: str


class TierCutOut(Schema):
    fuel: TierFuel
    cut_fen: int = Field(description="在会员价基础上每升再降的金额，分/升")


class TierStepOut(Schema):
    id: int
    name: str = Field(description="等级名称，如 金卡")
    rank: int = Field(description="等级序号，越大越高")
    threshold: int = Field(description=f"达到该等级所需的考核值（{METRIC_VALUE}）")
    cuts: list[TierCutOut] = Field(description="各油品的每升降价；未列出的油品不降价")


class SavingOut(Schema):
    total_fen: int = Field(
        description=f"已完成订单比挂牌价共节省的金额（会员价和等级优惠合计，按账本记录），{FEN}"
    )
    tier_fen: int = Field(description=f"其中等级优惠节省的金额，{FEN}")


class TierChangeOut(Schema):
    from_tier: TierRef | None = Field(description="原等级；null 为无等级（或该等级已被删除）")
    to_tier: TierRef | None = Field(description="新等级；null 为无等级（或该等级已被删除）")
    metric_value: int = Field(description=f"当时的考核值（{METRIC_VALUE}）")
    reason: Literal[tuple(REASONS)] = Field(
        description="settlement 加油结算后，nightly 每日复核"
        "（周期滚动，较早的订单移出后可能降级），setup 连锁调整了等级规则"
    )
    reason_name: str
    created_at: str = Field(description=ISO)


GOLD = {
    "id": 2,
    "name": "金卡",
    "rank": 2,
    "threshold": 800000,
    "cuts": [
        {"fuel": {"code": "92", "name": "92#汽油"}, "cut_fen": 10},
        {"fuel": {"code": "95", "name": "95#汽油"}, "cut_fen": 10},
    ],
}
SILVER = {**GOLD, "id": 1, "name": "银卡", "rank": 1, "threshold": 200000, "cuts": []}
DIAMOND = {**GOLD, "id": 3, "name": "钻石卡", "rank": 3, "threshold": 2000000}
MEMBER_TIER_EXAMPLE = {
    "metric": "spend",
    "metric_name": "消费金额",
    "unit": "fen",
    "window_days": 365,
    "window_start": "2025-03-08T18:02:11+08:00",
    "value": 853600,
    "tier": GOLD,
    "tier_since": "2026-02-14T09:30:05+08:00",
    "next_tier": DIAMOND,
    "missing": 1146400,
    "tiers": [SILVER, GOLD, DIAMOND],
    "saving": {"total_fen": 23150, "tier_fen": 4120},
    "history": [
        {
            "from_tier": {"id": 1, "name": "银卡"},
            "to_tier": {"id": 2, "name": "金卡"},
            "metric_value": 801250,
            "reason": "settlement",
            "reason_name": "加油结算",
            "created_at": "2026-02-14T09:30:05+08:00",
        }
    ],
}
NO_TIER_EXAMPLE = {
    **MEMBER_TIER_EXAMPLE,
    "value": 35000,
    "tier": None,
    "tier_since": None,
    "next_tier": SILVER,
    "missing": 165000,
    "saving": {"total_fen": 700, "tier_fen": 0},
    "history": [],
}


class MemberTierOut(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [MEMBER_TIER_EXAMPLE, NO_TIER_EXAMPLE]}
    )

    metric: Literal["spend", "litres"] = Field(
        description="考核指标：spend 消费金额（实付减退款），litres 加油升数"
    )
    metric_name: str
    unit: Literal["fen", "ml"] = Field(description="value、threshold、missing 的单位")
    window_days: int = Field(description="考核周期（天）：只算最近这些天内完成的订单")
    window_start: str = Field(description=f"考核周期的起点（不含），终点为此刻；{ISO}")
    value: int = Field(description=f"考核周期内已完成订单的考核值（{METRIC_VALUE}）")
    tier: TierStepOut | None = Field(description="当前等级；null 为尚无等级")
    tier_since: str | None = Field(description="获得当前等级的时间")
    next_tier: TierStepOut | None = Field(description="上一级；已是最高等级时为 null")
    missing: int = Field(
        description="距上一级还差的考核值；0 表示已达到，将在下次结算或每日复核时升级"
    )
    tiers: list[TierStepOut] = Field(description="本连锁的全部等级，从低到高")
    saving: SavingOut
    history: list[TierChangeOut] = Field(description="等级变化记录，新的在前，最多 20 条")


PRICING_EXAMPLE = {
    "list_price_fen": 768,
    "member_price_fen": 748,
    "tier_id": 2,
    "tier_cut_fen": 10,
    "campaign_cut_fen": 0,
    "unit_price_fen": 738,
    "saving_per_litre_fen": 30,
    "saving_fen": None,
    "note": "金卡会员价再降0.10元/升",
}


class PricingOut(Schema):
    """How the unit price of an order was reached, as it was when the order was placed."""

    model_config = ConfigDict(json_schema_extra={"examples": [PRICING_EXAMPLE]})

    list_price_fen: int = Field(description="挂牌价，分/升")
    member_price_fen: int = Field(description="会员价（等级优惠之前的单价），分/升")
    tier_id: int | None = Field(
        description="下单时的会员等级（见 GET /me/tier 的 tiers）；null 为无等级（或已删除）"
    )
    tier_cut_fen: int = Field(description="等级优惠：在会员价基础上每升再降，分/升")
    campaign_cut_fen: int = Field(
        description="会员日活动：在等级优惠之后每升再降，分/升；没有为 0（见 bill.campaigns）"
    )
    unit_price_fen: int = Field(description="成交单价，分/升（不低于 1 分）")
    saving_per_litre_fen: int = Field(description="每升比挂牌价节省，分/升")
    saving_fen: int | None = Field(
        description=f"按实际加油量比挂牌价节省的金额，{FEN}；加油前为 null"
    )
    note: str = Field(description="优惠说明，如 金卡会员价再降0.10元/升；无等级时为空")

"""The marketing entries of the audit log in words: coupon templates created, changed,
activated, stopped, their gifts set, pushed to members, and coupons voided; campaigns created,
changed, activated, ended and cancelled; points rules, catalogue items, codes verified,
adjustments and refunds whose points were already spent."""

from app.models import (
    CAMPAIGN_KINDS,
    CAMPAIGN_STATUSES,
    COUPON_STATUSES,
    ITEM_STATUSES,
    TEMPLATE_STATUSES,
)

MARKETING_ACTION_NAMES = {
    "coupon_template.create": "新建优惠券",
    "coupon_template.update": "修改优惠券",
    "coupon_template.activate": "启用优惠券",
    "coupon_template.stop": "停发优惠券",
    "coupon_template.gifts": "设置优惠券发放",
    "coupon.void": "作废优惠券",
    "coupon_push.create": "定向发放优惠券",
    "coupon_push.resume": "继续中断的定向发放",
    "campaign.create": "新建活动",
    "campaign.update": "修改活动",
    "campaign.activate": "启用活动",
    "campaign.end": "提前结束活动",
    "campaign.cancel": "作废活动草稿",
    "points_rule.create": "新建积分规则版本",
    "points_item.create": "上架积分商品",
    "points_item.update": "修改积分商品",
    "points_item.stock": "调整积分商品库存",
    "points_item.activate": "上架积分商品",
    "points_item.stop": "下架积分商品",
    "points_redemption.verify": "核销兑换码",
    "redemption_code.lockout": "兑换码连续输错被锁定",
    "points.adjust": "调整会员积分",
    "points.reverse_shortfall": "退款扣回积分时积分已用掉",
}
MARKETING_LABELS = {
    "note": "使用说明",
    "rule": "优惠内容",
    "scope": "适用范围",
    "validity_text": "有效期",
    "stock_total": "发放总量",
    "per_member_limit": "每人限领",
    "claimable": "车主可领取",
    "claim_window": "领取时间",
    "join_gift": "新会员礼",
    "topup_rewards": "充值套餐赠送",
    "coupon": "优惠券",
    "template_status": "状态",
    "segment": "发放人群",
    "expected": "预计发放人数",
    "coupon_status": "券状态",
    "version": "版本",
    "basis": "积分方式",
    "rates": "油品积分",
    "tiers": "等级倍数",
    "daily_cap": "每日上限",
    "expiry": "积分过期",
    "effective_from": "生效时间",
    "points": "积分",
    "stock": "库存",
    "window": "兑换时间",
    "change": "调整数量",
    "item_status": "商品状态",
    "delta": "调整积分",
    "balance": "调整后积分",
    "taken": "已扣回",
    "short": "已用掉未扣回",
    "campaign_kind": "活动类型",
    "campaign_status": "活动状态",
    "schedule": "活动时段",
    "period": "活动时间",
    "fuels": "适用油品",
    "stacks_with_coupon": "可与优惠券同享",
    "campaign": "活动",
    "campaign_fen": "活动优惠",
}
ENTITIES = {
    "coupon_template": "优惠券",
    "coupon": "优惠券",
    "coupon_push": "定向发放",
    "points_rule": "积分规则",
    "points_item": "积分商品",
    "points_redemption": "积分兑换",
    "points_account": "会员积分",
    "campaign": "活动",
}


def add_words(actions: dict, labels: dict, words: dict, entities: dict) -> None:
    """Add the coupons' words to audit_text's tables (others' entries win on a shared key)."""
    actions |= {k: v for k, v in MARKETING_ACTION_NAMES.items() if k not in actions}
    labels |= {k: v for k, v in MARKETING_LABELS.items() if k not in labels}
    words.setdefault("template_status", TEMPLATE_STATUSES)
    words.setdefault("coupon_status", COUPON_STATUSES)
    words.setdefault("item_status", ITEM_STATUSES)
    words.setdefault("campaign_status", CAMPAIGN_STATUSES)
    words.setdefault("campaign_kind", CAMPAIGN_KINDS)
    entities |= {k: v for k, v in ENTITIES.items() if k not in entities}


def target(kind: str, data: dict) -> str:
    if kind == "points_rule":
        return f"积分规则第 {data['version']} 版" if data.get("version") else "积分规则"
    if kind == "points_item":
        return f"积分商品「{data['name']}」" if data.get("name") else "积分商品"
    if kind == "points_redemption":
        who = data.get("member", "会员")
        return f"{who} 兑换的「{data['item']}」" if data.get("item") else "积分兑换"
    if kind == "points_account":
        return f"{data.get('member', '会员')} 的积分"
    if kind == "coupon_push":
        return f"优惠券「{data['coupon']}」的定向发放" if data.get("coupon") else "定向发放"
    if kind == "campaign":
        return f"活动「{data['name']}」" if data.get("name") else "活动"
    if kind == "coupon_template":
        return f"优惠券「{data['name']}」" if data.get("name") else "优惠券"
    who = data.get("member", "会员")
    return f"{who} 的优惠券「{data['coupon']}」" if data.get("coupon") else f"{who} 的优惠券"

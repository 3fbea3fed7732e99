"""The coupons' entries of the audit log in words: templates created, changed, activated,
stopped, their gifts set, and coupons voided."""

from app.models import COUPON_STATUSES, TEMPLATE_STATUSES

MARKETING_ACTION_NAMES = {
    "coupon_template.create": "新建优惠券",
    "coupon_template.update": "修改优惠券",
    "coupon_template.activate": "启用优惠券",
    "coupon_template.stop": "停发优惠券",
    "coupon_template.gifts": "设置优惠券发放",
    "coupon.void": "作废优惠券",
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
    "coupon_status": "券状态",
}
ENTITIES = {"coupon_template": "优惠券", "coupon": "优惠券"}


def add_words(actions: dict, labels: dict, words: dict, entities: dict) -> None:
    """Add the coupons' words to audit_text's tables (others' entries win on a shared key)."""
    actions |= {k: v for k, v in MARKETING_ACTION_NAMES.items() if k not in actions}
    labels |= {k: v for k, v in MARKETING_LABELS.items() if k not in labels}
    words.setdefault("template_status", TEMPLATE_STATUSES)
    words.setdefault("coupon_status", COUPON_STATUSES)
    entities |= {k: v for k, v in ENTITIES.items() if k not in entities}


def target(kind: str, data: dict) -> str:
    if kind == "coupon_template":
        return f"优惠券「{data['name']}」" if data.get("name") else "优惠券"
    who = data.get("member", "会员")
    return f"{who} 的优惠券「{data['coupon']}」" if data.get("coupon") else f"{who} 的优惠券"

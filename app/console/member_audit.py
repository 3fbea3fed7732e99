"""The members' entries of the audit log in words: counter top-ups and wallet freezes."""

from app.models import TOPUP_CHANNELS

MEMBER_ACTION_NAMES = {
    "topup.request": "提交柜台充值",
    "topup.approve": "审核通过充值",
    "topup.reject": "驳回充值",
    "wallet.freeze": "冻结钱包",
    "wallet.unfreeze": "解冻钱包",
}
MEMBER_LABELS = {
    "topup_no": "充值单号",
    "member": "会员",
    "channel": "付款方式",
    "principal_fen": "本金",
    "bonus_fen": "赠送金",
    "pos_reference": "POS 参考号",
    "note": "备注",
    "frozen": "冻结",
    "frozen_reason": "冻结原因",
}
MEMBER_STATUS_WORDS = {"pending": "待审核", "credited": "已到账", "rejected": "已驳回"}


def add_words(actions: dict, labels: dict, words: dict, entities: dict) -> None:
    """Add the members' words to audit_text's tables (others' entries win on a shared key)."""
    actions |= {k: v for k, v in MEMBER_ACTION_NAMES.items() if k not in actions}
    labels |= {k: v for k, v in MEMBER_LABELS.items() if k not in labels}
    words.setdefault("channel", TOPUP_CHANNELS)
    statuses = words.setdefault("status", {})
    statuses |= {k: v for k, v in MEMBER_STATUS_WORDS.items() if k not in statuses}
    entities |= {k: v for k, v in {"topup": "充值", "wallet": "钱包"}.items() if k not in entities}


def target(kind: str, data: dict) -> str:
    if kind == "topup":
        return f"{data.get('member', '会员')} 的充值 {data.get('topup_no', '')}".strip()
    return f"{data.get('member', '会员')} 的钱包"

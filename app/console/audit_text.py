"""The audit log in words staff read: who did what, to which object (by its name), and what
changed, with amounts in 元 and no field names, ids or hashes."""

from dataclasses import dataclass

from sqlalchemy import select

from app.console import content_audit, marketing_audit, member_audit
from app.extensions import db
from app.models import (
    CARD_STATUSES,
    REFUND_REQUEST_CHANNELS,
    ROLE_NAMES,
    AuditLog,
    Fuel,
    Nozzle,
    Order,
    Staff,
    Station,
)
from app.services.platform.money import fen_to_yuan

ACTION_NAMES = {
    "station.create": "新建油站",
    "station.update": "修改油站资料",
    "station.hours": "修改营业时间",
    "photo.add": "上传照片",
    "photo.delete": "删除照片",
    "fuel.enable": "启用油品",
    "fuel.disable": "停售油品",
    "price.schedule": "调价",
    "price.cancel": "取消调价",
    "price.chain_schedule": "总部统一调价",
    "price.chain_cancel": "取消总部统一调价",
    "nozzle.add": "添加油枪",
    "nozzle.update": "修改油枪",
    "staff.create": "新建员工",
    "staff.enable": "启用员工",
    "staff.disable": "停用员工",
    "staff.reset_password": "重置密码",
    "staff.change_password": "修改本人密码",
    "staff.set_pin": "设置解锁 PIN",
    "staff.pin_lockout": "PIN 连续输错被锁定",
    "order.fueled": "确认加油",
    "order.counter_wallet_pay": "会员码钱包付款（柜台）",
    "order.counter_sale": "柜台收银",
    "order.receipt_print": "打印小票",
    "refund.create": "发起退款",
    "refund.reissue": "重新发起微信退款",
    "refund.to_wallet": "退款退回钱包",
    "counter_refund.request": "柜台退款",
    "counter_refund.approve": "同意柜台退款",
    "counter_refund.reject": "驳回柜台退款",
    "driver_refund.approve": "同意车主退款申请",
    "driver_refund.reject": "驳回车主退款申请",
    "pickup_code.lockout": "取油码连续输错，暂停手动输入",
    "topup_package.create": "新建充值套餐",
    "topup_package.update": "修改充值套餐",
    "topup_package.enable": "启用充值套餐",
    "topup_package.disable": "停用充值套餐",
    "topup_refund.approve": "同意充值退款",
    "topup_refund.reject": "驳回充值退款",
    "card_batch.create": "新建充值卡批次",
    "card_batch.secrets": "下载卡密表",
    "card_batch.void": "作废充值卡批次",
    "recharge_card.activate": "售卡激活",
    "recharge_card.void": "作废充值卡",
    "tier.create": "新增会员等级",
    "tier.update": "修改会员等级",
    "tier.delete": "删除会员等级",
    "tier.rules": "修改会员等级考核规则",
}

LABELS = {
    "misses": "连续输错次数",
    "minutes": "暂停分钟数",
    "code": "编号",
    "name": "名称",
    "city": "城市",
    "address": "地址",
    "phone": "电话",
    "lat": "纬度",
    "lng": "经度",
    "services": "站内服务",
    "is_active": "小程序展示",
    "fill_up_cap_fen": "加满预付上限",
    "max_order_fen": "单笔订单上限",
    "refund_approval_threshold_fen": "柜台退款审批金额",
    "caption": "说明",
    "fuel": "油品",
    "fuel_id": "油品",
    "enabled": "状态",
    "list_price_fen": "挂牌价",
    "member_price_fen": "会员价",
    "effective_at": "生效时间",
    "number": "枪号",
    "nozzle": "枪号",
    "username": "用户名",
    "display_name": "姓名",
    "role": "角色",
    "station_ids": "所属油站",
    "via": "创建方式",
    "must_change_password": "登录后需修改密码",
    "dispensed_ml": "加油量",
    "dispensed_fen": "加油金额",
    "order_no": "订单号",
    "amount_fen": "金额",
    "method": "退款方式",
    "kind": "退款类型",
    "reason": "原因",
    "out_refund_no": "退款单号",
    "status": "退款状态",
    "consent": "车主同意方式",
    "consent_note": "同意说明",
    "package_kind": "套餐类型",
    "pay_fen": "充值金额",
    "bonus_fen": "赠送金额",
    "min_fen": "最低充值金额",
    "max_fen": "最高充值金额",
    "starts_at": "开始时间",
    "ends_at": "结束时间",
    "sort_order": "排序",
    "topup_no": "充值单号",
    "spent_principal_fen": "该笔充值已用本金",
    "refunded_principal_fen": "该笔充值已退本金",
    "revoked_bonus_fen": "该笔充值已扣回赠送金",
    "wallet_principal_fen": "钱包本金",
    "wallet_bonus_fen": "钱包赠送金",
    "reject_reason": "驳回原因",
    "threshold_fen": "审批金额",
    "face_fen": "面值",
    "count": "张数",
    "expires_at": "有效期至",
    "card_status": "卡状态",
    "payment": "收款方式",
    "pos_reference": "POS 参考号",
    "refunded_fen": "退还金额",
    "new_voided": "作废未售卡",
    "sold_voided": "作废已售卡",
    "redeemed_kept": "已兑换未作废",
    "threshold": "门槛",
    "cuts": "每升优惠",
    "members": "调整等级的会员数",
    "tier_metric": "考核指标",
    "tier_window": "考核周期",
    "stations": "调价油站（原价）",
    "skipped": "跳过（不销售该油品）",
    "batch": "批次",
    "volume_ml": "升数",
    "received_fen": "实收现金",
    "change_fen": "找零",
    "reference": "参考号",
    "member": "会员",
    "coupon": "优惠券",
    "coupon_fen": "优惠券减免",
    "copy": "第几次打印",
    "reprint": "重打",
    "asked_by": "申请人",
}
# A key whose meaning depends on the action: a walk-in sale's "method" is how it was paid.
ACTION_KEYS = {"order.counter_sale": {"method": "payment"}}
# Kept for the record, not for reading: a photo's hash and size, a cancel flag the action says.
HIDDEN = {"sha256", "width", "height", "cancelled", "refund_id"}
# Fields the object's name already says.
NAMED_BY = {
    "fuel": {"fuel"},
    "fuel_price": {"fuel"},
    "refund": {"order_no"},
    "topup_refund_request": {"topup_no"},
    "card_batch": {"name"},
    "recharge_card": {"number"},
}
NAMED_BY = {"fuel": {"fuel"}, "fuel_price": {"fuel"}, "refund": {"order_no"}, "tier": {"tier"}}
PER_LITRE = {"list_price_fen", "member_price_fen"}
ENABLED_WORDS = {"fuel": ("在售", "停售"), "nozzle": ("启用", "停用"), "staff": ("正常", "已停用")}
WORDS = {
    "role": ROLE_NAMES,
    "method": {"wechat": "微信原路退回", "wallet": "退回钱包"},
    "kind": {
        "settlement": "加油差额",
        "cancel": "取消订单",
        "manual": "人工退款",
        "stray": "重复支付",
    },
    "via": {"create-admin": "命令行"},
    "package_kind": {"fixed": "固定金额", "free": "自定义金额"},
    "card_status": CARD_STATUSES,
    "payment": {"cash": "现金", "pos": "银行卡", "terminal": "扫码支付", "wallet": "会员钱包"},
    "asked_by": REFUND_REQUEST_CHANNELS,
    "status": {
        "PENDING": "待提交",
        "PROCESSING": "处理中",
        "SUCCESS": "已到账",
        "ABNORMAL": "微信退款异常",
        "CLOSED": "微信已关闭",
        "requested": "待审核",
        "approved": "已同意",
        "rejected": "已驳回",
        "pending": "待审批",
        "sent": "已退款",
    },
}
ENTITY_NAMES = {
    "station": "油站",
    "station_photo": "照片",
    "fuel": "油品",
    "fuel_price": "价格",
    "nozzle": "油枪",
    "staff": "员工",
    "order": "订单",
    "refund": "退款",
    "topup_package": "充值套餐",
    "topup_refund_request": "充值退款申请",
    "counter_refund_request": "柜台退款",
    "card_batch": "充值卡批次",
    "recharge_card": "充值卡",
    "tier": "会员等级",
    "chain": "会员等级规则",
}


@dataclass
class Change:
    label: str
    before: str | None  # None: not there before (created)
    after: str | None  # None: not there after (deleted), or unchanged


@dataclass
class Line:
    entry: AuditLog
    actor: str
    station: str
    action: str
    target: str
    changes: list[Change]


class Names:
    """The names of the objects a page of entries mentions, looked up once per page."""

    def __init__(self, chain_id: int, entries: list[AuditLog]):
        def ids(kind: str) -> set[int]:
            return {e.entity_id for e in entries if e.entity_type == kind and e.entity_id}

        def pairs(query) -> dict:
            return dict(db.session.execute(query).tuples().all())

        self.stations = pairs(select(Station.id, Station.name).where(Station.chain_id == chain_id))
        self.fuels = pairs(select(Fuel.id, Fuel.name).where(Fuel.chain_id == chain_id))
        self.staff = {
            s.id: f"{s.display_name}（{s.username}）"
            for s in db.session.scalars(select(Staff).where(Staff.id.in_(ids("staff"))))
        }
        self.nozzles = pairs(select(Nozzle.id, Nozzle.number).where(Nozzle.id.in_(ids("nozzle"))))
        self.orders = pairs(select(Order.id, Order.order_no).where(Order.id.in_(ids("order"))))


def describe(entries: list[AuditLog], chain_id: int) -> list[Line]:
    names = Names(chain_id, entries)
    return [
        Line(
            entry=entry,
            actor="系统" if entry.actor_label == "system" else entry.actor_label,
            station=names.stations.get(entry.station_id, "—"),
            action=ACTION_NAMES.get(entry.action, entry.action),
            target=target(entry, names),
            changes=changes(entry, names),
        )
        for entry in entries
    ]


def target(entry: AuditLog, names: Names) -> str:
    """The object acted on, by the name people know it by."""
    data = {**(entry.before or {}), **(entry.after or {})}
    kind, key = entry.entity_type, entry.entity_id
    if kind == "station":
        return data.get("name") or names.stations.get(key, "油站")
    if kind == "station_photo":
        return f"照片「{data['caption']}」" if data.get("caption") else "照片（无说明）"
    if kind in ("fuel", "fuel_price"):
        fuel = data.get("fuel") or names.fuels.get(key, "油品")
        return fuel if kind == "fuel" else f"{fuel} 价格"
    if kind == "nozzle":
        number = data.get("number", names.nozzles.get(key))
        return f"{number}号枪" if number is not None else "油枪"
    if kind == "staff":
        fallback = data.get("display_name") or data.get("username") or "员工"
        return names.staff.get(key, fallback)
    if kind == "order":
        return f"订单 {names.orders.get(key, '')}".strip()
    if kind in ("card_batch", "recharge_card") and (data.get("name") or data.get("number")):
        return (
            f"充值卡批次「{data['name']}」" if kind == "card_batch" else f"充值卡 {data['number']}"
        )
    if kind in ("topup", "wallet"):
        return member_audit.target(kind, data)
    if kind in marketing_audit.ENTITIES:
        return marketing_audit.target(kind, data)
    if kind == "refund":
        return f"订单 {data['order_no']} 的退款" if data.get("order_no") else "退款"
    if kind == "topup_package":
        return f"充值套餐「{data['name']}」" if data.get("name") else "充值套餐"
    if kind == "topup_refund_request" and data.get("topup_no"):
        return f"充值 {data['topup_no']} 的退款申请"
    if kind in content_audit.ENTITIES:
        return content_audit.target(kind, data)
    if kind == "tier" and (data.get("tier") or data.get("name")):
        return f"会员等级「{data.get('tier') or data['name']}」"
    return ENTITY_NAMES.get(kind, "记录")


def changes(entry: AuditLog, names: Names) -> list[Change]:
    """Each field, before and after; a field the object's name already says is left out."""
    before, after = entry.before or {}, entry.after or {}
    hidden = HIDDEN | NAMED_BY.get(entry.entity_type, set())
    result = []
    aliases = ACTION_KEYS.get(entry.action, {})
    for key in [*before, *(k for k in after if k not in before)]:
        if key in hidden:
            continue
        name = aliases.get(key, key)
        old = text(name, before[key], entry, names) if key in before else None
        new = text(name, after[key], entry, names) if key in after else None
        result.append(Change(LABELS.get(name, name), old, None if new == old else new))
    return result


def text(key: str, value, entry: AuditLog, names: Names) -> str:
    """One value as people say it: 7.68 元/升, 启用, 昆明北京路加油站、大理古城加油站."""
    if value is None or value == "" or value == []:
        return "（空）"
    if key == "enabled" and isinstance(value, bool):
        on, off = ENABLED_WORDS.get(entry.entity_type, ("启用", "停用"))
        return on if value else off
    if key == "is_active" and isinstance(value, bool):
        return "展示（营业中）" if value else "不展示（已停用）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key.endswith("_fen") and isinstance(value, int):
        return f"{fen_to_yuan(value)} 元" + ("/升" if key in PER_LITRE else "")
    if key in ("dispensed_ml", "volume_ml") and isinstance(value, int):
        return f"{value / 1000:.2f} 升"
    if key == "station_ids" and isinstance(value, list):
        return "、".join(names.stations.get(i, "已删除的油站") for i in value)
    if key == "fuel_id":
        return names.fuels.get(value, "已删除的油品")
    if key == "stations" and isinstance(value, list):  # a chain-wide price change's stations
        return "、".join(
            f"{s['station']}（{fen_to_yuan(s['before_list_fen']) or '未定价'}"
            f" / {fen_to_yuan(s['before_member_fen']) or '未定价'}）"
            for s in value
        )
    if key in WORDS:
        return WORDS[key].get(value, str(value))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


# The members' words (counter top-ups, wallet freezes) are kept in member_audit.
member_audit.add_words(ACTION_NAMES, LABELS, WORDS, ENTITY_NAMES)
content_audit.add_words(ACTION_NAMES, LABELS, WORDS, ENTITY_NAMES)
marketing_audit.add_words(ACTION_NAMES, LABELS, WORDS, ENTITY_NAMES)

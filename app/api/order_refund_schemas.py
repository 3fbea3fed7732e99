"""Schemas of an order's refunds and of the driver's refund requests (申请退款)."""

from typing import ClassVar, Literal

from pydantic import ConfigDict, Field, model_validator

from app.jsonapi.schemas import FEN, JsonInt, Request, Schema
from app.models import DRIVER_REFUND_REASONS
from app.services.catalogue.stations import MAX_ORDER_RANGE_FEN
from app.services.payments.driver_refunds import NOTE_MAX, REQUEST_DAYS

ISO = "北京时间，ISO 8601"
# What the driver reads for a request's status (the console says 待审批 for pending).
REQUEST_STATUS_NAMES = {"pending": "待处理", "sent": "已退款", "rejected": "已驳回"}
REASONS_TEXT = "，".join(f"{code} {name}" for code, name in DRIVER_REFUND_REASONS.items())
REFUND_STATUSES = Literal["PENDING", "PROCESSING", "SUCCESS", "ABNORMAL", "CLOSED"]


class RefundOut(Schema):
    amount_fen: int = Field(description=FEN)
    method: Literal["wechat", "wallet", "cash", "pos", "terminal"] = Field(
        description="退款去向：wechat 微信，wallet 钱包；柜台收银的订单在柜台退回："
        "cash 现金，pos 银行卡撤销/退货，terminal 收款终端退款"
    )
    kind: Literal["settlement", "cancel", "manual"] = Field(
        description="settlement 加油差额，cancel 取消订单，manual 人工退款（含同意车主的退款申请）"
    )
    status: REFUND_STATUSES = Field(
        description="PENDING/PROCESSING 退款中，SUCCESS 已到账；"
        "ABNORMAL 退款异常、CLOSED 退款关闭：钱未到账，仍欠车主，等油站处理（见 followup）"
    )
    followup: Literal["reissued", "wallet"] | None = Field(
        description="微信未能退回（ABNORMAL/CLOSED）后油站的处理："
        "reissued 已重新发起微信退款，wallet 已经车主同意退回钱包（各为列表中新的一笔退款）；"
        "null 且状态为 ABNORMAL/CLOSED 时表示待处理"
    )
    reason: str
    created_at: str
    finished_at: str | None


REQUEST_EXAMPLE = {
    "id": 31,
    "amount_fen": 3000,
    "reason_code": "short_fuel",
    "reason_name": "未加到油或加油量不符",
    "note": "油机显示 20 升，实际只加了约 16 升",
    "status": "pending",
    "status_name": "待处理",
    "reject_reason": "",
    "refund_status": None,
    "requested_at": "2026-03-09T10:12:00+08:00",
    "decided_at": None,
}
SENT_EXAMPLE = {
    **REQUEST_EXAMPLE,
    "status": "sent",
    "status_name": "已退款",
    "refund_status": "SUCCESS",
    "decided_at": "2026-03-09T11:30:00+08:00",
}
REJECTED_EXAMPLE = {
    **REQUEST_EXAMPLE,
    "id": 32,
    "reason_code": "fuel_quality",
    "reason_name": "油品问题",
    "note": "加油后发动机抖动",
    "status": "rejected",
    "status_name": "已驳回",
    "reject_reason": "同批次油品检测合格，请到店协商",
    "decided_at": "2026-03-09T15:02:00+08:00",
}


class OrderRefundRequestOut(Schema):
    """A driver's request to have (part of) a fuelled order refunded, and the station's answer."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [REQUEST_EXAMPLE, SENT_EXAMPLE, REJECTED_EXAMPLE]}
    )

    id: int
    amount_fen: int = Field(description=f"申请退回的金额，{FEN}")
    reason_code: Literal[tuple(DRIVER_REFUND_REASONS)] = Field(description=REASONS_TEXT)
    reason_name: str
    note: str = Field(description="车主写的说明（可为空）")
    status: Literal[tuple(REQUEST_STATUS_NAMES)] = Field(
        description="pending 待处理（等油站审核），sent 已退款（油站同意，钱按原支付方式退回，"
        "见 refund_status 和订单的 refunds），rejected 已驳回（见 reject_reason）"
    )
    status_name: str = Field(description="待处理、已退款或已驳回")
    reject_reason: str = Field(description="驳回原因（未驳回时为空）")
    refund_status: REFUND_STATUSES | None = Field(
        description="同意后那笔退款的状态（同 refunds[].status：PENDING/PROCESSING 退款中，"
        "SUCCESS 已到账）；未同意时为 null"
    )
    requested_at: str = Field(description=ISO)
    decided_at: str | None = Field(description="油站处理的时间；待处理时为 null")


# The body's own rule, in the document too: 其他 (other) needs a note that is not blank.
OTHER_NEEDS_A_NOTE = {
    "allOf": [
        {
            "if": {"properties": {"reason_code": {"const": "other"}}, "required": ["reason_code"]},
            "then": {
                "properties": {"note": {"type": "string", "pattern": "\\S"}},
                "required": ["note"],
            },
        }
    ]
}


class OrderRefundRequestBody(Request):
    model_config = ConfigDict(
        json_schema_extra={
            **OTHER_NEEDS_A_NOTE,
            "examples": [
                {"amount_fen": 3000, "reason_code": "short_fuel", "note": "实际只加了约 16 升"},
                {"amount_fen": 18450, "reason_code": "duplicate"},
                {"amount_fen": 5000, "reason_code": "other", "note": "加油员加错了油品"},
            ],
        }
    )
    messages: ClassVar[dict] = {
        "amount_fen": "退款金额应为大于 0 的整数分（如 3000 即 30 元）",
        "reason_code": "请选择退款原因：" + "、".join(DRIVER_REFUND_REASONS.values()),
        "note": f"说明最多 {NOTE_MAX} 个字",
    }

    amount_fen: JsonInt = Field(
        ge=1,
        le=MAX_ORDER_RANGE_FEN[1],
        title="退款金额",
        description=f"{FEN}；不能超过订单的 refundable_fen（已付减已退，再减待处理的申请）",
    )
    reason_code: Literal[tuple(DRIVER_REFUND_REASONS)] = Field(
        title="退款原因", description=REASONS_TEXT
    )
    note: str = Field(
        "",
        max_length=NOTE_MAX,
        title="说明",
        description="补充说明，给油站看；选“其他”（other）时必填",
    )

    @model_validator(mode="after")
    def other_needs_a_note(self):
        if self.reason_code == "other" and not self.note.strip():
            raise ValueError("选择“其他”时请在说明中写明原因")
        return self


# A settled order whose driver asked for 30 元 back (OrderOut's second example): what changes
# from a paid one.
SETTLED_CHANGES = {
    "status": "settled",
    "status_name": "已完成",
    "pickup": None,
    "dispensed_ml": 24000,
    "dispensed_fen": 16952,
    "refunded_fen": 2048,
    "refunds": [
        {
            "amount_fen": 2048,
            "method": "wallet",
            "kind": "settlement",
            "status": "SUCCESS",
            "followup": None,
            "reason": "加油差额退款",
            "created_at": "2026-03-08T18:20:05+08:00",
            "finished_at": "2026-03-08T18:20:05+08:00",
        }
    ],
    "can_request_refund": False,
    "refundable_fen": 0,
    "refund_request_until": "2026-03-15T18:20:05+08:00",
    "refund_request_hint": "该订单已有待处理的退款申请，请等待油站处理",
    "refund_requests": [REQUEST_EXAMPLE],
    "fueled_at": "2026-03-08T18:19:40+08:00",
    "settled_at": "2026-03-08T18:20:05+08:00",
}

# The fields an order answer carries about asking for a refund (OrderOut has them).
OFFER_DESCRIPTIONS = {
    "can_request_refund": "现在能否申请退款（POST /orders/{order_id}/refund-requests）："
    f"自己的、在线支付（钱包或微信）的已完成订单，加油完成后 {REQUEST_DAYS} 天内，"
    "没有待处理的申请且还有可退金额。未加油的订单请取消订单（全额退回）",
    "refundable_fen": f"现在最多可申请退回的金额，{FEN}：已付减已退，再减待处理的申请；"
    "不能申请时为 0",
    "refund_request_until": f"申请退款的截止时间（结算后 {REQUEST_DAYS} 天，{ISO}）；"
    "不是在线支付的已完成订单时为 null",
    "refund_request_hint": "不能申请时给车主看的原因（如已超过申请期限、已有待处理的申请、"
    "柜台付款的订单请到收银台办理）；能申请或与退款无关（未加油）时为 null",
    "refund_requests": "车主为这笔订单提交的退款申请，旧的在前",
}

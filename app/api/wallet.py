"""The wallet: its balances, top-up packages, WeChat top-ups and refunds of unspent principal."""

from flask import g

from app.api import bp
from app.api.auth import require_member
from app.api.idempotent import idempotent
from app.api.render import page_of
from app.api.wallet_schemas import (
    PackageList,
    PackageQuery,
    RefundRequestBody,
    RefundRequestOut,
    StartTopupAnswer,
    StartTopupRequest,
    TopupListQuery,
    TopupOut,
    TopupPage,
    WalletOut,
)
from app.jsonapi.openapi import api_route
from app.jsonapi.parsing import parse_body, parse_query
from app.jsonapi.render import local_iso
from app.models import REFUND_REQUEST_STATUSES, TOPUP_CHANNELS, TOPUP_STATUSES, TopupRefundRequest
from app.services.members import packages, top_ups, topup_history, topup_refunds
from app.services.members.topup_history import TopupView

TOPUP_LINKS = {
    "GetTopup": ("get_topup", {"topup_id": "$response.body#/topup/id"}),
}


def _named(id_: int | None, name: str | None) -> dict | None:
    return {"id": id_, "name": name} if id_ is not None else None


def request_json(request: TopupRefundRequest, refunds: dict) -> dict:
    refund = refunds.get(request.refund_id) if request.refund_id else None
    return {
        "id": request.id,
        "topup_id": request.topup_id,
        "status": request.status,
        "status_name": REFUND_REQUEST_STATUSES[request.status],
        "reason": request.reason,
        "requested_at": local_iso(request.requested_at),
        "decided_at": local_iso(request.decided_at),
        "reject_reason": request.reject_reason,
        "principal_fen": request.principal_fen,
        "bonus_revoked_fen": request.bonus_revoked_fen,
        "refund": {
            "amount_fen": refund.amount_fen,
            "status": refund.status,
            "finished_at": local_iso(refund.finished_at),
        }
        if refund
        else None,
    }


def topup_json(view: TopupView) -> dict:
    topup = view.topup
    return {
        "id": topup.id,
        "topup_no": topup.topup_no,
        "channel": topup.channel,
        "channel_name": TOPUP_CHANNELS[topup.channel],
        "status": topup.status,
        "status_name": TOPUP_STATUSES[topup.status],
        "station": _named(topup.station_id, view.station_name),
        "package": _named(topup.package_id, view.package_name),
        "principal_fen": topup.principal_fen,
        "bonus_fen": topup.bonus_fen,
        "spent_principal_fen": topup.spent_principal_fen,
        "refunded_principal_fen": topup.refunded_principal_fen,
        "revoked_bonus_fen": topup.revoked_bonus_fen,
        "refundable_principal_fen": view.refundable_fen,
        "refund_requests": [request_json(r, view.refunds) for r in view.requests],
        "created_at": local_iso(topup.created_at),
        "credited_at": local_iso(topup.credited_at),
        "expires_at": local_iso(topup.expires_at),
    }


@api_route(
    bp,
    "/wallet",
    "GET",
    summary="钱包余额：本金和赠送金",
    description="当前会员的钱包：本金（自己付的钱，可申请原路退回）、赠送金（充值套餐送的，只能消费）"
    "和两者之和。钱包支付先扣本金，再扣赠送金；退款按原订单的扣款比例退回两者。"
    "钱包被油站冻结时 frozen 为 true，不能用钱包支付（答 409 wallet_frozen），充值照常到账。",
    tag="wallet",
    response=WalletOut,
)
@require_member
def wallet():
    summary = topup_history.wallet_summary(g.member)
    return {
        "principal_fen": summary.principal_fen,
        "bonus_fen": summary.bonus_fen,
        "balance_fen": summary.balance_fen,
        "frozen": summary.frozen,
        "frozen_reason": summary.frozen_reason,
    }


@api_route(
    bp,
    "/topup-packages",
    "GET",
    summary="可选的充值套餐",
    description="此刻可用的充值套餐：全部油站通用的，加上 station_id 所指油站自己的。"
    "fixed 是固定金额（如充 500 送 30），free 是上下限之间的自定义金额（不送赠送金）。",
    tag="wallet",
    query=PackageQuery,
    response=PackageList,
)
@require_member
def topup_packages():
    q = parse_query(PackageQuery)
    found = packages.live_packages(g.member.chain_id, q.station_id)
    names = {p.station_id: packages.station_name(p.station_id) for p in found if p.station_id}
    return {
        "items": [
            {
                "id": p.id,
                "name": p.name,
                "kind": p.kind,
                "pay_fen": p.pay_fen,
                "bonus_fen": p.bonus_fen,
                "min_fen": p.min_fen,
                "max_fen": p.max_fen,
                "station": _named(p.station_id, names.get(p.station_id)),
                "ends_at": local_iso(p.ends_at),
            }
            for p in found
        ]
    }


@api_route(
    bp,
    "/topups",
    "POST",
    summary="微信充值：下单并得到支付参数",
    description="按套餐（package_id）或自定义金额（amount_fen）充值，"
    "答充值单和 wx.requestPayment 的参数。"
    "到账以微信支付的通知为准（之后查 GET /topups/{topup_id}）：本金和赠送金分别记入钱包；"
    "15 分钟内未支付则关闭。套餐已结束、金额超出上下限答 409 rejected；"
    "微信支付暂时不可用答 503 payment_unavailable（可用新的 Idempotency-Key 重试）。",
    tag="wallet",
    body=StartTopupRequest,
    response=StartTopupAnswer,
    errors=("not_found", "rejected", "payment_unavailable"),
    success=201,
    links=TOPUP_LINKS,
)
@require_member
@idempotent
def start_topup():
    data = parse_body(StartTopupRequest)
    started = top_ups.start_topup(g.member, data.package_id, data.amount_fen, data.station_id)
    view = topup_history.get_topup(g.member, started.topup.id)
    return {"topup": topup_json(view), "wechat_pay": started.wechat_pay}, 201


@api_route(
    bp,
    "/topups",
    "GET",
    summary="我的充值记录（新的在前）",
    description="当前会员的充值（微信、柜台、充值卡），新的在前，分页；"
    "每笔微信充值带现在最多可申请退回的本金和退款申请。",
    tag="wallet",
    query=TopupListQuery,
    response=TopupPage,
)
@require_member
def list_topups():
    q = parse_query(TopupListQuery)
    views, total = topup_history.list_topups(g.member, q.page, q.per_page)
    return page_of([topup_json(v) for v in views], q.page, q.per_page, total)


@api_route(
    bp,
    "/topups/<id:topup_id>",
    "GET",
    summary="充值详情",
    description="一笔自己的充值：状态、本金、赠送金、已退和可退的本金、退款申请。别人的答 404。",
    tag="wallet",
    response=TopupOut,
)
@require_member
def get_topup(topup_id: int):
    return topup_json(topup_history.get_topup(g.member, topup_id))


@api_route(
    bp,
    "/topups/<id:topup_id>/refund-requests",
    "POST",
    summary="申请退回充值的剩余本金",
    description="把一笔已到账的微信充值中还没用掉的本金原路退回微信。油站审核同意时才确定金额："
    "这笔充值未退的本金与钱包本金余额中较小者；随同按比例扣回这笔充值送的赠送金。"
    "每笔充值同时只能有一个待审核的申请（答 409 refund_request_open）；"
    "到账已超过 360 天的充值微信支付不再受理退款（答 409 topup_too_old）；"
    "非微信充值、未到账或没有可退本金答 409 rejected。",
    tag="wallet",
    body=RefundRequestBody,
    response=RefundRequestOut,
    errors=("rejected", "refund_request_open", "topup_too_old"),
    success=201,
)
@require_member
@idempotent
def request_topup_refund(topup_id: int):
    data = parse_body(RefundRequestBody)
    request = topup_refunds.request_refund(g.member, topup_id, data.reason)
    return request_json(request, {}), 201


@api_route(
    bp,
    "/topups/<id:topup_id>/refund-requests/<id:request_id>/cancel",
    "POST",
    summary="撤回退款申请",
    description="撤回自己待审核的退款申请；已审核的不能撤回（答 409 conflict）。没有请求体。",
    tag="wallet",
    response=RefundRequestOut,
    errors=("conflict",),
)
@require_member
@idempotent
def cancel_topup_refund(topup_id: int, request_id: int):
    return request_json(topup_refunds.cancel_refund_request(g.member, request_id, topup_id), {})

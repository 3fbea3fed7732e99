"""Coupons: the claim centre (领券中心), claiming one, and the driver's own coupons."""

from flask import g

from app.api import bp
from app.api.auth import require_member
from app.api.coupon_schemas import (
    ClaimableQuery,
    ClaimRequest,
    CouponOut,
    CouponPage,
    MyCouponsQuery,
    OfferList,
)
from app.api.idempotent import idempotent
from app.api.render import page_of
from app.jsonapi.openapi import api_route
from app.jsonapi.parsing import parse_body, parse_query
from app.jsonapi.render import local_iso
from app.models import COUPON_KINDS, COUPON_SOURCES, COUPON_STATUSES
from app.services.marketing import claiming, mine, terms

CLAIM_ERRORS = (
    "not_found",
    "coupon_not_claimable",
    "coupon_not_started",
    "coupon_ended",
    "coupon_sold_out",
    "coupon_limit_reached",
)


def terms_json(template, scope: terms.Scope) -> dict:
    return {
        "template_id": template.id,
        "name": template.name,
        "kind": template.kind,
        "kind_name": COUPON_KINDS[template.kind],
        "rule": terms.rule_text(template),
        "note": template.note,
        "off_fen": template.off_fen,
        "pay_percent": template.pay_percent,
        "per_litre_fen": template.per_litre_fen,
        "max_off_fen": template.max_off_fen,
        "min_spend_fen": template.min_spend_fen,
        "fuels": [{"code": code, "name": name} for _, code, name in scope.fuels],
        "stations": [{"id": i, "name": name} for i, name in scope.stations],
        "scope": scope.text,
    }


def offer_json(offer: claiming.Offer) -> dict:
    t = offer.template
    return {
        **terms_json(t, offer.scope),
        "validity": t.validity,
        "validity_text": terms.template_validity_text(t),
        "valid_from": local_iso(t.valid_from),
        "valid_until": local_iso(t.valid_until),
        "valid_days": t.valid_days,
        "claim_ends_at": local_iso(t.claim_ends_at),
        "stock_left": t.stock_left,
        "per_member_limit": t.per_member_limit,
        "claimed": offer.claimed,
        "may_claim": offer.may_claim,
        "reason": offer.reason,
    }


def coupon_json(item: mine.MyCoupon) -> dict:
    c = item.coupon
    return {
        "id": c.id,
        **terms_json(item.template, item.scope),
        "status": item.status,
        "status_name": COUPON_STATUSES[item.status],
        "source": c.source,
        "source_name": COUPON_SOURCES[c.source],
        "received_at": local_iso(c.received_at),
        "valid_from": local_iso(c.valid_from),
        "valid_until": local_iso(c.valid_until),
        "validity_text": item.validity,
        "used_at": local_iso(c.used_at),
        "order_id": c.order_id,
    }


@api_route(
    bp,
    "/coupons/claimable",
    "GET",
    summary="领券中心：现在可以领的优惠券",
    description="本连锁此刻可领取的优惠券（已启用、车主可领、在领取时间内、未过有效期），新的在前；"
    "带 station_id 时只列在该站可用的。每张带剩余张数、每人限领和本人已得到的张数；"
    "已领完或本人已达上限的也列出，may_claim 为 false 并说明原因。油站不存在答 404。",
    tag="coupons",
    query=ClaimableQuery,
    response=OfferList,
    errors=("not_found",),
)
@require_member
def claimable_coupons():
    q = parse_query(ClaimableQuery)
    return {"items": [offer_json(o) for o in claiming.offers(g.member, q.station_id)]}


@api_route(
    bp,
    "/coupons/claim",
    "POST",
    summary="领取一张优惠券",
    description="领取 template_id 所指的优惠券一张，答领到的券。剩余张数和每人限领由数据库判定："
    "同时领取最后一张的请求只有一个成功。已领完答 409 coupon_sold_out，"
    "已达每人限领答 409 coupon_limit_reached，未到领取时间答 409 coupon_not_started，"
    "已结束领取或停发答 409 coupon_ended，只能由油站发放的答 409 coupon_not_claimable；"
    "不存在答 404。被拒绝时什么也不改变。",
    tag="coupons",
    body=ClaimRequest,
    response=CouponOut,
    errors=CLAIM_ERRORS,
    success=201,
)
@require_member
@idempotent
def claim_coupon():
    data = parse_body(ClaimRequest)
    coupon = claiming.claim(g.member, data.template_id)
    return coupon_json(mine.my_coupon(g.member, coupon.id)), 201


@api_route(
    bp,
    "/me/coupons",
    "GET",
    summary="我的优惠券",
    description="当前会员的优惠券，按状态分页：available 可使用（含正在订单上使用的），"
    "快到期的在前；used 已使用；expired 已失效（过期或被油站作废）。"
    "过了截止时间的券立即算作过期。",
    tag="coupons",
    query=MyCouponsQuery,
    response=CouponPage,
)
@require_member
def my_coupons():
    q = parse_query(MyCouponsQuery)
    items, total = mine.my_coupons(g.member, q.status, q.page, q.per_page)
    return page_of([coupon_json(i) for i in items], q.page, q.per_page, total)

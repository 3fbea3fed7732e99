"""Points (积分): the driver's balance and lots, the points ledger, the redemption catalogue,
redeeming, and the driver's redemptions with the codes to show at the counter."""

from flask import g
from sqlalchemy import select

from app.api import bp
from app.api.auth import require_member
from app.api.idempotent import idempotent
from app.api.points_schemas import (
    Catalogue,
    LedgerPage,
    PageQuery,
    PointsSummary,
    RedeemRequest,
    RedemptionOut,
    RedemptionPage,
)
from app.api.render import page_of
from app.extensions import db
from app.jsonapi.openapi import api_route
from app.jsonapi.parsing import parse_body, parse_query
from app.jsonapi.render import local_iso
from app.models import ENTRY_KINDS, ITEM_KINDS, REDEMPTION_STATUSES, CouponTemplate
from app.services.marketing import terms
from app.services.marketing.points import codes, mine, redeeming, rules

REDEEM_ERRORS = (
    "not_found",
    "points_item_unavailable",
    "points_item_limit_reached",
    "points_insufficient",
    "points_item_sold_out",
)


def rule_json(view: rules.RuleView, tier_percent: int) -> dict:
    r = view.rule
    return {
        "version": r.version,
        "basis": r.basis,
        "basis_name": view.basis_name,
        "fuels": [
            {"code": f.code, "name": f.name, "points": f.points, "per_units": f.per_units}
            | {"text": f.text}
            for f in view.fuels
        ],
        "daily_cap": r.daily_cap,
        "expiry_months": r.expiry_months,
        "expiry_text": view.expiry,
        "tier_percent": tier_percent,
    }


def summary_json(s: mine.Summary) -> dict:
    lots = [
        {"year": lot.year, "points": lot.points, "expires_at": local_iso(lot.expires_at)}
        for lot in s.lots
    ]
    first = s.lots[0] if s.lots else None
    return {
        "balance": s.balance,
        "lots": lots,
        "expiring": (
            {"points": first.points, "expires_at": local_iso(first.expires_at)} if first else None
        ),
        "rule": rule_json(s.rule, s.tier_percent) if s.rule else None,
    }


def entry_json(e) -> dict:
    return {
        "id": e.id,
        "kind": e.kind,
        "kind_name": ENTRY_KINDS[e.kind],
        "delta": e.delta,
        "balance_after": e.balance_after,
        "shortfall": e.shortfall,
        "note": e.note,
        "order_id": e.order_id,
        "redemption_id": e.redemption_id,
        "created_at": local_iso(e.created_at),
    }


def item_json(offer: mine.Offer, coupons: dict[int, CouponTemplate]) -> dict:
    item = offer.item
    template = coupons.get(item.coupon_template_id)
    return {
        "id": item.id,
        "kind": item.kind,
        "kind_name": ITEM_KINDS[item.kind],
        "name": item.name,
        "note": item.note,
        "points": item.points,
        "coupon": (
            {"template_id": template.id, "name": template.name, "rule": terms.rule_text(template)}
            if template
            else None
        ),
        "stock_left": item.stock_left,
        "per_member_limit": item.per_member_limit,
        "redeemed": offer.redeemed,
        "ends_at": local_iso(item.ends_at),
        "may_redeem": offer.may_redeem,
        "reason": offer.reason,
    }


def redemption_json(mr: mine.MyRedemption) -> dict:
    r = mr.redemption
    return {
        "id": r.id,
        "item_id": r.item_id,
        "item_name": r.item_name,
        "kind": r.kind,
        "kind_name": ITEM_KINDS[r.kind],
        "points": r.points,
        "status": r.status,
        "status_name": REDEMPTION_STATUSES[r.status],
        "code": mr.code,
        "code_text": codes.shown(mr.code) if mr.code else None,
        "coupon_id": r.coupon_id,
        "created_at": local_iso(r.created_at),
        "used_at": local_iso(r.used_at),
        "used_station": (
            {"id": r.used_station_id, "name": mr.station_name} if r.used_station_id else None
        ),
    }


@api_route(
    bp,
    "/me/points",
    "GET",
    summary="我的积分",
    description="可用积分、按年份分批的积分与各批的过期时间（先到期的在前，expiring 是最先到期的"
    "一批）、现行积分规则（每种油品怎么积分、每日上限、当前等级的倍数）。"
    "积分在订单结算后到账；到期的积分立即不再计入可用积分。",
    tag="points",
    response=PointsSummary,
)
@require_member
def my_points():
    return summary_json(mine.summary(g.member))


@api_route(
    bp,
    "/me/points/ledger",
    "GET",
    summary="积分流水",
    description="积分的每一笔变动，新的在前，分页：加油积分、退款扣回（按退款占实付的比例，"
    "积分已用掉的部分不再扣，记在 shortfall）、积分兑换、积分过期、人工调整，"
    "每笔带变动后的余额。",
    tag="points",
    query=PageQuery,
    response=LedgerPage,
)
@require_member
def my_points_ledger():
    q = parse_query(PageQuery)
    items, total = mine.ledger(g.member, q.page, q.per_page)
    return page_of([entry_json(e) for e in items], q.page, q.per_page, total)


@api_route(
    bp,
    "/points/catalogue",
    "GET",
    summary="积分商城：现在可兑换的商品",
    description="本连锁现在可兑换的商品（已上架、在兑换时间内），所需积分少的在前：加油券兑换后"
    "直接发到我的优惠券；洗车和便利店商品兑换后得到兑换码，到油站柜台核销。每件带剩余数量、"
    "每人限兑和本人已兑次数；不能兑换的也列出，may_redeem 为 false 并说明原因。",
    tag="points",
    response=Catalogue,
)
@require_member
def points_catalogue():
    offers = mine.offers(g.member)
    ids = {o.item.coupon_template_id for o in offers if o.item.coupon_template_id} or {-1}
    found = db.session.scalars(select(CouponTemplate).where(CouponTemplate.id.in_(ids)))
    coupons = {t.id: t for t in found}
    return {
        "balance": mine.balance_now(g.member.id),
        "items": [item_json(o, coupons) for o in offers],
    }


@api_route(
    bp,
    "/points/redeem",
    "POST",
    summary="用积分兑换一件商品",
    description="兑换 item_id 所指的商品一件，答兑换记录：加油券直接发券（status issued，"
    "coupon_id 为券）；洗车和商品给 12 位兑换码（status unused），到柜台出示，核销一次。"
    "积分先扣最早到期的。积分、库存和每人限兑由数据库判定：同时兑换、只够一次的积分只有一个"
    "成功。积分不足答 409 points_insufficient，已兑完答 409 points_item_sold_out，已达每人限兑"
    "答 409 points_item_limit_reached，已下架、未开始、已结束或加油券已发完答 409 "
    "points_item_unavailable；不存在答 404。被拒绝时什么也不改变。",
    tag="points",
    body=RedeemRequest,
    response=RedemptionOut,
    errors=REDEEM_ERRORS,
    success=201,
    links={"GetRedemption": ("my_redemption", {"redemption_id": "$response.body#/id"})},
)
@require_member
@idempotent
def redeem_points():
    data = parse_body(RedeemRequest)
    redemption = redeeming.redeem(g.member, data.item_id)
    return redemption_json(mine.redemption(g.member, redemption.id)), 201


@api_route(
    bp,
    "/me/redemptions",
    "GET",
    summary="我的兑换记录",
    description="积分兑换的记录，新的在前，分页：待核销的带兑换码（code，给柜台扫描或输入，"
    "每 4 位一组的 code_text 便于念读），已核销的带核销时间和油站，加油券带发到的券。",
    tag="points",
    query=PageQuery,
    response=RedemptionPage,
)
@require_member
def my_redemptions():
    q = parse_query(PageQuery)
    items, total = mine.redemptions(g.member, q.page, q.per_page)
    return page_of([redemption_json(r) for r in items], q.page, q.per_page, total)


@api_route(
    bp,
    "/me/redemptions/<id:redemption_id>",
    "GET",
    summary="一条兑换记录",
    description="自己的一条兑换记录，同 GET /me/redemptions 的一项：待核销的带兑换码，到柜台出示；"
    "柜台核销后 status 为 used，不再给兑换码，带核销时间和油站。别人的答 404。",
    tag="points",
    response=RedemptionOut,
)
@require_member
def my_redemption(redemption_id: int):
    return redemption_json(mine.redemption(g.member, redemption_id))

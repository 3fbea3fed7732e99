"""Coupons at checkout: a member's coupons for a prospective order with what each saves, and
the price breakdown (with the campaigns it got) and coupon every order answer carries."""

from flask import g

from app.api import bp
from app.api.auth import require_member
from app.api.checkout_schemas import CouponsForOrder, OrderCouponsQuery
from app.jsonapi.openapi import api_route
from app.jsonapi.parsing import parse_query
from app.jsonapi.render import local_iso
from app.models import Order
from app.services.marketing import live_campaigns, redeeming, terms
from app.services.marketing.stacking import Breakdown
from app.services.orders import quoting

ORDER_COUPON_STATUSES = {"held": "已锁定", "used": "已使用", "returned": "已退回"}


def campaign_lines(bill: Breakdown, names: dict[int, str]) -> list[dict]:
    """The campaigns the breakdown got, each with what it saved."""
    lines = []
    if bill.day_campaign_id is not None:
        lines.append((bill.day_campaign_id, bill.day_cut_fen, bill.day_fen))
    if bill.campaign_id is not None:
        lines.append((bill.campaign_id, None, bill.campaign_fen))
    return [
        {"id": i, "name": names.get(i, ""), "cut_per_litre_fen": cut, "saving_fen": saving}
        for i, cut, saving in lines
    ]


def bill_json(bill: Breakdown, final: bool, names: dict[int, str]) -> dict:
    """names: the campaigns' names by id (live_campaigns.names_of, or the quote's)."""
    return {
        "volume_ml": bill.volume_ml,
        "at_list_fen": bill.at_list_fen,
        "member_saving_fen": bill.member_saving_fen,
        "value_fen": bill.value_fen,
        "campaign_fen": bill.campaign_saving_fen,
        "campaigns": campaign_lines(bill, names),
        "coupon_fen": bill.coupon_fen,
        "pay_fen": bill.pay_fen,
        "saving_fen": bill.saving_fen,
        "final": final,
    }


def campaign_names_of(orders: list[Order]) -> dict[int, str]:
    """The names of the campaigns of a page of orders, in one query (none without any)."""
    return live_campaigns.names_of(
        campaign_id for o in orders for campaign_id in (o.day_campaign_id, o.campaign_id)
    )


def order_bill_json(order: Order, names: dict[int, str] | None = None) -> dict:
    if names is None:
        names = campaign_names_of([order])
    return bill_json(quoting.bill_of(order), order.dispensed_ml is not None, names)


def order_coupon_json(order: Order, found: tuple | None) -> dict | None:
    """The order's coupon (found: the coupon and its template, redeeming.of_orders)."""
    if order.coupon_id is None or found is None:
        return None
    coupon, template = found
    on_order = coupon.order_id == order.id and coupon.status in ("held", "used")
    status = coupon.status if on_order else "returned"
    return {
        "id": coupon.id,
        "name": template.name,
        "rule": terms.rule_text(template),
        "status": status,
        "status_name": ORDER_COUPON_STATUSES[status],
        "saving_fen": quoting.bill_of(order).coupon_fen if on_order else 0,
    }


def coupons_of(orders: list[Order]) -> dict[int, tuple]:
    return redeeming.of_orders(o.coupon_id for o in orders)


def _option_json(option: redeeming.Option, suggested: bool) -> dict:
    base = {
        "id": option.coupon.id,
        "name": option.template.name,
        "rule": option.rule_text,
        "kind": option.template.kind,
        "scope": option.scope.text,
        "valid_until": local_iso(option.coupon.valid_until),
    }
    if not option.usable:
        return base | {"reason": option.reason}
    pay = option.breakdown.pay_fen
    return base | {"saving_fen": option.saving_fen, "pay_fen": pay, "suggested": suggested}


@api_route(
    bp,
    "/orders/coupons",
    "GET",
    summary="下单前：本单能用的优惠券、各省多少、推荐哪张",
    description="按 POST /orders 的同样字段（station_id、fuel 或 nozzle、mode、amount_fen 或 "
    "volume_ml）为一笔还没下的订单计价：pricing 是不用券的价格明细，coupons 是车主可用于本单的券，"
    "每张带减免 saving_fen 和用券后应付 pay_fen，应付少的在前（一样时减免多、先到期的在前），"
    "第一张 suggested 为 true（suggested_coupon_id）；unusable 是不能用于本单的券及原因"
    "（未到门槛、限其他油品或油站、未到使用时间、本单的活动不与优惠券同享且用券不如活动优惠）。"
    "pricing 含本单享受的活动（会员日每升直降、首单立减或满额立减，见 campaigns），"
    "券在活动之后减。下单时把选中的 id 作为 coupon_id、"
    "把页面显示的应付作为 expected_amount_fen 一起提交，服务器按同样的规则再算一次。"
    "一单只能用一张券；按金额和加满的订单按预设金额估算减免，加油后按实加重算（多退）。"
    "不改变任何数据。",
    tag="orders",
    query=OrderCouponsQuery,
    response=CouponsForOrder,
    errors=("not_found", "station_closed", "rejected"),
)
@require_member
def order_coupons():
    q = parse_query(OrderCouponsQuery)
    choices = quoting.coupon_choices(
        g.member,
        q.station_id,
        fuel_code=q.fuel,
        nozzle_number=q.nozzle,
        mode=q.mode,
        amount_fen=q.amount_fen,
        volume_ml=q.volume_ml,
    )
    suggested = choices.suggested
    return {
        "pricing": bill_json(choices.quote.base, False, choices.quote.campaigns.names or {}),
        "suggested_coupon_id": suggested.coupon.id if suggested else None,
        "coupons": [_option_json(o, o is suggested) for o in choices.options if o.usable],
        "unusable": [_option_json(o, False) for o in choices.options if not o.usable],
    }

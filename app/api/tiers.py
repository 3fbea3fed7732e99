"""The member's tier: where they stand, what the next tier needs, what they saved, the history;
and the price breakdown shown on each order."""

from flask import g

from app.api import bp
from app.api.auth import require_member
from app.api.tier_schemas import MemberTierOut
from app.jsonapi.openapi import api_route
from app.jsonapi.render import local_iso
from app.models import TIER_METRICS, Order
from app.services.members import tier_view
from app.services.members.tier_status import REASONS
from app.services.platform.money import amount_for_volume


def step_json(step: tier_view.Step | None) -> dict | None:
    if step is None:
        return None
    level = step.level
    return {
        "id": level.id,
        "name": level.name,
        "rank": level.rank,
        "threshold": level.threshold,
        "cuts": [
            {"fuel": {"code": cut.fuel_code, "name": cut.fuel_name}, "cut_fen": cut.cut_fen}
            for cut in step.cuts
        ],
    }


def member_tier_json(view: tier_view.MemberTier) -> dict:
    names = {step.level.id: step.level.name for step in view.steps}

    def ref(tier_id: int | None) -> dict | None:
        return {"id": tier_id, "name": names[tier_id]} if tier_id in names else None

    rules = view.rules
    return {
        "metric": rules.metric,
        "metric_name": TIER_METRICS[rules.metric],
        "unit": "ml" if rules.metric == "litres" else "fen",
        "window_days": rules.window_days,
        "window_start": local_iso(rules.since(view.at)),
        "value": view.value,
        "tier": step_json(view.current),
        "tier_since": local_iso(view.since),
        "next_tier": step_json(view.next),
        "missing": view.missing,
        "tiers": [step_json(step) for step in view.steps],
        "saving": {"total_fen": view.saving_fen, "tier_fen": view.tier_saving_fen},
        "history": [
            {
                "from_tier": ref(change.from_tier_id),
                "to_tier": ref(change.to_tier_id),
                "metric_value": change.metric_value,
                "reason": change.reason,
                "reason_name": REASONS[change.reason],
                "created_at": local_iso(change.created_at),
            }
            for change in view.history
        ],
    }


def pricing_json(order: Order) -> dict:
    """How the order's unit price was reached, from its snapshot (no query): the price before
    the tier cut is the unit price plus the cuts that applied (the tier's, a members' day's)."""
    per_litre = order.list_price_fen - order.unit_price_fen
    saving = None
    if order.dispensed_ml is not None and order.dispensed_fen is not None:
        at_list = amount_for_volume(order.list_price_fen, order.dispensed_ml)
        saving = max(at_list - order.dispensed_fen, 0)  # as settlement books it
    return {
        "list_price_fen": order.list_price_fen,
        "member_price_fen": order.unit_price_fen + order.tier_cut_fen + order.day_cut_fen,
        "tier_id": order.tier_id,
        "tier_cut_fen": order.tier_cut_fen,
        "campaign_cut_fen": order.day_cut_fen,
        "unit_price_fen": order.unit_price_fen,
        "saving_per_litre_fen": per_litre,
        "saving_fen": saving,
        "note": order.pricing_note,
    }


@api_route(
    bp,
    "/me/tier",
    "GET",
    summary="我的会员等级：当前等级、升级进度、已省金额和变化记录",
    description="当前会员在本连锁的等级。考核值是考核周期（最近 window_days 天）内已完成订单的"
    "实付金额减退款（metric=spend，单位分）或加油升数（metric=litres，单位毫升），"
    "按完成（结算）时间计；达到某等级门槛（等于门槛即可）就享有该等级，"
    "每笔订单结算后立即重算，每天凌晨再复核一次（较早的订单移出周期后可能降级）。"
    "等级优惠在会员价基础上每升再降（见 tiers[].cuts），下单时自动计入。"
    "saving 为已完成订单比挂牌价节省的金额。本连锁未设置等级时 tiers 为空、tier 为 null。",
    tag="members",
    response=MemberTierOut,
)
@require_member
def my_tier():
    return member_tier_json(tier_view.member_tier(g.member))

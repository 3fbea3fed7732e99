"""Recharge cards (充值卡): a driver redeems a card's number and secret into the wallet."""

from flask import g

from app.api import bp
from app.api.auth import require_member
from app.api.card_schemas import RedeemCardRequest, RedeemedCard
from app.api.idempotent import idempotent
from app.jsonapi.errors import status_and_body
from app.jsonapi.openapi import api_route
from app.jsonapi.parsing import parse_body
from app.jsonapi.render import local_iso
from app.services.members import card_redemption
from app.services.platform.errors import ServiceError


@api_route(
    bp,
    "/recharge-cards/redeem",
    "POST",
    summary="兑换充值卡：卡面值存入钱包本金",
    description="输入充值卡的卡号和卡密，把卡面值存入钱包本金（充值卡是付过钱的，和充值一样算本金，"
    "不是赠送金）。每张卡只能兑换一次：两人同时兑换同一张卡，只有一人成功，"
    "另一人答 409 card_redeemed。卡号不存在和卡密错误答同一个 404 card_invalid，"
    "并计入输错次数：同一会员 15 分钟内输错 5 次暂停兑换 30 分钟，同一张卡被输错 5 次锁定 1 小时"
    "（锁定期间正确的卡密也不能兑换），都答 429 card_locked。"
    "只有卡密正确时才会说明卡为何不能兑换：未售出激活（card_not_active，充值卡在油站售出时激活）、"
    "已兑换（card_redeemed）、已作废（card_void）、已过期（card_expired）。"
    "卡号或卡密的位数、格式不对答 400 invalid_request；卡号末位是校验位，校验不通过"
    "（多半是输错了一位）答 409 rejected。这两种都不计入输错次数。",
    tag="wallet",
    body=RedeemCardRequest,
    response=RedeemedCard,
    errors=(
        "rejected",
        "card_invalid",
        "card_locked",
        "card_not_active",
        "card_redeemed",
        "card_void",
        "card_expired",
    ),
)
@require_member
@idempotent
def redeem_recharge_card():
    data = parse_body(RedeemCardRequest)
    outcome = card_redemption.try_redeem(g.member, data.number, data.secret)
    if isinstance(outcome, ServiceError):
        # A wrong guess or a lock-out: the miss it counted commits with this answer.
        status, body = status_and_body(outcome)
        return body, status
    return {
        "topup_no": outcome.topup.topup_no,
        "number": outcome.card.number,
        "credited_fen": outcome.topup.principal_fen,
        "redeemed_at": local_iso(outcome.card.redeemed_at),
        "wallet": {
            "principal_fen": outcome.principal_fen,
            "bonus_fen": outcome.bonus_fen,
            "balance_fen": outcome.principal_fen + outcome.bonus_fen,
        },
    }

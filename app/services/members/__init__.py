"""Members (drivers): WeChat login, API tokens, and, to come, wallet top-ups, cards, tiers,
vehicles and the member code."""

from app.services.members import (  # noqa: F401
    card_queries,
    card_redemption,
    card_voids,
    member_code,
    profile,
    recharge_cards,
    vehicles,
)
from app.services.members.drivers import (
    TOKEN_BYTES,
    hash_token,
    login_with_wechat,
    member_for_token,
)

__all__ = ["TOKEN_BYTES", "hash_token", "login_with_wechat", "member_for_token"]
__all__ += ["member_code", "profile", "vehicles"]

"""Request and response schemas of recharge cards (充值卡)."""

from typing import ClassVar

from pydantic import ConfigDict, Field

from app.jsonapi.schemas import FEN, Request, Schema

ISO = "北京时间，ISO 8601"
REDEEM_EXAMPLES = [
    {"number": "820344175097", "secret": "4821093755621180"},
    {"number": "8203 4417 5097", "secret": "4821-0937-5562-1180"},
]


class RedeemCardRequest(Request):
    model_config = ConfigDict(json_schema_extra={"examples": REDEEM_EXAMPLES})
    messages: ClassVar[dict] = {
        "number": "卡号为卡上印的 12 位数字",
        "secret": "卡密为 16 位数字（刮开卡背涂层可见）",
    }

    number: str = Field(
        max_length=23,
        pattern=r"^(?:[0-9][ -]?){11}[0-9]$",
        title="卡号",
        description="卡上印的 12 位卡号，可带空格或短横线（如 8203 4417 5097）。"
        "末位是校验位：校验不通过答 409 rejected（卡号有误），不计入输错次数",
    )
    secret: str = Field(
        max_length=31,
        pattern=r"^(?:[0-9][ -]?){15}[0-9]$",
        title="卡密",
        description="卡背刮开涂层后的 16 位卡密，可带空格或短横线",
    )


class CardWallet(Schema):
    principal_fen: int = Field(description=f"本金余额（充值、充值卡的钱，可申请退回），{FEN}")
    bonus_fen: int = Field(description=f"赠送金余额（充值赠送，不可退），{FEN}")
    balance_fen: int = Field(description=f"可用余额合计 = 本金 + 赠送金，{FEN}")


REDEEMED_EXAMPLE = {
    "topup_no": "KC2026030818021143518860",
    "number": "820344175097",
    "credited_fen": 50000,
    "redeemed_at": "2026-03-08T18:02:11+08:00",
    "wallet": {"principal_fen": 85000, "bonus_fen": 3000, "balance_fen": 88000},
}


class RedeemedCard(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [REDEEMED_EXAMPLE]})

    topup_no: str = Field(description="充值单号（钱包明细中的这笔充值）")
    number: str = Field(description="兑换的卡号")
    credited_fen: int = Field(description=f"存入钱包本金的金额（卡面值），{FEN}")
    redeemed_at: str = Field(description=ISO)
    wallet: CardWallet = Field(description="兑换后的钱包余额")

"""Schemas of the home carousel's banners and the notices (announcements and price changes)."""

from typing import Literal

from pydantic import ConfigDict, Field

from app.api.schemas import ISO
from app.jsonapi.schemas import FEN, MAX_ID, Request, Schema

SCOPE = Field(description="适用范围：chain 全连锁、city 本城市、station 本站")


class ContentQuery(Request):
    station_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        title="油站",
        description="油站详情页：全连锁、该站所在城市和该站自己的内容（给了油站就不看城市）",
        examples=[1],
    )
    city: str | None = Field(
        None,
        min_length=1,
        max_length=50,
        title="城市",
        description="首页：全连锁和该城市的内容；本连锁没有油站的城市只有全连锁的。"
        "两个都不给：只有全连锁的",
        examples=["昆明"],
    )


class BannerImageOut(Schema):
    url: str = Field(description="图片地址（JPEG），地址里带内容摘要，可以长期缓存")
    width: int
    height: int


class BannerTarget(Schema):
    page: str = Field(
        description="点击后打开的小程序页面路径，如 /pages/station/station?id=1",
        examples=["/pages/wallet/wallet"],
    )
    tab: bool = Field(description="true：tabBar 页面，用 wx.switchTab 打开；否则 wx.navigateTo")


class BannerOut(Schema):
    id: int
    title: str = Field(description="标题（图片的替代文字，不必叠在图上）")
    scope: Literal["chain", "city", "station"] = SCOPE
    image: BannerImageOut
    target: BannerTarget | None = Field(description="点击后打开的页面；null 为不跳转")
    live_until: str | None = Field(description=f"下线时间（{ISO}）；null 为撤下为止")


BANNER_EXAMPLE = {
    "id": 12,
    "title": "周末加油满 200 减 10",
    "scope": "chain",
    "image": {
        "url": "https://jiayou.example.com/api/v1/banner-images/7?v=9f2c1a7b3d4e",
        "width": 750,
        "height": 300,
    },
    "target": {"page": "/pages/wallet/wallet", "tab": False},
    "live_until": "2026-03-31T23:59:00+08:00",
}


class BannerList(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            **BANNER_EXAMPLE,
                            "id": 15,
                            "title": "本站洗车 5 折",
                            "scope": "station",
                            "target": {"page": "/pages/station/station?id=1", "tab": False},
                            "live_until": None,
                        },
                        BANNER_EXAMPLE,
                    ]
                }
            ]
        }
    )

    items: list[BannerOut] = Field(
        description="此刻在展示的横幅，按轮播顺序：本站的、本城市的、全连锁的，"
        "各自按排序；最多 10 个"
    )


class StationPriceChange(Schema):
    id: int
    name: str
    list_price_fen: int = Field(description="该站调整后的挂牌价，" + FEN + "/升")
    previous_list_price_fen: int = Field(description="该站调整前的挂牌价，" + FEN + "/升")
    member_price_fen: int = Field(description="该站调整后的会员价，" + FEN + "/升")
    previous_member_price_fen: int = Field(description="该站调整前的会员价，" + FEN + "/升")


class PriceChangeOut(Schema):
    fuel_code: str = Field(description="油品代码，如 92、0")
    fuel_name: str
    effective_at: str = Field(description=f"生效时间（{ISO}）")
    in_effect: bool = Field(description="true：已生效（24 小时内）；false：即将生效")
    list_price_fen: int = Field(description="调整后的挂牌价，" + FEN + "/升")
    previous_list_price_fen: int = Field(description="调整前的挂牌价，" + FEN + "/升")
    change_fen: int = Field(description="挂牌价变化，" + FEN + "/升，涨为正、降为负")
    member_price_fen: int = Field(description="调整后的会员价，" + FEN + "/升")
    previous_member_price_fen: int = Field(description="调整前的会员价，" + FEN + "/升")
    stations: list[StationPriceChange] = Field(
        description="同一时间、同一油品、涨跌相同的油站，各带本站的价格；"
        "上面的价格是第一个油站的（各站挂牌价不同时，text 写出价格区间）"
    )


class NoticeOut(Schema):
    kind: Literal["announcement", "price_change"] = Field(
        description="announcement 公告；price_change 调价通知（由已排定的调价生成）"
    )
    id: str = Field(description="在列表中唯一（公告 a 开头，调价 p 开头），可作 wx:key")
    title: str
    text: str = Field(
        description="正文；调价通知如「3月5日 24:00 起 92# 调整为 7.85 元/升（+0.12）」"
    )
    pinned: bool = Field(description="置顶的公告")
    scope: Literal["chain", "city", "station"] = SCOPE
    published_at: str = Field(description=f"公告的上线时间，调价的生效时间（{ISO}）")
    price_change: PriceChangeOut | None = Field(description="调价通知的明细；公告为 null")


NOTICE_EXAMPLE = {
    "kind": "announcement",
    "id": "a3",
    "title": "春节营业时间",
    "text": "除夕 18:00 至初一 08:00 暂停营业，其余时间照常。",
    "pinned": True,
    "scope": "chain",
    "published_at": "2026-02-10T09:00:00+08:00",
    "price_change": None,
}
PRICE_NOTICE_EXAMPLE = {
    "kind": "price_change",
    "id": "p281",
    "title": "92#汽油调价",
    "text": "3月5日 24:00 起 92# 调整为 7.85 元/升（+0.12）",
    "pinned": False,
    "scope": "station",
    "published_at": "2026-03-06T00:00:00+08:00",
    "price_change": {
        "fuel_code": "92",
        "fuel_name": "92#汽油",
        "effective_at": "2026-03-06T00:00:00+08:00",
        "in_effect": False,
        "list_price_fen": 785,
        "previous_list_price_fen": 773,
        "change_fen": 12,
        "member_price_fen": 765,
        "previous_member_price_fen": 753,
        "stations": [
            {
                "id": 1,
                "name": "昆明北京路加油站",
                "list_price_fen": 785,
                "previous_list_price_fen": 773,
                "member_price_fen": 765,
                "previous_member_price_fen": 753,
            }
        ],
    },
}


class NoticeList(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [NOTICE_EXAMPLE, PRICE_NOTICE_EXAMPLE]}]}
    )

    items: list[NoticeOut] = Field(
        description="置顶公告在前，其余按时间从新到旧（调价按生效时间，即将生效的在前）；最多 50 条"
    )

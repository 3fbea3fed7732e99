"""Notices: the chain's, a city's or a station's announcements and price-change notices."""

from app.api import bp
from app.api.banner_schemas import ContentQuery, NoticeList
from app.jsonapi.openapi import api_route
from app.jsonapi.parsing import parse_query
from app.services.marketing import live_content


@api_route(
    bp,
    "/notices",
    "GET",
    summary="公告和调价通知",
    description="首页按城市（city）、油站详情页按油站（station_id）取此刻的公告，以及由已排定的调价"
    "生成的调价通知（即将生效的和 24 小时内生效的；按城市时，同样调价的油站合为一条）。"
    "置顶公告在前，其余从新到旧；停用或不存在的油站答 404。不需要登录。",
    tag="marketing",
    query=ContentQuery,
    response=NoticeList,
    errors=("not_found", "chain_not_configured"),
)
def live_notices():
    q = parse_query(ContentQuery)
    return {"items": live_content.live_notices(q.station_id, q.city)}

"""Stations near the driver, one station's detail, and station photos."""

from flask import Response, current_app, request

from app.api import bp, render
from app.api.schemas import StationDetail, StationPage, StationSearchQuery
from app.jsonapi.openapi import api_route
from app.jsonapi.parsing import parse_query
from app.models.base import utcnow
from app.services import catalogue

PHOTO_CACHE = "public, max-age=31536000, immutable"


@api_route(
    bp,
    "/stations",
    "GET",
    summary="附近的油站，由近及远",
    description="在 radius_m 米内营业或不营业的油站，由近及远分页；fuel 只看卖该油品的油站；"
    "q 按名称、城市或地址在全链查找（此时不限半径）。"
    "价格是此刻生效的挂牌价和会员价。不需要登录。",
    tag="stations",
    query=StationSearchQuery,
    response=StationPage,
    errors=("chain_not_configured",),
    links={"FirstStation": ("station_detail", {"station_id": "$response.body#/items/0/id"})},
)
def nearby_stations():
    q = parse_query(StationSearchQuery)
    result = catalogue.search_nearby(
        q.lat, q.lng, q.radius_m, q.fuel, q.coord, q.page, q.per_page, name=q.q
    )
    body = render.station_page_json(result, utcnow(), current_app.config["PUBLIC_BASE_URL"])
    return Response(body, mimetype="application/json")


@api_route(
    bp,
    "/stations/<id:station_id>",
    "GET",
    summary="油站详情：油品、价格、油枪、营业时间、照片",
    description="一个油站的全部信息：每种油品此刻的价格和已排定的下一次调价、油枪号、一周的营业时间、"
    "照片。停用的油站答 404。不需要登录。",
    tag="stations",
    response=StationDetail,
    errors=("chain_not_configured",),
    links={"FirstPhoto": ("station_photo", {"photo_id": "$response.body#/photos/0/id"})},
)
def station_detail(station_id: int):
    station = catalogue.get_station(station_id)
    return render.station_detail(station, utcnow(), current_app.config["PUBLIC_BASE_URL"])


@api_route(
    bp,
    "/photos/<id:photo_id>",
    "GET",
    summary="油站照片（图片本身）",
    description="照片的 JPEG 或 PNG 内容。地址里带内容摘要（v=...），可以长期缓存；"
    "带 If-None-Match 且未变化时答 304。不需要登录。",
    tag="stations",
    media_type="image/*",
    errors=("chain_not_configured",),
    also=(304,),
)
def station_photo(photo_id: int):
    photo = catalogue.get_photo(photo_id)
    etag = photo.sha256
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(catalogue.photo_bytes(photo), mimetype=photo.content_type)
    response.set_etag(etag)
    response.headers["Cache-Control"] = PHOTO_CACHE
    return response

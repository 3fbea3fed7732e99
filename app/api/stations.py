"""Stations near the driver, one station's detail, and station photos."""

from flask import Response, current_app, request

from app.api import bp, render
from app.api.openapi import api_route, parse_query
from app.api.schemas import StationDetail, StationPage, StationSearchQuery
from app.models.base import utcnow
from app.services import catalogue

PHOTO_CACHE = "public, max-age=31536000, immutable"


@api_route(
    bp,
    "/stations",
    "GET",
    summary="附近的油站，由近及远",
    tag="stations",
    query=StationSearchQuery,
    response=StationPage,
    statuses=(503,),
)
def nearby_stations():
    q = parse_query(StationSearchQuery)
    result = catalogue.search_nearby(q.lat, q.lng, q.radius_m, q.fuel, q.coord, q.page, q.per_page)
    body = render.station_page_json(result, utcnow(), current_app.config["PUBLIC_BASE_URL"])
    return Response(body, mimetype="application/json")


@api_route(
    bp,
    "/stations/<int:station_id>",
    "GET",
    summary="油站详情：油品、价格、油枪、营业时间、照片",
    tag="stations",
    response=StationDetail,
    statuses=(404,),
)
def station_detail(station_id: int):
    station = catalogue.get_station(station_id)
    return render.station_detail(station, utcnow(), current_app.config["PUBLIC_BASE_URL"])


@api_route(
    bp,
    "/photos/<int:photo_id>",
    "GET",
    summary="油站照片（图片本身）",
    tag="stations",
    media_type="image/*",
    statuses=(304, 404),
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

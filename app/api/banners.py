"""The home carousel's banners and their pictures."""

from flask import Response, current_app, request

from app.api import bp
from app.api.banner_schemas import BannerList, ContentQuery
from app.jsonapi.openapi import api_route
from app.jsonapi.parsing import parse_query
from app.services import catalogue
from app.services.marketing import banner_images, live_content

IMAGE_CACHE = "public, max-age=31536000, immutable"


def banner_json(item: dict, base_url: str) -> dict:
    image = item["image"]
    return {
        **item,
        "image": {
            # The digest in the URL lets clients cache for long and still see a new picture.
            "url": f"{base_url}/api/v1/banner-images/{image['id']}?v={image['sha256'][:12]}",
            "width": image["width"],
            "height": image["height"],
        },
    }


@api_route(
    bp,
    "/banners",
    "GET",
    summary="轮播横幅：此刻在展示的",
    description="首页按城市（city）、油站详情页按油站（station_id）取此刻在展示的横幅，按轮播顺序。"
    "横幅按排定的上线、下线时间自动出现和消失，不必另行通知；停用或不存在的油站答 404。"
    "不需要登录。",
    tag="marketing",
    query=ContentQuery,
    response=BannerList,
    errors=("not_found", "chain_not_configured"),
)
def live_banners():
    q = parse_query(ContentQuery)
    base_url = current_app.config["PUBLIC_BASE_URL"]
    items = live_content.live_banners(q.station_id, q.city)
    return {"items": [banner_json(item, base_url) for item in items]}


@api_route(
    bp,
    "/banner-images/<id:image_id>",
    "GET",
    summary="横幅图片（图片本身）",
    description="横幅的 JPEG 图片。地址里带内容摘要（v=...），可以长期缓存；"
    "带 If-None-Match 且未变化时答 304。只有已上线过的横幅的图片可取。不需要登录。",
    tag="marketing",
    media_type="image/*",
    errors=("chain_not_configured",),
    also=(304,),
)
def banner_image(image_id: int):
    image = banner_images.shown_to_drivers(catalogue.current_chain_id(), image_id)
    if request.if_none_match.contains(image.sha256):
        response = Response(status=304)
    else:
        response = Response(image.data, mimetype=image.content_type)
    response.set_etag(image.sha256)
    response.headers["Cache-Control"] = IMAGE_CACHE
    return response

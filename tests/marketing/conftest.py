"""Marketing tests: the driver through the WeChat sandbox and staff through the console (as the
API and console tests have them); for banners and notices, pictures, fields and the cache."""

import io
from datetime import timedelta

import pytest
from PIL import Image

from app.models.base import utcnow
from app.services.marketing import banners, content_cache, notices
from app.services.marketing.banners import BannerFields
from app.services.marketing.notices import AnnouncementFields
from app.services.platform import clock
from tests.api.conftest import api, driver  # noqa: F401
from tests.conftest import REDIS_URL
from tests.console.conftest import as_staff, console  # noqa: F401

HOUR = timedelta(hours=1)
BANNERS_URL = "/console/marketing/banners"


def picture(width: int = 750, height: int = 300, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (220, 60, 40)).save(out, kind)
    return out.getvalue()


def local(moment) -> str:
    """A moment as a datetime-local input sends it (Beijing time)."""
    return clock.to_local(moment).strftime("%Y-%m-%dT%H:%M")


def banner_form(**changes) -> dict:
    """The banner form's fields as posted (None: left out)."""
    data = {
        "title": "周末加油满200减10",
        "scope": "chain",
        "target": "wallet",
        "live_from": local(utcnow()),
        "image": (io.BytesIO(picture()), "banner.png"),
    }
    return {k: v for k, v in (data | changes).items() if v is not None}


def post_form(staff, url, data):
    return staff.post(url, data, content_type="multipart/form-data")


def banner_fields(**changes) -> BannerFields:
    values = {"title": "周末加油满200减10", "scope": "chain", "live_from": utcnow()}
    return BannerFields(**(values | changes))


def announcement_fields(**changes) -> AnnouncementFields:
    values = {"title": "春节营业时间", "body": "除夕照常营业。", "scope": "chain"}
    return AnnouncementFields(**(values | {"live_from": utcnow()} | changes))


def live_banner(actor, **changes):
    """A published banner, live from now unless told otherwise."""
    banner = banners.create_banner(actor, banner_fields(**changes), picture())
    banners.publish(actor, banner.id)
    return banner


def live_announcement(actor, **changes):
    row = notices.create_announcement(actor, announcement_fields(**changes))
    notices.publish(actor, row.id)
    return row


@pytest.fixture(params=["memory", "redis"])
def cache_mode(request, app, monkeypatch):
    """Each test twice: the embedded mode's memory, and Redis shared by every process."""
    if request.param == "redis":
        monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    yield request.param
    with app.app_context():
        content_cache.clear()


@pytest.fixture
def with_redis(app, monkeypatch, redis_client):
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    yield redis_client
    with app.app_context():
        content_cache.clear()

"""A banner's picture: only a JPG or PNG of the right size and shape is kept (re-encoded, EXIF
dropped); anything else is a 400 naming the field, in Chinese, and nothing is stored."""

import io
import os

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.models import Banner, BannerImage
from app.services.marketing import banners
from app.services.platform.errors import Invalid
from tests.console.conftest import page
from tests.marketing.conftest import BANNERS_URL as URL
from tests.marketing.conftest import banner_fields, live_banner, picture, post_form
from tests.marketing.conftest import banner_form as form

pytestmark = pytest.mark.travel(hour=10)


def noise_png(width: int, height: int) -> bytes:
    """A PNG that does not compress: about 3 bytes a pixel."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "PNG")
    return out.getvalue()


TYPE = "横幅图片：请上传 JPG 或 PNG 图片"
BAD_UPLOADS = [
    pytest.param(lambda: picture(kind="GIF"), TYPE, id="gif"),
    pytest.param(lambda: picture(kind="BMP"), TYPE, id="bmp"),
    pytest.param(lambda: "加油站横幅".encode() * 100, TYPE, id="text"),
    pytest.param(lambda: picture()[:200], TYPE, id="truncated"),
    pytest.param(lambda: noise_png(1500, 600), "横幅图片：文件太大，最大 2 MB", id="too-big"),
    pytest.param(
        lambda: picture(300, 120),
        "横幅图片：至少 600×200 像素（建议 750×300），这张是 300×120",
        id="too-small",
    ),
    pytest.param(
        lambda: picture(800, 800),
        "横幅图片：宽高比应在 3:2 到 4:1 之间（建议 5:2，如 750×300）",
        id="square",
    ),
]


def stored() -> tuple[int, int]:
    db.session.expire_all()
    banners_ = db.session.scalar(select(func.count()).select_from(Banner))
    images = db.session.scalar(select(func.count()).select_from(BannerImage))
    return banners_, images


@pytest.mark.parametrize(("make", "message"), BAD_UPLOADS)
def test_a_bad_picture_is_refused_naming_the_field(as_staff, world, make, message):
    admin = as_staff("admin")
    answer = post_form(admin, URL + "/new", form(image=(io.BytesIO(make()), "banner.png")))
    assert answer.status_code == 400
    assert message in page(answer)
    assert stored() == (0, 0)
    with pytest.raises(Invalid) as refused:
        banners.create_banner(world.admin, banner_fields(), make())
    assert refused.value.fields == {"image": message}
    assert stored() == (0, 0)


@pytest.mark.parametrize(("make", "message"), BAD_UPLOADS[:1] + BAD_UPLOADS[-1:])
def test_a_bad_new_picture_leaves_the_banner_as_it_was(as_staff, world, make, message):
    banner = live_banner(world.admin, title="原样")
    admin = as_staff("admin")
    changed = form(title="改了", image=(io.BytesIO(make()), "banner.png"))
    answer = post_form(admin, f"{URL}/{banner.id}", changed)
    assert answer.status_code == 400 and message in page(answer)
    db.session.expire_all()
    kept = db.session.get(Banner, banner.id)
    assert (kept.title, kept.image_id) == ("原样", banner.image_id)
    assert stored() == (1, 1)


def test_a_good_picture_is_kept_as_a_jpeg_without_its_metadata(world):
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "某品牌手机"  # the camera's maker
    Image.new("RGB", (1000, 400), (10, 120, 200)).save(out, "JPEG", exif=exif)
    banner = banners.create_banner(world.admin, banner_fields(), out.getvalue())
    image = db.session.get(BannerImage, banner.image_id)
    assert (image.content_type, image.width, image.height) == ("image/jpeg", 1000, 400)
    with Image.open(io.BytesIO(image.data)) as kept:
        assert kept.format == "JPEG" and not kept.getexif()

"""A banner's picture: checked (JPG or PNG, size, shape), re-encoded as a station photo is
(catalogue.stations.normalise_image: EXIF dropped, proves it is an image), and served."""

import hashlib
import io

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from app.extensions import db
from app.models import Banner, BannerImage
from app.models.base import utcnow
from app.services.catalogue.stations import normalise_image
from app.services.platform.errors import Invalid, NotFound

MAX_BYTES = 2 * 1024 * 1024
MIN_WIDTH, MIN_HEIGHT = 600, 200
# The carousel is 5:2 (750 x 300 on a 375 pt wide phone); a picture far from it is cropped badly.
MIN_RATIO, MAX_RATIO = 1.5, 4.0
TYPE_MESSAGE = "横幅图片：请上传 JPG 或 PNG 图片"


def prepare(chain_id: int, data: bytes) -> BannerImage:
    """A new image row (not yet added to the session), or Invalid naming the field."""
    if not data:
        raise Invalid({"image": "横幅图片：请选择图片文件"})
    if len(data) > MAX_BYTES:
        raise Invalid({"image": f"横幅图片：文件太大，最大 {MAX_BYTES // (1024 * 1024)} MB"})
    try:
        with Image.open(io.BytesIO(data)) as img:
            kind, (width, height) = img.format, img.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise Invalid({"image": TYPE_MESSAGE}) from None
    if kind not in ("JPEG", "PNG"):
        raise Invalid({"image": TYPE_MESSAGE})
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise Invalid(
            {
                "image": f"横幅图片：至少 {MIN_WIDTH}×{MIN_HEIGHT} 像素（建议 750×300），"
                f"这张是 {width}×{height}"
            }
        )
    if not MIN_RATIO <= width / height <= MAX_RATIO:
        raise Invalid({"image": "横幅图片：宽高比应在 3:2 到 4:1 之间（建议 5:2，如 750×300）"})
    try:
        jpeg, width, height = normalise_image(data)
    except Invalid:
        raise Invalid({"image": TYPE_MESSAGE}) from None
    return BannerImage(
        chain_id=chain_id,
        content_type="image/jpeg",
        width=width,
        height=height,
        sha256=hashlib.sha256(jpeg).hexdigest(),
        data=jpeg,
    )


def for_staff(banner: Banner) -> BannerImage:
    """The image of a banner the caller has already been allowed to see."""
    image = db.session.get(BannerImage, banner.image_id)
    if image is None:
        raise NotFound("图片不存在")
    return image


def shown_to_drivers(chain_id: int, image_id: int) -> BannerImage:
    """An image of a published banner that has gone live (live now or ended): a draft's or a
    scheduled banner's picture is not shown before its time."""
    shown = (
        select(Banner.id)
        .where(
            Banner.chain_id == chain_id,
            Banner.image_id == image_id,
            Banner.status == "published",
            Banner.live_from <= utcnow(),
        )
        .exists()
    )
    image = db.session.scalar(
        select(BannerImage).where(
            BannerImage.id == image_id, BannerImage.chain_id == chain_id, shown
        )
    )
    if image is None:
        raise NotFound("图片不存在")
    return image

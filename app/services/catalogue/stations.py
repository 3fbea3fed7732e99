"""Editing stations: profile, opening hours and photos."""

import hashlib
import io

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Chain, Staff, Station, StationHours, StationPhoto
from app.services.catalogue.entries import hours_text
from app.services.platform import audit
from app.services.platform.clock import WEEKDAY_NAMES
from app.services.platform.errors import Invalid, NotFound
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.access import require_chain_admin, station_for_manager

SERVICE_CHOICES = ["便利店", "洗车", "卫生间", "充电桩", "打气", "餐饮", "休息室", "ETC"]
PROFILE_FIELDS = (
    "name",
    "city",
    "address",
    "phone",
    "lat",
    "lng",
    "services",
    "is_active",
    "fill_up_cap_fen",
    "max_order_fen",
    "refund_approval_threshold_fen",
)
MAX_ORDER_RANGE_FEN = (10_000, 1_000_000)  # 100 元 to 10,000 元 (a truck's diesel)
MAX_PHOTOS = 12
MAX_PHOTO_SIDE = 1600
# Yunnan and its neighbours, generously: catches swapped or mistyped coordinates.
CHINA_LAT, CHINA_LNG = (18.0, 54.0), (73.0, 135.0)


def record_catalogue_change(actor: Staff, action: str, entity_type: str, entity_id, **details):
    """Every catalogue change: audited, and every process's cache told to reload, in the
    caller's transaction."""
    audit.record(actor, action, entity_type, entity_id, **details)
    mark_catalogue_changed(details["chain_id"])


def mark_catalogue_changed(chain_id: int) -> None:
    """Tell every process's catalogue cache to reload (same transaction as the change)."""
    db.session.execute(
        update(Chain)
        .where(Chain.id == chain_id)
        .values(catalogue_version=Chain.catalogue_version + 1)
    )


def _clean_profile(fields: dict) -> dict:
    errors, clean = {}, {}
    for key in ("name", "city", "address"):
        value = str(fields.get(key) or "").strip()
        if not value:
            errors[key] = "必填"
        elif len(value) > (200 if key == "address" else 50):
            errors[key] = "太长了"
        clean[key] = value
    phone = str(fields.get("phone") or "").strip()
    if phone and not all(c.isdigit() or c in "-+ " for c in phone):
        errors["phone"] = "电话只能包含数字和 -"
    clean["phone"] = phone
    for key, (low, high) in (("lat", CHINA_LAT), ("lng", CHINA_LNG)):
        try:
            value = float(fields.get(key))
        except (TypeError, ValueError):
            errors[key] = "请输入数字坐标"
            continue
        if not low <= value <= high:
            errors[key] = f"坐标应在 {low} 到 {high} 之间（GCJ-02）"
        clean[key] = round(value, 6)
    services = list(fields.get("services") or [])
    unknown = [s for s in services if s not in SERVICE_CHOICES]
    if unknown:
        errors["services"] = "未知的服务：" + "、".join(unknown)
    clean["services"] = [s for s in SERVICE_CHOICES if s in services]
    clean["is_active"] = bool(fields.get("is_active"))
    low, high = MAX_ORDER_RANGE_FEN
    max_order = fields.get("max_order_fen", 200_000)
    if not isinstance(max_order, int) or not low <= max_order <= high:
        errors["max_order"] = f"单笔上限应在 {low // 100} 到 {high // 100} 元之间"
        max_order = high
    cap = fields.get("fill_up_cap_fen", 50_000)
    if not isinstance(cap, int) or not 100 <= cap <= max_order:
        errors["fill_up_cap"] = "加满预付上限应在 1 元到单笔上限之间"
    clean["max_order_fen"], clean["fill_up_cap_fen"] = max_order, cap
    if "refund_approval_threshold_fen" in fields:  # absent: kept as it is, or the default
        threshold = fields["refund_approval_threshold_fen"]
        if not isinstance(threshold, int) or not 0 <= threshold <= high:
            errors["refund_approval_threshold"] = f"退款审批金额应在 0 到 {high // 100} 元之间"
        clean["refund_approval_threshold_fen"] = threshold
    if errors:
        raise Invalid(errors)
    return clean


def _profile(station: Station) -> dict:
    return {key: getattr(station, key) for key in PROFILE_FIELDS}


def profile_problems(fields: dict, new_in_chain: int | None = None) -> dict[str, str]:
    """What is wrong with a station's profile, by field; for a new station of a chain, its
    code too."""
    errors = {}
    if new_in_chain is not None:
        code = str(fields.get("code") or "").strip().upper()
        if not code or len(code) > 32 or not code.replace("-", "").isalnum():
            errors["code"] = "编号只能是字母、数字和 -"
        elif db.session.scalar(
            select(Station.id).where(Station.chain_id == new_in_chain, Station.code == code)
        ):
            errors["code"] = "该编号已被使用"
    try:
        _clean_profile(fields)
    except Invalid as err:
        errors.update(err.fields)
    return errors


def create_station(actor: Staff, fields: dict) -> Station:
    require_chain_admin(actor)
    errors = profile_problems(fields, new_in_chain=actor.chain_id)
    if errors:
        raise Invalid(errors)
    code = str(fields.get("code") or "").strip().upper()
    clean = _clean_profile(fields)
    with unit_of_work():
        station = Station(chain_id=actor.chain_id, code=code, **clean)
        db.session.add(station)
        try:
            db.session.flush()
        except IntegrityError:  # the same code, created a moment ago
            raise Invalid({"code": "该编号已被使用"}) from None
        record_catalogue_change(
            actor,
            "station.create",
            "station",
            station.id,
            chain_id=actor.chain_id,
            station_id=station.id,
            after={"code": code, **clean},
        )
    return station


def update_station(actor: Staff, station_id: int, fields: dict) -> Station:
    station = station_for_manager(actor, station_id)
    clean = _clean_profile(fields)
    before = _profile(station)
    with unit_of_work():
        for key, value in clean.items():
            setattr(station, key, value)
        old, new = audit.changes(before, clean)
        if new:
            record_catalogue_change(
                actor,
                "station.update",
                "station",
                station.id,
                chain_id=station.chain_id,
                station_id=station.id,
                before=old,
                after=new,
            )
    return station


def station_hours(station: Station) -> dict[int, tuple[int, int]]:
    return {h.weekday: (h.opens_min, h.closes_min) for h in station.hours}


def set_hours(actor: Staff, station_id: int, hours: dict[int, tuple[int, int] | None]) -> None:
    """Replace the weekly hours; a weekday mapped to None (or missing) is closed all day."""
    station = station_for_manager(actor, station_id)
    errors = {}
    for weekday, span in hours.items():
        if weekday not in range(7):
            errors[f"day{weekday}"] = "星期无效"
        elif span is not None:
            opens, closes = span
            if not (0 <= opens <= 1439 and 1 <= closes <= 1440) or opens == closes:
                errors[f"day{weekday}"] = "营业时间无效：开始和结束不能相同"
    if errors:
        raise Invalid(errors)
    before = _hours_for_people(station_hours(station))
    with unit_of_work():
        station.hours.clear()
        db.session.flush()
        for weekday, span in sorted(hours.items()):
            if span is not None:
                station.hours.append(
                    StationHours(
                        chain_id=station.chain_id,
                        weekday=weekday,
                        opens_min=span[0],
                        closes_min=span[1],
                    )
                )
        before, after = audit.changes(before, _hours_for_people(hours))
        if after:
            record_catalogue_change(
                actor,
                "station.hours",
                "station",
                station.id,
                chain_id=station.chain_id,
                station_id=station.id,
                before=before,
                after=after,
            )


def _hours_for_people(hours: dict) -> dict:
    """{"周一": "07:00-22:00", ..., "周日": "休息"} for the audit log, which people read."""
    return {name: hours_text(hours.get(day)) for day, name in enumerate(WEEKDAY_NAMES)}


def list_photos(station_id: int) -> list[StationPhoto]:
    query = (
        select(StationPhoto)
        .where(StationPhoto.station_id == station_id)
        .order_by(StationPhoto.position, StationPhoto.id)
    )
    return list(db.session.scalars(query))


def normalise_image(data: bytes) -> tuple[bytes, int, int]:
    """Re-encode an upload as a JPEG (drops EXIF, proves it is an image); Invalid otherwise."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            img = ImageOps.exif_transpose(img).convert("RGB")
            img.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
            out = io.BytesIO()
            img.save(out, "JPEG", quality=85, optimize=True)
            return out.getvalue(), img.width, img.height
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise Invalid({"photo": "请上传 JPG 或 PNG 图片"}) from None


def add_photo(actor: Staff, station_id: int, data: bytes, caption: str = "") -> StationPhoto:
    station = station_for_manager(actor, station_id)
    caption = (caption or "").strip()
    if len(caption) > 100:
        raise Invalid({"caption": "说明最多 100 字"})
    existing = list_photos(station.id)
    if len(existing) >= MAX_PHOTOS:
        raise Invalid({"photo": f"每个油站最多 {MAX_PHOTOS} 张照片"})
    jpeg, width, height = normalise_image(data)
    with unit_of_work():
        photo = StationPhoto(
            chain_id=station.chain_id,
            station_id=station.id,
            caption=caption,
            position=max((p.position for p in existing), default=-1) + 1,
            content_type="image/jpeg",
            width=width,
            height=height,
            sha256=hashlib.sha256(jpeg).hexdigest(),
            data=jpeg,
        )
        db.session.add(photo)
        db.session.flush()
        record_catalogue_change(
            actor,
            "photo.add",
            "station_photo",
            photo.id,
            chain_id=station.chain_id,
            station_id=station.id,
            after={"caption": caption, "width": width, "height": height},
        )
    return photo


def get_photo(actor: Staff, station_id: int, photo_id: int) -> StationPhoto:
    station = station_for_manager(actor, station_id)
    photo = db.session.get(StationPhoto, photo_id)
    if photo is None or photo.station_id != station.id:
        raise NotFound("照片不存在")
    return photo


def delete_photo(actor: Staff, station_id: int, photo_id: int) -> None:
    photo = get_photo(actor, station_id, photo_id)
    with unit_of_work():
        record_catalogue_change(
            actor,
            "photo.delete",
            "station_photo",
            photo.id,
            chain_id=photo.chain_id,
            station_id=photo.station_id,
            before={"caption": photo.caption, "sha256": photo.sha256},
        )
        db.session.delete(photo)

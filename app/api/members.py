"""The member's own things: the profile, the vehicles and the member code (会员码)."""

from flask import current_app, g

from app.api import bp
from app.api.auth import require_member
from app.api.idempotent import idempotent
from app.api.member_schemas import (
    MemberCodeOut,
    MeOut,
    VehicleIn,
    VehicleList,
    VehicleOut,
    VehicleUpdate,
)
from app.extensions import limiter
from app.jsonapi.openapi import api_route
from app.jsonapi.parsing import parse_body
from app.jsonapi.render import local_iso
from app.services.members import member_code, profile, vehicles
from app.services.members.vehicles import MAX_VEHICLES, VehicleEntry

# The mini-program asks for the next code this long before the one shown expires.
REFRESH_BEFORE_S = 10
VEHICLE_ERRORS = ("rejected", "plate_taken")


def vehicle_json(entry: VehicleEntry) -> dict:
    return {
        "id": entry.id,
        "plate": entry.plate,
        "name": entry.name,
        "fuel": {"code": entry.fuel_code, "name": entry.fuel_name} if entry.fuel_code else None,
        "is_default": entry.is_default,
        "created_at": local_iso(entry.created_at),
    }


def vehicle_list_json(entries: list[VehicleEntry]) -> dict:
    return {"items": [vehicle_json(e) for e in entries], "max_vehicles": MAX_VEHICLES}


@api_route(
    bp,
    "/me",
    "GET",
    summary="当前会员资料",
    description="当前登录的会员：昵称、手机号（隐去中间四位）、会员等级、车辆数、"
    "同意隐私政策的版本，注册和最近登录时间。等级的进度、钱包等各有自己的接口。",
    tag="auth",
    response=MeOut,
)
@require_member
def me():
    shown = profile.profile(g.member)
    member = shown.member
    consent = None
    if member.consent_version and member.consent_at:
        consent = {"version": member.consent_version, "at": local_iso(member.consent_at)}
    return {
        "id": member.id,
        "nickname": member.nickname,
        "phone": shown.phone_masked,
        "created_at": local_iso(member.created_at),
        "last_login_at": local_iso(member.last_login_at),
        "tier": {"id": shown.tier.id, "name": shown.tier.name} if shown.tier else None,
        "vehicle_count": shown.vehicle_count,
        "consent": consent,
    }


@api_route(
    bp,
    "/vehicles",
    "GET",
    summary="我的车辆",
    description=f"当前会员的车辆（最多 {MAX_VEHICLES} 辆），按添加的先后排列；"
    "is_default 为 true 的是默认车辆，下单不填车牌时用它的车牌。",
    tag="vehicles",
    response=VehicleList,
)
@require_member
def list_vehicles():
    return vehicle_list_json(vehicles.list_vehicles(g.member))


@api_route(
    bp,
    "/vehicles",
    "POST",
    summary="添加车辆",
    description=f"添加一辆车：车牌号必填（按国内号牌规则检查，含新能源 8 位车牌），"
    f"名称和常用油品可不填。最多 {MAX_VEHICLES} 辆（再加答 409 vehicle_limit），"
    "同一车牌不能添加两次（409 plate_taken），油品须是本连锁有的（否则 409 rejected）。"
    "第一辆车自动成为默认车辆；is_default=true 则把这辆设为默认。",
    tag="vehicles",
    body=VehicleIn,
    response=VehicleOut,
    errors=(*VEHICLE_ERRORS, "vehicle_limit"),
    success=201,
)
@require_member
@idempotent
def add_vehicle():
    data = parse_body(VehicleIn)
    entry = vehicles.add_vehicle(
        g.member,
        plate=data.plate,
        name=data.name,
        fuel_code=data.fuel,
        make_default=data.is_default,
    )
    return vehicle_json(entry), 201


@api_route(
    bp,
    "/vehicles/<id:vehicle_id>",
    "PUT",
    summary="修改车辆",
    description="用请求里的车牌号、名称（不填为不设）和常用油品（不填或 null 为不设）"
    "替换这辆车的资料；是否默认不变（用 POST /vehicles/{vehicle_id}/default 设置）。"
    "别人的车辆答 404。"
    "（小程序的 wx.request 不支持 PATCH，所以修改用 PUT。）",
    tag="vehicles",
    body=VehicleUpdate,
    response=VehicleOut,
    errors=VEHICLE_ERRORS,
)
@require_member
@idempotent
def edit_vehicle(vehicle_id: int):
    data = parse_body(VehicleUpdate)
    entry = vehicles.edit_vehicle(
        g.member, vehicle_id, plate=data.plate, name=data.name, fuel_code=data.fuel
    )
    return vehicle_json(entry)


@api_route(
    bp,
    "/vehicles/<id:vehicle_id>",
    "DELETE",
    summary="删除车辆",
    description="删除一辆车，答剩下的车辆。删除的是默认车辆时，剩下的车里最早添加的一辆成为默认。"
    "别人的车辆答 404。",
    tag="vehicles",
    response=VehicleList,
)
@require_member
@idempotent
def delete_vehicle(vehicle_id: int):
    return vehicle_list_json(vehicles.delete_vehicle(g.member, vehicle_id))


@api_route(
    bp,
    "/vehicles/<id:vehicle_id>/default",
    "POST",
    summary="设为默认车辆",
    description="把这辆车设为默认车辆（原来的默认车辆不再是默认），答全部车辆。没有请求体。",
    tag="vehicles",
    response=VehicleList,
)
@require_member
@idempotent
def set_default_vehicle(vehicle_id: int):
    return vehicle_list_json(vehicles.set_default(g.member, vehicle_id))


def member_code_limit() -> str:
    return current_app.config["MEMBER_CODE_RATE_LIMIT"]


def per_member() -> str:
    return f"member-code:{g.member.id}"


@api_route(
    bp,
    "/member-code",
    "GET",
    summary="会员码（到店出示）",
    description="在收银台出示的会员码：18 位数字（88 开头），收银员扫码或手动输入来识别会员。"
    "每次请求都生成一个新码，一分钟内有效（ttl_s），只能用一次；"
    "请在 refresh_after_s 秒后再取一个新码替换显示，旧码在失效前仍然可用，失效后没有任何作用。"
    "答案带 Cache-Control: no-store，不得缓存。按会员限制频率（too_many_requests）。",
    tag="member_code",
    response=MemberCodeOut,
    errors=("too_many_requests",),
)
@require_member
@limiter.limit(member_code_limit, key_func=per_member)
def get_member_code():
    code, expires_at = member_code.issue(g.member)
    ttl = current_app.config["MEMBER_CODE_TTL_S"]
    answer = {
        "code": code,
        "expires_at": local_iso(expires_at),
        "ttl_s": ttl,
        "refresh_after_s": ttl - REFRESH_BEFORE_S,
    }
    return answer, 200, {"Cache-Control": "no-store"}

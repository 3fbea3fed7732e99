"""The audit log of the stations this staff member manages."""

from flask import render_template, request

from app.console import bp
from app.console.web import actor, catalogue_required, fragment, is_partial
from app.services.platform import audit
from app.services.staff import access

ACTION_NAMES = {
    "station.create": "新建油站",
    "station.update": "修改油站资料",
    "station.hours": "修改营业时间",
    "photo.add": "上传照片",
    "photo.delete": "删除照片",
    "fuel.enable": "启用油品",
    "fuel.disable": "停售油品",
    "price.schedule": "调价",
    "price.cancel": "取消调价",
    "nozzle.add": "添加油枪",
    "nozzle.update": "修改油枪",
    "staff.create": "新建员工",
    "staff.enable": "启用员工",
    "staff.disable": "停用员工",
    "staff.reset_password": "重置密码",
    "staff.change_password": "修改本人密码",
}


@bp.get("/audit")
@catalogue_required
def audit_log():
    """Newest first, optionally one station; a manager sees only their stations' rows."""
    me = actor()
    stations = access.managed_stations(me)
    station_id = request.args.get("station_id", type=int)
    if station_id is not None:
        access.station_for_manager(me, station_id)
    context = {
        "entries": audit.recent(me, station_id=station_id, limit=200),
        "stations": stations,
        "station_names": {s.id: s.name for s in stations},
        "station_id": station_id,
        "action_names": ACTION_NAMES,
    }
    if is_partial():
        return fragment("console/partials/_audit_rows.html", **context)
    return render_template("console/audit.html", **context)

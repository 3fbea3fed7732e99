"""Excel downloads of the members' lists: search results, a member's top-ups and wallet
ledger. Each checks access as its page does and holds what the page lists (the services
decide: a station's staff get their own stations' records only); phones stay masked."""

from flask import request

from app.console import bp
from app.console.member_forms import MemberSearchForm
from app.console.web import actor
from app.console.xlsx import MAX_ROWS, Yuan, download
from app.models import TOPUP_CHANNELS, TOPUP_STATUSES
from app.models.base import utcnow
from app.services.members import lookup, records
from app.services.platform.clock import to_local
from app.services.platform.errors import Invalid

BATCH = 500


def _stamp() -> str:
    return to_local(utcnow()).strftime("%Y%m%d-%H%M")


def _pages(load, me, member_id):
    """Every row of a member's list, page by page (MAX_ROWS at most)."""
    number = 1
    while True:
        page = load(me, member_id, number, BATCH)
        yield from page.rows
        if not page.has_next or number * BATCH >= MAX_ROWS:
            return
        number += 1


@bp.get("/members/export.xlsx")
def member_search_export():
    me = actor()
    lookup.working_station(me, request.args.get("station_id", type=int))
    form = MemberSearchForm(request.args, meta={"csrf": False})
    if not form.validate():
        raise Invalid({"q": "查找条件有误，请返回修改后再导出"})
    rows = (
        [
            r.member.id,
            r.member.nickname or "微信用户",
            r.phone,
            r.tier_name,
            "、".join(r.plates),
            Yuan(r.principal_fen),
            Yuan(r.bonus_fen),
            "已冻结" if r.frozen else "正常",
            r.member.created_at,
        ]
        for r in lookup.export_rows(me, form.q.data or "", form.kind.data, MAX_ROWS)
    )
    header = [
        "会员号",
        "昵称",
        "手机号",
        "等级",
        "车牌",
        "本金余额（元）",
        "赠送金余额（元）",
        "钱包",
        "注册时间",
    ]
    return download(f"会员查询-{_stamp()}", "会员", header, rows)


@bp.get("/members/<int:member_id>/topups.xlsx")
def member_topups_export(member_id: int):
    me = actor()
    lookup.working_station(me, request.args.get("station_id", type=int))
    lookup.get_member(me, member_id)
    rows = (
        [
            t.topup.topup_no,
            t.topup.created_at,
            TOPUP_CHANNELS.get(t.topup.channel, t.topup.channel),
            t.station_name,
            Yuan(t.topup.principal_fen),
            Yuan(t.topup.bonus_fen),
            _status(t.topup),
            t.topup.pos_reference,
            t.requested_by,
            t.decided_by,
            t.topup.decided_at,
            t.topup.reject_reason,
            t.topup.note,
        ]
        for t in _pages(records.topups, me, member_id)
    )
    header = [
        "充值单号",
        "时间",
        "方式",
        "油站",
        "本金（元）",
        "赠送金（元）",
        "状态",
        "POS 参考号",
        "发起人",
        "审核人",
        "审核时间",
        "驳回原因",
        "备注",
    ]
    return download(f"会员{member_id}-充值记录-{_stamp()}", "充值记录", header, rows)


@bp.get("/members/<int:member_id>/ledger.xlsx")
def member_ledger_export(member_id: int):
    me = actor()
    lookup.working_station(me, request.args.get("station_id", type=int))
    lookup.get_member(me, member_id)
    rows = (
        [
            line.created_at,
            line.kind_name,
            line.order_no,
            line.memo,
            Yuan(line.principal_fen),
            Yuan(line.bonus_fen),
        ]
        for line in _pages(records.ledger_lines, me, member_id)
    )
    header = ["时间", "类型", "订单号", "单号/说明", "本金变动（元）", "赠送金变动（元）"]
    return download(f"会员{member_id}-钱包流水-{_stamp()}", "钱包流水", header, rows)


def _status(topup) -> str:
    if topup.channel in ("cash", "pos") and topup.status == "pending":
        return "待审核"
    if topup.channel == "wechat" and topup.status == "pending":
        return "待支付"
    return TOPUP_STATUSES.get(topup.status, topup.status)

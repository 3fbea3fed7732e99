"""公告与调价通知 in the console: announcements (list filtered by scope and state, paged, exported;
a form; publish and withdraw) and a read-only list of the price-change notices drivers are shown
now, made from the scheduled prices. For managers and chain admins; the marketing services decide
who may change which."""

from flask import flash, render_template, request, url_for

from app.console import bp
from app.console.banner_forms import AnnouncementForm
from app.console.banners import back_url, list_filters, scope_choices, stamp
from app.console.web import (
    actor,
    catalogue_required,
    done,
    fragment,
    has_errors,
    is_partial,
    show_errors,
)
from app.console.xlsx import MAX_ROWS, Yuan, download
from app.models.base import utcnow
from app.services.marketing import content_scope, notices, price_notices
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid

PER_PAGE = 20
LIST_PATH = "/console/marketing/notices"


@bp.get("/marketing/notices")
@catalogue_required
def notice_list():
    me = actor()
    scope_choice, state, number = list_filters()
    page = notices.list_announcements(me, scope_choice, state, number, PER_PAGE)

    def page_url(n: int) -> str:
        filters = {"scope": scope_choice or None, "state": state or None}
        return url_for("console.notice_list", **filters, page=n)

    context = {
        "page": page,
        "scope_choice": scope_choice,
        "state": state,
        "scopes": scope_choices(me),
        "states": content_scope.STATE_NAMES,
        "page_url": page_url,
        "here": request.full_path.rstrip("?"),
    }
    if is_partial():
        return fragment("console/marketing/notices_rows.html", **context)
    return render_template("console/marketing/notices_list.html", **context)


@bp.get("/marketing/notices/export.xlsx")
@catalogue_required
def notice_export():
    me = actor()
    scope_choice, state, _ = list_filters()
    rows = (
        [
            r.announcement.id,
            r.announcement.title,
            r.announcement.body,
            r.scope_label,
            content_scope.STATE_NAMES[r.state],
            "是" if r.announcement.pinned else "否",
            r.announcement.live_from,
            r.announcement.live_until,
            r.created_by,
            r.announcement.created_at,
        ]
        for r in notices.export_rows(me, scope_choice, state, MAX_ROWS)
    )
    header = ["编号", "标题", "内容", "展示范围", "状态", "置顶"]
    header += ["上线时间", "下线时间", "创建人", "创建时间"]
    return download(f"公告-{stamp()}", "公告", header, rows)


def _form_page(form, row=None, status: int = 200):
    return render_template("console/marketing/notices_form.html", form=form, row=row), status


def _save(form: AnnouncementForm, save):
    form.validate()
    values = form.values()
    show_errors(form, notices.problems(actor(), values))
    if has_errors(form):
        return None
    try:
        return save(values)
    except Invalid as err:
        show_errors(form, err)
        return None


@bp.route("/marketing/notices/new", methods=["GET", "POST"])
@catalogue_required
def notice_new():
    me = actor()
    content_scope.require_editor(me)
    if request.method == "GET":
        form = AnnouncementForm(formdata=None)
        form.offer(me)
        form.scope.data = "chain" if me.role == "chain_admin" else "station"
        form.live_from.data = to_local(utcnow()).strftime("%Y-%m-%dT%H:%M")
        return _form_page(form)
    form = AnnouncementForm()
    form.offer(me)
    saved = _save(form, lambda values: notices.create_announcement(me, values))
    if saved is not None:
        flash(f"已保存公告「{saved.title}」（草稿），发布后按上线时间展示", "success")
        return done(url_for("console.notice_list"))
    return _form_page(form, status=400)


@bp.route("/marketing/notices/<int:announcement_id>", methods=["GET", "POST"])
@catalogue_required
def notice_edit(announcement_id: int):
    me = actor()
    row = notices.get_announcement(me, announcement_id)
    if request.method == "GET":
        form = AnnouncementForm(formdata=None)
        form.offer(me)
        form.fill(row.announcement)
        return _form_page(form, row)
    form = AnnouncementForm()
    form.offer(me)
    saved = _save(form, lambda values: notices.update_announcement(me, announcement_id, values))
    if saved is not None:
        flash("公告已保存", "success")
        return done(url_for("console.notice_list"))
    return _form_page(form, notices.get_announcement(me, announcement_id), 400)


def _act(action, announcement_id: int, message: str):
    try:
        action(actor(), announcement_id)
    except (Conflict, Invalid) as err:
        flash(err.message, "error")
    else:
        flash(message, "success")
    return done(back_url(LIST_PATH))


@bp.post("/marketing/notices/<int:announcement_id>/publish")
@catalogue_required
def notice_publish(announcement_id: int):
    return _act(notices.publish, announcement_id, "公告已发布，到上线时间即在小程序中展示")


@bp.post("/marketing/notices/<int:announcement_id>/withdraw")
@catalogue_required
def notice_withdraw(announcement_id: int):
    return _act(notices.withdraw, announcement_id, "公告已撤下")


@bp.get("/marketing/price-notices")
@catalogue_required
def notice_prices():
    """The price-change notices drivers see now, for the stations this actor runs."""
    content_scope.require_editor(actor())
    now = utcnow()
    found = price_notices.for_staff(actor(), now)
    number = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    page = content_scope.Page(
        found[(number - 1) * PER_PAGE : number * PER_PAGE], number, PER_PAGE, len(found)
    )

    def page_url(n: int) -> str:
        return url_for("console.notice_prices", page=n)

    return render_template(
        "console/marketing/notices_prices.html", page=page, now=now, page_url=page_url
    )


@bp.get("/marketing/price-notices/export.xlsx")
@catalogue_required
def notice_prices_export():
    content_scope.require_editor(actor())
    now = utcnow()
    rows = (
        [
            c.station_name,
            c.fuel_name,
            c.text,
            c.effective_at,
            "已生效" if c.in_effect(now) else "即将生效",
            Yuan(c.previous_list_fen),
            Yuan(c.list_price_fen),
            Yuan(c.previous_member_fen),
            Yuan(c.member_price_fen),
        ]
        for c in price_notices.for_staff(actor(), now)[:MAX_ROWS]
    )
    header = ["油站", "油品", "通知", "生效时间", "状态", "原挂牌价（元/升）", "新挂牌价（元/升）"]
    header += ["原会员价（元/升）", "新会员价（元/升）"]
    return download(f"调价通知-{stamp()}", "调价通知", header, rows)

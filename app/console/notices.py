"""公告与调价通知 in the console: announcements (list filtered by scope and state, paged, exported;
a form; publish and withdraw) and a read-only list of the price-change notices drivers are shown
now, made from the scheduled prices. For managers and chain admins; the marketing services decide
who may change which."""

from flask import flash, render_template, request, url_for

from app.console import bp
from app.console import content_pages as pages
from app.console.banner_forms import AnnouncementForm
from app.console.web import actor, catalogue_required, done
from app.console.xlsx import MAX_ROWS, Yuan, download
from app.models.base import utcnow
from app.services.marketing import content_list, content_scope, notices, price_notices

LIST_PATH = "/console/marketing/notices"


@bp.get("/marketing/notices")
@catalogue_required
def notice_list():
    list_items = notices.list_announcements
    return pages.list_page(list_items, "console.notice_list", "console/marketing/notices")


@bp.get("/marketing/notices/export.xlsx")
@catalogue_required
def notice_export():
    scope_choice, state, _ = pages.list_filters()
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
        for r in notices.export_rows(actor(), scope_choice, state, MAX_ROWS)
    )
    header = ["编号", "标题", "内容", "展示范围", "状态", "置顶"]
    header += ["上线时间", "下线时间", "创建人", "创建时间"]
    return download(f"公告-{pages.stamp()}", "公告", header, rows)


def _form_page(form, row=None, status: int = 200):
    return render_template("console/marketing/notices_form.html", form=form, row=row), status


def _save(form: AnnouncementForm, save):
    form.validate()
    values = form.values()
    return pages.saved(form, notices.problems(actor(), values), lambda: save(values))


@bp.route("/marketing/notices/new", methods=["GET", "POST"])
@catalogue_required
def notice_new():
    me = actor()
    content_scope.require_editor(me)
    form = pages.form_of(AnnouncementForm, me)
    if request.method == "GET":
        return _form_page(form)
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
    form = pages.form_of(AnnouncementForm, me, row.announcement)
    if request.method == "GET":
        return _form_page(form, row)
    saved = _save(form, lambda values: notices.update_announcement(me, announcement_id, values))
    if saved is not None:
        flash("公告已保存", "success")
        return done(url_for("console.notice_list"))
    return _form_page(form, notices.get_announcement(me, announcement_id), 400)


@bp.post("/marketing/notices/<int:announcement_id>/publish")
@catalogue_required
def notice_publish(announcement_id: int):
    message = "公告已发布，到上线时间即在小程序中展示"
    return pages.act(notices.publish, announcement_id, message, LIST_PATH)


@bp.post("/marketing/notices/<int:announcement_id>/withdraw")
@catalogue_required
def notice_withdraw(announcement_id: int):
    return pages.act(notices.withdraw, announcement_id, "公告已撤下", LIST_PATH)


@bp.get("/marketing/price-notices")
@catalogue_required
def notice_prices():
    """The price-change notices drivers see now, for the stations this actor runs."""
    content_scope.require_editor(actor())
    now = utcnow()
    found = price_notices.for_staff(actor(), now)
    number = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    per_page = pages.PER_PAGE
    page = content_list.Page(
        found[(number - 1) * per_page : number * per_page], number, per_page, len(found)
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
    return download(f"调价通知-{pages.stamp()}", "调价通知", header, rows)

"""横幅 in the console: the mini-program's carousel banners. A list (filtered by scope and state,
paged, exported to Excel), a form with the picture and a live preview of the mini-program's
home, publish, withdraw and order. For managers and chain admins; the marketing services decide
who may change which (a manager: only their stations' banners)."""

from flask import flash, render_template, request, url_for

from app.console import bp
from app.console import content_pages as pages
from app.console.banner_forms import BannerForm
from app.console.web import actor, catalogue_required, done
from app.console.xlsx import MAX_ROWS, download
from app.services.marketing import banner_images, banners, content_scope

LIST_PATH = "/console/marketing/banners"


@bp.get("/marketing/banners")
@catalogue_required
def banner_list():
    return pages.list_page(banners.list_banners, "console.banner_list", "console/marketing/banners")


@bp.get("/marketing/banners/export.xlsx")
@catalogue_required
def banner_export():
    scope_choice, state, _ = pages.list_filters()
    rows = (
        [
            r.banner.id,
            r.banner.title,
            r.scope_label,
            content_scope.STATE_NAMES[r.state],
            r.target_label,
            r.banner.sort_order,
            r.banner.live_from,
            r.banner.live_until,
            r.created_by,
            r.banner.created_at,
            r.banner.updated_at,
        ]
        for r in banners.export_rows(actor(), scope_choice, state, MAX_ROWS)
    )
    header = [
        "编号",
        "标题",
        "展示范围",
        "状态",
        "点击后打开",
        "排序",
        "上线时间",
        "下线时间",
        "创建人",
        "创建时间",
        "修改时间",
    ]
    return download(f"横幅-{pages.stamp()}", "横幅", header, rows)


def _form_page(form, banner_row=None, status: int = 200):
    context = {"form": form, "row": banner_row, "targets": banners.TARGETS}
    return render_template("console/marketing/banners_form.html", **context), status


def _save(form: BannerForm, save, new: bool):
    """save(values, picture)'s banner if the form's own checks and the service's pass; None
    otherwise, with every field's error shown at once."""
    form.validate()
    values, picture = form.values(), form.picture()
    problems = banners.problems(actor(), values, picture, new)
    return pages.saved(form, problems, lambda: save(values, picture))


@bp.route("/marketing/banners/new", methods=["GET", "POST"])
@catalogue_required
def banner_new():
    me = actor()
    content_scope.require_editor(me)
    form = pages.form_of(BannerForm, me)
    if request.method == "GET":
        return _form_page(form)
    banner = _save(
        form, lambda values, picture: banners.create_banner(me, values, picture), new=True
    )
    if banner is not None:
        flash(f"已保存横幅「{banner.title}」（草稿），确认预览无误后请发布", "success")
        return done(url_for("console.banner_edit", banner_id=banner.id))
    return _form_page(form, status=400)


@bp.route("/marketing/banners/<int:banner_id>", methods=["GET", "POST"])
@catalogue_required
def banner_edit(banner_id: int):
    me = actor()
    row = banners.get_banner(me, banner_id)
    form = pages.form_of(BannerForm, me, row.banner)
    if request.method == "GET":
        return _form_page(form, row)
    saved = _save(
        form,
        lambda values, picture: banners.update_banner(me, banner_id, values, picture),
        new=False,
    )
    if saved is not None:
        flash("横幅已保存" + ("，小程序中立即生效" if row.state == "live" else ""), "success")
        return done(url_for("console.banner_edit", banner_id=banner_id))
    return _form_page(form, banners.get_banner(me, banner_id), 400)


@bp.post("/marketing/banners/<int:banner_id>/publish")
@catalogue_required
def banner_publish(banner_id: int):
    message = "横幅已发布，到上线时间即在小程序中展示"
    return pages.act(banners.publish, banner_id, message, LIST_PATH)


@bp.post("/marketing/banners/<int:banner_id>/withdraw")
@catalogue_required
def banner_withdraw(banner_id: int):
    return pages.act(banners.withdraw, banner_id, "横幅已撤下，小程序中不再展示", LIST_PATH)


@bp.post("/marketing/banners/<int:banner_id>/move")
@catalogue_required
def banner_move(banner_id: int):
    direction = request.form.get("direction", "")
    return pages.act(
        lambda me, i: banners.move(me, i, direction),
        banner_id,
        "已上移" if direction == "up" else "已下移",
        LIST_PATH,
    )


@bp.get("/marketing/banners/<int:banner_id>/image")
@catalogue_required
def banner_image_for_staff(banner_id: int):
    """A banner's picture, to staff who may see the banner."""
    image = banner_images.for_staff(banners.get_banner(actor(), banner_id).banner)
    headers = {
        "Content-Type": image.content_type,
        "Cache-Control": "private, max-age=3600",
        "ETag": f'"{image.sha256}"',
        "X-Content-Type-Options": "nosniff",
    }
    if image.sha256 in request.if_none_match:
        return "", 304, headers
    return image.data, 200, headers

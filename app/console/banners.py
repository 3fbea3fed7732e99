"""横幅 in the console: the mini-program's carousel banners. A list (filtered by scope and state,
paged, exported to Excel), a form with the picture and a live preview of the mini-program's
home, publish, withdraw and order. For managers and chain admins; the marketing services decide
who may change which (a manager: only their stations' banners)."""

from flask import flash, render_template, request, url_for

from app.console import bp
from app.console.banner_forms import BannerForm
from app.console.web import (
    actor,
    catalogue_required,
    done,
    fragment,
    has_errors,
    is_partial,
    safe_next,
    show_errors,
)
from app.console.xlsx import MAX_ROWS, download
from app.models.base import utcnow
from app.services.marketing import banner_images, banners, content_scope
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid
from app.services.staff import access

PER_PAGE = 20
LIST_PATH = "/console/marketing/banners"


def list_filters() -> tuple[str, str, int]:
    """The scope and state filters and the page number of a list's query string."""
    state = request.args.get("state", "")
    if state not in content_scope.STATE_NAMES:
        state = ""
    page = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    return request.args.get("scope", ""), state, page


def scope_choices(me) -> list[tuple[str, str]]:
    """The list's scope filter: the chain, each city and each station this actor sees."""
    stations = access.managed_stations(me)
    cities = (
        content_scope.cities(me.chain_id)
        if me.role == "chain_admin"
        else sorted({s.city for s in stations})
    )
    return [
        ("", "全部范围"),
        ("chain", "全连锁"),
        *((f"city:{c}", f"城市：{c}") for c in cities),
        *((f"station:{s.id}", f"油站：{s.name}") for s in stations),
    ]


def back_url(default: str) -> str:
    """The list page (with its filters) a form was posted from."""
    target = safe_next(request.form.get("back"))
    return target if target and target.startswith(default) else default


def stamp() -> str:
    return to_local(utcnow()).strftime("%Y%m%d-%H%M")


@bp.get("/marketing/banners")
@catalogue_required
def banner_list():
    me = actor()
    scope_choice, state, number = list_filters()
    page = banners.list_banners(me, scope_choice, state, number, PER_PAGE)

    def page_url(n: int) -> str:
        return url_for(
            "console.banner_list", scope=scope_choice or None, state=state or None, page=n
        )

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
        return fragment("console/marketing/banners_rows.html", **context)
    return render_template("console/marketing/banners_list.html", **context)


@bp.get("/marketing/banners/export.xlsx")
@catalogue_required
def banner_export():
    me = actor()
    scope_choice, state, _ = list_filters()
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
        for r in banners.export_rows(me, scope_choice, state, MAX_ROWS)
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
    return download(f"横幅-{stamp()}", "横幅", header, rows)


def _form_page(form, banner_row=None, status: int = 200):
    context = {"form": form, "row": banner_row, "targets": banners.TARGETS}
    return render_template("console/marketing/banners_form.html", **context), status


def _save(form: BannerForm, save, new: bool):
    """save(values, picture)'s banner if the form's own checks and the service's pass; None
    otherwise, with every field's error shown at once."""
    form.validate()
    values, picture = form.values(), form.picture()
    show_errors(form, banners.problems(actor(), values, picture, new))
    if has_errors(form):
        return None
    try:
        return save(values, picture)
    except Invalid as err:
        show_errors(form, err)
        return None


@bp.route("/marketing/banners/new", methods=["GET", "POST"])
@catalogue_required
def banner_new():
    me = actor()
    content_scope.require_editor(me)
    if request.method == "GET":
        form = BannerForm(formdata=None)
        form.offer(me)
        form.scope.data = "chain" if me.role == "chain_admin" else "station"
        form.live_from.data = to_local(utcnow()).strftime("%Y-%m-%dT%H:%M")
        return _form_page(form)
    form = BannerForm()
    form.offer(me)
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
    if request.method == "GET":
        form = BannerForm(formdata=None)
        form.offer(me)
        form.fill(row.banner)
        return _form_page(form, row)
    form = BannerForm()
    form.offer(me)
    saved = _save(
        form,
        lambda values, picture: banners.update_banner(me, banner_id, values, picture),
        new=False,
    )
    if saved is not None:
        flash("横幅已保存" + ("，小程序中立即生效" if row.state == "live" else ""), "success")
        return done(url_for("console.banner_edit", banner_id=banner_id))
    return _form_page(form, banners.get_banner(me, banner_id), 400)


def _act(action, banner_id: int, message: str):
    try:
        action(actor(), banner_id)
    except (Conflict, Invalid) as err:
        flash(err.message, "error")
    else:
        flash(message, "success")
    return done(back_url(LIST_PATH))


@bp.post("/marketing/banners/<int:banner_id>/publish")
@catalogue_required
def banner_publish(banner_id: int):
    return _act(banners.publish, banner_id, "横幅已发布，到上线时间即在小程序中展示")


@bp.post("/marketing/banners/<int:banner_id>/withdraw")
@catalogue_required
def banner_withdraw(banner_id: int):
    return _act(banners.withdraw, banner_id, "横幅已撤下，小程序中不再展示")


@bp.post("/marketing/banners/<int:banner_id>/move")
@catalogue_required
def banner_move(banner_id: int):
    direction = request.form.get("direction", "")
    return _act(
        lambda me, i: banners.move(me, i, direction),
        banner_id,
        "已上移" if direction == "up" else "已下移",
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

"""充值卡 in the console: card batches (list, create, a batch's cards), the one-time secret sheet,
the Excel export of a batch's cards, voiding a card or a batch. Selling a card at the counter
is card_sales.

The secret sheet: creating a batch answers a redirect to its page and hands the batch's secret
seed (recharge_cards.create_batch; never stored on the server) to this browser only, in a
cookie limited to the sheet's URL (HttpOnly, SameSite=Strict, SHEET_WINDOW long). The page's
download button posts there; the sheet is rebuilt from the seed in that one request, once
(compare-and-set on the batch), and the cookie is deleted. Another browser, a second click or a
late one gets the batch page with the reason; a lost sheet means voiding the batch."""

import io
from datetime import timedelta

from flask import abort, flash, render_template, request, send_file, url_for
from wtforms import SelectChoice

from app.console import bp
from app.console.card_forms import CHAIN_WIDE, BatchForm, CardFilterForm, ReasonForm, SheetForm
from app.console.card_sheets import XLSX, export_sheet, file_name, secrets_sheet
from app.console.web import (
    actor,
    catalogue_required,
    done,
    fragment,
    has_errors,
    is_partial,
    show_errors,
)
from app.models import CARD_STATUSES
from app.models.base import utcnow
from app.services.members import card_queries, card_voids, recharge_cards
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid, ServiceError
from app.services.platform.money import fen_to_yuan
from app.services.staff import access

BATCHES_PER_PAGE = 20
CARDS_PER_PAGE = 50
SEED_COOKIE = "card_sheet_seed"
FIELD_ALIASES = {"face_fen": "face", "expires_at": "expires_on"}


@bp.app_template_filter("card_last_day")
def card_last_day(expires_at) -> str:
    """The last day a card is valid (expires_at is the midnight that ends it), in Shanghai."""
    return (to_local(expires_at) - timedelta(seconds=1)).strftime("%Y-%m-%d")


def _page_number() -> int:
    return min(max(request.args.get("page", 1, type=int), 1), 100_000)


@bp.get("/cards")
@catalogue_required
def card_batches():
    """The batches this manager may see, newest first."""
    me = actor()
    station_id = request.args.get("station_id", type=int)
    page = card_queries.batches(me, station_id, _page_number(), BATCHES_PER_PAGE)

    def page_url(number: int) -> str:
        return url_for("console.card_batches", station_id=station_id, page=number)

    context = {
        "page": page,
        "stations": access.managed_stations(me),
        "station_id": station_id,
        "page_url": page_url,
        "statuses": CARD_STATUSES,
    }
    if is_partial():
        return fragment("console/cards/partials/_batch_list.html", **context)
    return render_template("console/cards/batches.html", **context)


def _batch_form(posted: bool = False) -> BatchForm:
    me = actor()
    form = BatchForm() if posted else BatchForm(formdata=None)
    choices = [SelectChoice(str(s.id), s.name) for s in access.managed_stations(me)]
    if me.role == "chain_admin":
        choices.insert(0, SelectChoice(CHAIN_WIDE, "全连锁通用（所有油站都可销售）"))
    form.station_id.choices = choices
    return form


@bp.get("/cards/new")
@catalogue_required
def card_batch_new():
    return render_template("console/cards/batch_new.html", form=_batch_form())


@bp.post("/cards/new")
@catalogue_required
def card_batch_create():
    form = _batch_form(posted=True)
    form.validate()
    values = form.values() if not form.station_id.errors else None
    if values is not None:  # every field's error at once: the form's, then the batch rules
        rest = {k: v for k, v in values.items() if k not in ("station_id", "name")}
        show_errors(
            form, recharge_cards.batch_problems(form.name.data, **rest, now=utcnow()), FIELD_ALIASES
        )
    if values is not None and not has_errors(form):
        try:
            made = recharge_cards.create_batch(actor(), **values)
        except Invalid as err:
            show_errors(form, err, FIELD_ALIASES)
        else:
            batch = made.batch
            flash(
                f"已创建批次「{batch.name}」：{batch.count} 张 × {fen_to_yuan(batch.face_fen)} 元。"
                "请立即下载卡密表：只能下载一次，且只能在本浏览器、30 分钟内下载",
                "success",
            )
            response = done(url_for("console.card_batch", batch_id=batch.id))
            response.set_cookie(
                SEED_COOKIE,
                made.seed,
                max_age=int(recharge_cards.SHEET_WINDOW.total_seconds()),
                path=url_for("console.card_sheet", batch_id=batch.id),
                secure=request.is_secure,
                httponly=True,
                samesite="Strict",
            )
            return response
    return render_template("console/cards/batch_new.html", form=form), 400


@bp.get("/cards/<int:batch_id>")
@catalogue_required
def card_batch(batch_id: int):
    """The batch, its counts and actions, and a page of its cards (number search, status)."""
    me = actor()
    filters = CardFilterForm(request.args, meta={"csrf": False})
    view, page, status = None, None, 400
    if filters.validate():
        try:
            view, page = card_queries.cards(
                me,
                batch_id,
                filters.number.data or "",
                filters.status.data or None,
                filters.page.data or 1,
                CARDS_PER_PAGE,
            )
            status = 200
        except Invalid as err:
            show_errors(filters, err)
    if view is None:
        view = card_queries.batch(me, batch_id)

    def page_url(number: int) -> str:
        args = {k: v for k, v in request.args.items() if k != "page" and v}
        return url_for("console.card_batch", batch_id=batch_id, **args, page=number)

    context = {
        "view": view,
        "page": page,
        "filters": filters,
        "statuses": CARD_STATUSES,
        "page_url": page_url,
        "reason_form": ReasonForm(formdata=None),
        "sheet_form": SheetForm(formdata=None),
        "back_args": {k: v for k, v in request.args.items() if v},
    }
    if is_partial():
        return fragment("console/cards/partials/_card_table.html", status, **context)
    return render_template("console/cards/batch.html", **context), status


@bp.post("/cards/<int:batch_id>/sheet")
@catalogue_required
def card_sheet(batch_id: int):
    """The secret sheet, once (see the module's docstring)."""
    me = actor()
    view = card_queries.batch(me, batch_id)  # another station's batch: 403
    if not view.may_manage:
        abort(403)
    try:
        cards = recharge_cards.take_secrets(me, batch_id, request.cookies.get(SEED_COOKIE))
    except ServiceError as err:
        flash(err.message, "error")
        return done(url_for("console.card_batch", batch_id=batch_id))
    response = _xlsx(secrets_sheet(view.batch, cards), file_name(view.batch, "卡密"))
    sheet_path = url_for("console.card_sheet", batch_id=batch_id)
    response.delete_cookie(SEED_COOKIE, path=sheet_path, httponly=True, samesite="Strict")
    return response


@bp.get("/cards/<int:batch_id>/export.xlsx")
@catalogue_required
def card_export(batch_id: int):
    """The batch's cards and what became of each, without their secrets."""
    view, lines = card_queries.export_lines(actor(), batch_id)
    return _xlsx(export_sheet(view.batch, lines), file_name(view.batch, "卡片清单"))


def _xlsx(data: bytes, name: str):
    """An Excel file to save (its Chinese name encoded as RFC 6266 says)."""
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


def _back_to_batch(batch_id: int):
    """To the batch page, with the card filters the form came from."""
    keep = {k: request.form[k] for k in ("number", "status", "page") if request.form.get(k)}
    return done(url_for("console.card_batch", batch_id=batch_id, **keep))


@bp.post("/cards/<int:batch_id>/cards/<int:card_id>/void")
@catalogue_required
def card_void(batch_id: int, card_id: int):
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            card = card_voids.void_card(actor(), card_id, form.reason.data)
        except (Invalid, Conflict) as err:
            flash(err.message, "error")
        else:
            message = f"已作废卡 {card.number}"
            if card.sold_payment:
                place = "POS 撤销" if card.sold_payment == "pos" else "从钱箱退还"
                message += f"；已售出的 {fen_to_yuan(card.face_fen)} 元请{place}给购卡人"
            flash(message, "success")
    else:
        flash("作废原因最多 200 个字", "error")
    return _back_to_batch(batch_id)


@bp.post("/cards/<int:batch_id>/void")
@catalogue_required
def card_batch_void(batch_id: int):
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            result = card_voids.void_batch(actor(), batch_id, form.reason.data)
        except (Invalid, Conflict) as err:
            flash(err.message, "error")
        else:
            message = f"已作废批次：未售出的 {result.new_voided} 张作废"
            if result.sold_voided:
                refunded = fen_to_yuan(result.refunded_fen)
                message += f"，已售出未兑换的 {result.sold_voided} 张作废并退还 {refunded} 元"
            if result.redeemed_kept:
                message += f"，已兑换的 {result.redeemed_kept} 张不能作废、保持不变"
            flash(message, "success")
    else:
        flash("作废原因最多 200 个字", "error")
    return _back_to_batch(batch_id)

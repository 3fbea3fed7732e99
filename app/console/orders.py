"""订单: the orders of the staff member's stations (the chain's for a chain admin), filtered by
the query string, paged, with totals over every match and an Excel export of the same list;
and one order's page (timeline, payment, refunds, ledger legs, who acted, audit entries). The
services decide who sees what (orders.order_search, orders.order_detail)."""

from datetime import timedelta

from flask import render_template, request, url_for

from app.console import bp
from app.console.audit_text import describe
from app.console.web import actor, fragment, is_partial, page_number, typed_args
from app.console.xlsx import SHEET_MAX_ROWS, Yuan, download
from app.models import ORDER_CHANNELS, ORDER_STATUSES
from app.models.base import utcnow
from app.models.order import REFUND_ROUTES
from app.services.catalogue import pricing
from app.services.orders import order_detail, order_search
from app.services.orders.order_search import LABELS, PAYMENT_METHODS
from app.services.platform.clock import to_local
from app.services.platform.errors import Invalid

FIRST_VISIT_DAYS = 7
WORDS = {
    "statuses": ORDER_STATUSES,
    "channels": ORDER_CHANNELS,
    "methods": PAYMENT_METHODS,
}


def _filter_args() -> dict[str, str]:
    """The filters as typed, blanks dropped: for the form, the pager and the export link. A first
    visit (no query string) opens on the last week, shown in the form's dates: what the counter
    looks for, and at a chain's size what its totals can add up at once (docs/benchmarks.md)."""
    if not request.args:
        today = to_local(utcnow()).date()
        first = today - timedelta(days=FIRST_VISIT_DAYS - 1)
        return {"day_from": first.isoformat(), "day_to": today.isoformat()}
    return typed_args(order_search.FILTER_NAMES)


def _page_arg(number: int) -> dict:
    return {"page": number} if number > 1 else {}


def _list_context() -> tuple[dict, int]:
    me = actor()
    stations = order_search.stations_for(me)  # refuses an attendant before anything else
    args = _filter_args()
    page, errors = None, {}
    try:
        filters = order_search.read_filters(args)
        page = order_search.search(
            me, filters, page_number(order_search.MAX_PAGE), order_search.PER_PAGE
        )
    except Invalid as err:
        errors = err.fields
    context = {
        "args": args,
        "errors": errors,
        "labels": LABELS,
        "page": page,
        "station_choices": [(s.id, s.name) for s in stations],
        "fuel_choices": [(f.id, f.name) for f in pricing.chain_fuels(me.chain_id)],
        "page_url": lambda n: url_for("console.order_list", **args, **_page_arg(n)),
        "export_url": url_for("console.order_export", **args),
        **WORDS,
    }
    return context, 200 if page else 400


@bp.get("/orders")
def order_list():
    """The filter form's changes refresh the table (HTMX); without it, a plain GET form."""
    context, status = _list_context()
    if is_partial():
        return fragment("console/orders/partials/_list.html", status, **context)
    return render_template("console/orders/list.html", **context), status


@bp.get("/orders/<int:order_id>")
def order_page(order_id: int):
    me = actor()
    found = order_detail.detail(me, order_id)
    return render_template(
        "console/orders/order.html",
        d=found,
        o=found.order,
        audit_lines=describe(found.audit, me.chain_id),
        refund_kinds=order_detail.REFUND_KINDS,
        refund_statuses=order_detail.REFUND_STATUSES,
        refund_routes=REFUND_ROUTES,
        back_url=url_for("console.order_list", **_filter_args()),
        **WORDS,
    )


HEADER = [
    "下单时间",
    "订单号",
    "油站",
    "油品",
    "枪号",
    "车牌",
    "手机号",
    "渠道",
    "支付方式",
    "状态",
    "应付（元）",
    "实付（元）",
    "已退（元）",
    "净收（元）",
    "加油升数",
    "加油金额（元）",
    "加油员",
]


def _litres(ml: int | None):
    return None if ml is None else ml / 1000


@bp.get("/orders/export.xlsx")
def order_export():
    """The list as an Excel sheet, every matching order (SHEET_MAX_ROWS at most) streamed from
    the database into a write-only workbook, with the totals row when the whole list fits."""
    me = actor()
    order_search.stations_for(me)
    filters = order_search.read_filters(request.args)  # Invalid: a 400 page that says why
    sums = order_search.totals(me, filters)
    rows = (
        [
            r.created_at,
            r.order_no,
            r.station_name,
            r.fuel_name,
            r.nozzle,
            r.plate,
            r.phone,
            ORDER_CHANNELS.get(r.channel, r.channel),
            PAYMENT_METHODS.get(r.payment_method or "", "—"),
            ORDER_STATUSES.get(r.status, r.status),
            Yuan(r.amount_fen),
            Yuan(r.paid_fen),
            Yuan(r.refunded_fen),
            Yuan(r.net_fen),
            _litres(r.dispensed_ml),
            None if r.dispensed_fen is None else Yuan(r.dispensed_fen),
            r.fueled_by,
        ]
        for r in order_search.export_rows(me, filters, SHEET_MAX_ROWS + 1)
    )
    if sums.count < SHEET_MAX_ROWS:
        total_row = [f"合计 {sums.count} 笔", *[None] * 10, Yuan(sums.paid_fen)]
        total_row += [Yuan(sums.refunded_fen), Yuan(sums.net_fen), _litres(sums.dispensed_ml)]
        rows = _then(rows, total_row)
    stamp = to_local(utcnow()).strftime("%Y%m%d-%H%M")
    return download(f"订单-{stamp}", "订单", HEADER, rows, SHEET_MAX_ROWS)


def _then(rows, last):
    yield from rows
    yield last

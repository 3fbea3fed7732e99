"""会员: find a member of the chain (phone, plate, nickname, member code) and the member's page:
tier, balances, the wallet's frozen state, vehicles, cards, and paged top-ups, orders and
ledger entries. Who may see what is decided by the services (members.lookup)."""

from flask import current_app, render_template, request, url_for
from sqlalchemy import select
from wtforms import SelectChoice

from app.console import bp
from app.console.member_forms import (
    CounterPayForm,
    CounterTopupForm,
    MemberCodeForm,
    MemberSearchForm,
    ReasonForm,
)
from app.console.web import actor, fragment, go_to, is_partial, show_errors
from app.extensions import db
from app.models import ORDER_STATUSES, TOPUP_CHANNELS, TOPUP_STATUSES, Station
from app.services import catalogue
from app.services.members import counter_topups, lookup, privacy, records, wallet_admin
from app.services.platform.errors import Invalid, ServiceError
from app.services.staff import access

PANELS = {
    "topups": (records.topups, "console/members/partials/_topups.html", "充值记录"),
    "orders": (records.orders, "console/members/partials/_orders.html", "加油订单"),
    "ledger": (records.ledger_lines, "console/members/partials/_ledger.html", "钱包流水"),
}
WORDS = {
    "channels": TOPUP_CHANNELS,
    "topup_statuses": TOPUP_STATUSES,
    "order_statuses": ORDER_STATUSES,
}


@bp.app_context_processor
def member_pages():
    """has_page(endpoint): whether a page is there to link to (the packages page comes with
    members.packages)."""
    return {"has_page": lambda endpoint: endpoint in current_app.view_functions}


@bp.app_template_filter("mask_phone")
def mask_phone(phone: str | None) -> str:
    return privacy.mask_phone(phone)


def station_arg() -> int | None:
    return request.args.get("station_id", type=int)


def _search_url(**changes) -> str:
    """The search page with the same query, some arguments changed (None drops one)."""
    args = {k: v for k, v in request.args.items() if v}
    args.update(changes)
    return url_for("console.member_search", **{k: v for k, v in args.items() if v is not None})


def _query_args() -> dict:
    return {k: v for k, v in request.args.items() if v and k != "page"}


@bp.get("/members")
def member_search():
    """Search as typed; an empty box shows the form only."""
    me = actor()
    station = lookup.working_station(me, station_arg())
    form = MemberSearchForm(request.args, meta={"csrf": False})
    results, status = None, 200
    if (form.q.data or "").strip():
        if form.validate():
            try:
                results = lookup.search(me, form.q.data, form.kind.data, form.page.data or 1)
            except Invalid as err:
                show_errors(form, err)
        if results is None:
            status = 400
    context = {
        "form": form,
        "code_form": MemberCodeForm(formdata=None),
        "results": results,
        "problems": [m for f in form for m in f.errors] + getattr(form, "form_errors", []),
        "station": station,
        "page_url": lambda n: _search_url(page=n if n > 1 else None),
        "export_url": url_for("console.member_search_export", **_query_args()),
        **counter_pay_context(me, station),
    }
    if is_partial():
        return fragment("console/members/partials/_results.html", status, **context)
    return render_template("console/members/search.html", **context), status


@bp.post("/members/identify")
def member_identify():
    """The member code scanned or typed at the counter: straight to that member's page."""
    me = actor()
    form = MemberCodeForm()
    station = lookup.working_station(me, request.form.get("station_id", type=int))
    if form.validate_on_submit():
        try:
            member = lookup.identify_by_code(me, form.code.data, station)
        except Invalid as err:
            show_errors(form, err, aliases={"": "code"})
        except ServiceError as err:  # unknown, used, expired or locked out: said in words
            show_errors(form, {"code": err.message})
        else:
            return go_to(url_for("console.member_page", member_id=member.id))
    context = {
        "form": MemberSearchForm(formdata=None),
        "code_form": form,
        "results": None,
        "problems": [],
        "station": station,
        "page_url": lambda n: "",
        "export_url": "",
        **counter_pay_context(me, station),
    }
    return render_template("console/members/search.html", **context), 400


def counter_pay_context(me, station, form: CounterPayForm | None = None) -> dict:
    """The 会员码付款 card: the working station's nozzles in use (enabled, fuel on sale); with
    no working station chosen, the staff member's stations to choose from."""
    form = form or CounterPayForm(formdata=None)
    entry = None
    if station is not None:
        stations = catalogue.for_chain(me.chain_id)
        entry = stations.stations.get(station.id) if stations else None
    nozzles = entry.nozzles if entry else ()
    form.nozzle.choices = [
        SelectChoice(n.number, f"{n.number} 号枪 · {n.fuel_name}") for n in nozzles
    ]
    return {"pay_form": form, "pay_stations": [] if station else _my_stations(me)}


def member_context(member_id: int, **overrides) -> dict:
    """Everything the member's page shows, for the page and for the fragments that redo part
    of it after an action."""
    me = actor()
    station = lookup.working_station(me, station_arg() or request.form.get("station_id", type=int))
    summary = records.summary(me, member_id)
    context = {
        "s": summary,
        "member": summary.member,
        "station": station,
        "may_freeze": wallet_admin.may_freeze(me),
        "reason_form": ReasonForm(formdata=None),
        "panel_url": panel_url,
        **WORDS,
    }
    for name, (load, _, _) in PANELS.items():
        context[name] = load(me, member_id)
    context.update(topup_form_context(me, station))
    context.update(overrides)
    return context


def topup_form_context(me, station, form: CounterTopupForm | None = None) -> dict:
    """The counter top-up form: the stations the staff member may record one at (theirs) and
    the packages with a bonus there."""
    if me.role not in counter_topups.REQUEST_ROLES:
        return {"topup_form": None}
    stations = [station] if station else _my_stations(me)
    packages = []
    for st in stations:
        for package in counter_topups.counter_packages(me, st.id):
            if all(p.id != package.id for p, _ in packages):
                packages.append((package, None if package.station_id is None else st.name))
    if form is None:
        form = CounterTopupForm(formdata=None, data={"channel": "cash"})
        form.request_no.data = counter_topups.new_request_no()
    form.station_id.choices = [SelectChoice(st.id, st.name) for st in stations]
    if station is not None:
        form.station_id.data = station.id
    return {"topup_form": form, "topup_stations": stations, "topup_packages": packages}


def _my_stations(me) -> list[Station]:
    ids = access.visible_station_ids(me) or {-1}
    query = select(Station).where(Station.id.in_(ids)).order_by(Station.code)
    return list(db.session.scalars(query))


def panel_url(member_id: int, panel: str, number: int = 1, station=None) -> str:
    args = {"page": number} if number > 1 else {}
    if station is not None:
        args["station_id"] = station.id
    return url_for("console.member_panel", member_id=member_id, panel=panel, **args)


@bp.get("/members/<int:member_id>")
def member_page(member_id: int):
    return render_template("console/members/member.html", **member_context(member_id))


@bp.get("/members/<int:member_id>/<any(topups, orders, ledger):panel>")
def member_panel(member_id: int, panel: str):
    """One of the member's lists at a page: a fragment for HTMX, else a page of its own."""
    me = actor()
    station = lookup.working_station(me, station_arg())
    load, template, title = PANELS[panel]
    number = max(request.args.get("page", 1, type=int), 1)
    summary = records.summary(me, member_id)
    context = {
        "s": summary,
        "member": summary.member,
        "station": station,
        panel: load(me, member_id, number),
        "panel_url": panel_url,
        **WORDS,
    }
    if is_partial():
        return fragment(template, **context)
    return render_template(
        "console/members/list.html", panel=panel, template=template, title=title, **context
    )

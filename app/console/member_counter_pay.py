"""会员码付款: the driver, present at the counter, shows the member code; the cashier picks the
nozzle and how much, and the order is paid from the member's wallet (members.counter_pay)."""

from flask import flash, render_template, request, url_for

from app.console import bp
from app.console.member_forms import CounterPayForm, MemberCodeForm, MemberSearchForm
from app.console.members import counter_pay_context
from app.console.web import actor, done, has_errors, show_errors
from app.services.ledger import InsufficientBalance
from app.services.members import counter_pay, lookup, member_code
from app.services.platform.errors import Invalid, PermissionDenied, ServiceError
from app.services.platform.money import fen_to_yuan

# The services' field names as the form calls them.
ALIASES = {"amount_fen": "amount", "volume_ml": "litres", "fuel": "nozzle"}


@bp.post("/members/counter-pay")
def member_counter_pay():
    me = actor()
    station = lookup.working_station(me, request.form.get("station_id", type=int))
    form = CounterPayForm()
    context = counter_pay_context(me, station, form)
    if form.validate_on_submit():
        if not (form.code.data or "").strip():
            form.code.errors = ["请扫描或输入会员码"]
        if form.nozzle.data is None:
            form.nozzle.errors = ["请选择油枪"]
        amount_fen, volume_ml = form.amount_fen(), form.volume_ml()
        if station is None:
            form.form_errors = ["请先选择您所在的油站，再扫会员码"]
        if not has_errors(form):
            order = _pay(me, station, form, amount_fen, volume_ml)
            if order is not None:
                return _paid(order, form.nozzle.data)
    page = {
        "form": MemberSearchForm(formdata=None),
        "code_form": MemberCodeForm(formdata=None),
        "results": None,
        "problems": [],
        "station": station,
        "page_url": lambda n: "",
        "export_url": "",
        **context,
    }
    return render_template("console/members/search.html", **page), 400


def _pay(me, station, form: CounterPayForm, amount_fen, volume_ml):
    """The order as paid, or None with the refusal put on the form."""
    try:
        return counter_pay.pay_at_counter(
            me,
            station.id,
            form.code.data,
            nozzle_number=form.nozzle.data,
            mode=form.mode.data,
            amount_fen=amount_fen,
            volume_ml=volume_ml,
        )
    except Invalid as err:
        show_errors(form, err, aliases=ALIASES)
    except (member_code.CodeInvalid, member_code.CodeLocked) as err:
        show_errors(form, {"code": err.message})
    except InsufficientBalance:
        show_errors(form, {"": "钱包余额不足，请车主充值后再付，或改用其他方式付款"}, aliases={})
    except PermissionDenied:
        raise  # 403
    except ServiceError as err:  # frozen wallet, station closed, ...: said in words
        show_errors(form, {"": err.message}, aliases={})
    return None


def _paid(order, nozzle_number: int):
    flash(
        f"已从会员钱包付款 ¥{fen_to_yuan(order.amount_fen)}（订单 {order.order_no}，"
        f"{nozzle_number} 号枪）：加油员确认升数后自动结算，多付的退回钱包",
        "success",
    )
    station_id = request.form.get("station_id", type=int)
    args = {"station_id": station_id} if station_id else {}
    return done(url_for("console.member_page", member_id=order.member_id, **args))

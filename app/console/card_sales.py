"""售卡激活: a cashier (or a manager, a chain admin) sells a recharge card at the counter by its
number, paid in cash or by bank card; the card becomes active and its money is booked to the
station's cash drawer or bank-card clearing (recharge_cards.activate_card)."""

from flask import abort, flash, render_template, request, url_for
from wtforms import SelectChoice

from app.console import bp
from app.console.card_forms import SellForm
from app.console.web import actor, done, show_errors
from app.services.members import card_queries, recharge_cards
from app.services.platform.errors import Invalid, ServiceError
from app.services.platform.money import fen_to_yuan


@bp.route("/cards/sell", methods=["GET", "POST"])
def card_sell():
    me = actor()
    stations = card_queries.sell_stations(me)
    if not stations:
        abort(403)
    posted = request.method == "POST"
    form = SellForm() if posted else SellForm(formdata=None)
    form.station_id.choices = [SelectChoice(str(s.id), s.name) for s in stations]
    if not posted:
        wanted = request.args.get("station_id", "")
        ids = [str(s.id) for s in stations]
        form.station_id.data = wanted if wanted in ids else ids[0]
        form.payment.data = "cash"
    status = 200
    if posted:
        status = 400
        if form.validate():
            station_id = int(form.station_id.data)
            values = (form.number.data, form.payment.data, form.pos_reference.data)
            try:
                card = recharge_cards.activate_card(me, station_id, *values)
            except Invalid as err:
                show_errors(form, err)
            except ServiceError as err:  # sold already, void, expired, another station's card
                form.form_errors = [err.message]
                status = err.status
            else:
                how = "现金" if card.sold_payment == "cash" else f"银行卡（{card.pos_reference}）"
                flash(
                    f"卡 {card.number} 已激活：收{how} {fen_to_yuan(card.face_fen)} 元，"
                    "请把卡交给顾客",
                    "success",
                )
                return done(url_for("console.card_sell", station_id=station_id))
    shown = [s.id for s in stations if str(s.id) == form.station_id.data] or [stations[0].id]
    context = {
        "form": form,
        "stations": stations,
        "recent": card_queries.recent_sales(me, shown[0]),
    }
    return render_template("console/cards/sell.html", **context), status

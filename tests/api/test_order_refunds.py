"""The driver's order shows its refunds as they are: one WeChat did not pay out stays owed
until the station follows it up, then the new refund shows next to it."""

from datetime import datetime

from sqlalchemy import select

from app.api.order_schemas import OrderOut
from app.extensions import db
from app.models import Member
from app.services.payments import refund_followup
from tests.api.conftest import wallet_json
from tests.money.helpers import assert_ledger_ok
from tests.money.refund_helpers import owed_refund


def test_order_shows_an_owed_refund_and_its_followups(world, driver, client):
    token = driver.token("o-refund-driver")
    member = db.session.scalar(select(Member).where(Member.openid == "o-refund-driver"))
    headers = {"Authorization": f"Bearer {token}"}
    closed = owed_refund(member, world.station_a, "CLOSED")
    url = f"/api/v1/orders/{closed.order_id}"

    order = OrderOut.model_validate(client.get(url, headers=headers).get_json())
    assert (order.status, order.paid_fen, order.refunded_fen) == ("cancelled", 20000, 20000)
    assert [(r.method, r.status, r.followup) for r in order.refunds] == [("wechat", "CLOSED", None)]

    refund_followup.reissue(world.manager_a, closed.id)
    order = OrderOut.model_validate(client.get(url, headers=headers).get_json())
    assert [(r.method, r.status, r.followup, r.amount_fen) for r in order.refunds] == [
        ("wechat", "CLOSED", "reissued", 20000),
        ("wechat", "PENDING", None, 20000),
    ]
    for refund in order.refunds:
        if refund.finished_at:
            created = datetime.fromisoformat(refund.created_at)
            assert datetime.fromisoformat(refund.finished_at) >= created

    abnormal = owed_refund(member, world.station_a, "ABNORMAL", amount_fen=8000)
    refund_followup.return_to_wallet(world.admin, abnormal.id, "phone", "电话联系，车主同意")
    answer = client.get(f"/api/v1/orders/{abnormal.order_id}", headers=headers).get_json()
    assert [(r["method"], r["status"], r["followup"]) for r in answer["refunds"]] == [
        ("wechat", "ABNORMAL", "wallet"),
        ("wallet", "SUCCESS", None),
    ]
    assert client.get("/api/v1/wallet", headers=headers).get_json() == wallet_json(8000)
    assert_ledger_ok()

"""`flask ledger check` ties out campaigns: what each settled order says its campaigns took off
against the campaign.discount postings, and every first-order discount against the order that
holds it; tampering with either is reported, naming the order."""

import pytest
from sqlalchemy import text

from app.extensions import db
from app.services import ledger
from tests.marketing.campaign_helpers import active_campaign
from tests.marketing.checkout_helpers import fuel, paid, place, settle, wallet_member


@pytest.mark.ledger_tampered
def test_the_check_sees_a_campaign_off_its_postings(app, world):
    member = wallet_member(world)
    active_campaign(world.admin, "spend_off")
    order = settle(fuel(world, paid(world, member, amount_fen=30_000), 30_000))
    assert order.dispensed_campaign_fen == 1_000 and ledger.check() == []
    db.session.execute(
        text(f"UPDATE fuel_order SET dispensed_campaign_fen = 900 WHERE id = {order.id}")
    )
    db.session.commit()
    bad = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert bad.exit_code != 0
    assert f"campaigns of order {order.id}: 1000 in the ledger, 900 on the order" in bad.output


@pytest.mark.ledger_tampered
def test_the_check_sees_a_first_order_discount_nobody_holds(world):
    member = wallet_member(world)
    active_campaign(world.admin, "first_order")
    order = place(world, member)
    assert order.campaign_fen == 1_000 and ledger.check() == []
    db.session.execute(text("DELETE FROM first_order_claim"))
    db.session.commit()
    assert ledger.check() == [f"order {order.id} has a first-order discount nobody holds"]
    db.session.execute(text(f"UPDATE fuel_order SET status = 'expired' WHERE id = {order.id}"))
    db.session.execute(
        text(
            "INSERT INTO first_order_claim (chain_id, member_id, campaign_id, order_id, status,"
            f" held_at) VALUES ({order.chain_id}, {member.id}, {order.campaign_id}, {order.id},"
            " 'held', now())"
        )
    )
    db.session.commit()
    assert ledger.check() == [
        f"first-order discount of member {member.id} is held on order {order.id}, which is expired"
    ]

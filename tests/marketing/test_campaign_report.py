"""A campaign's report against the ledger: orders, litres, discount cost and new members per
station and in all, from the settled orders that got it; the discount cost is what the
campaign.discount postings booked. A manager sees their own stations only; the export carries
the same figures."""

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import LedgerEntry, LedgerTransaction
from app.models.base import utcnow
from app.services import orders, payments
from app.services.counter import walkin_sale
from app.services.counter.walkin_sale import Payment
from app.services.marketing import campaign_report
from tests.counter.helpers import code_for
from tests.marketing.campaign_helpers import active_campaign
from tests.marketing.checkout_helpers import fresh, fuel, paid, settle, wallet_member
from tests.money.helpers import assert_ledger_ok


def booked(campaign_ids=None) -> int:
    """What the campaign.discount postings booked as promotion expense."""
    query = (
        select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            LedgerTransaction.kind == "campaign.discount",
            LedgerEntry.account == "promotion_expense",
        )
    )
    return db.session.scalar(query)


def walk_in(world, litres: int, code: str = ""):
    """A cash sale at station B by its manager."""
    return walkin_sale.record_sale(
        world.manager_b,
        world.station_b.id,
        walkin_sale.new_sale_key(),
        1,
        Payment("cash", 50_000, code=code),
        volume_ml=litres,
    )


@pytest.mark.travel(hour=10)
def test_the_report_ties_out_with_the_ledger(world, travel):
    old = wallet_member(world, "o-old")  # joined before the campaign
    travel.shift(timedelta(days=1))
    campaign = active_campaign(world.admin, "spend_off", name="满200减10")
    new = wallet_member(world, "o-new")
    walker = wallet_member(world, "o-walker")
    amount = {"mode": "amount", "amount_fen": 30_000}
    settle(fuel(world, paid(world, new, **amount), 30_000))  # 224.40 元: 10 元 off
    settle(fuel(world, paid(world, old, **amount), 40_000))  # 299.20 元: 10 元 off
    paid(world, old, **amount)  # paid, not fuelled: not in the report yet
    under = settle(fuel(world, paid(world, old, **amount), 20_000))  # 149.60: no 满减, not in
    assert under.dispensed_campaign_fen == 0
    walk_in(world, 30_000)  # a driver without the member code: 230.40 元, 10 元 off
    walk_in(world, 30_000, code_for(walker))  # a new member at station B
    db.session.commit()

    found = campaign_report.report(world.admin, campaign.id, utcnow())
    lines = {line.station_name: line for line in found.lines}
    a, b = lines["昆明北京路加油站"], lines["大理古城加油站"]
    assert (a.orders, a.litres_ml, a.discount_fen, a.new_members) == (2, 70_000, 2_000, 1)
    assert (b.orders, b.litres_ml, b.discount_fen, b.new_members) == (2, 60_000, 2_000, 1)
    total = found.total
    assert (total.orders, total.litres_ml, total.discount_fen, total.new_members) == (
        4,
        130_000,
        4_000,
        2,
    )
    assert total.discount_fen == booked() == 4_000  # what the ledger says it cost
    mine = campaign_report.report(world.manager_a, campaign.id, utcnow())
    assert [line.station_name for line in mine.lines] == ["昆明北京路加油站"]
    assert (mine.total.orders, mine.total.discount_fen, mine.total.new_members) == (2, 2_000, 1)
    assert_ledger_ok()


@pytest.mark.travel(hour=10)
def test_a_members_day_report_counts_its_saving_per_litre(world, travel):
    campaign = active_campaign(world.admin, "members_day", name="会员日")
    member = wallet_member(world)
    # 30.00 L at 7.48 - 0.30 = 7.18: the day saved 224.40 - 215.40 = 9.00 元.
    order = orders.place_order(
        fresh(member),
        world.station_a.id,
        fuel_code="92",
        nozzle_number=None,
        mode="volume",
        volume_ml=30_000,
    )
    settle(fuel(world, payments.pay_with_wallet(fresh(member), order.id), 30_000))
    found = campaign_report.report(world.admin, campaign.id, utcnow())
    assert [(x.orders, x.litres_ml, x.discount_fen, x.new_members) for x in found.lines] == [
        (1, 30_000, 900, 1)
    ]
    assert booked() == 900
    assert_ledger_ok()


@pytest.mark.travel(hour=10)
def test_the_report_page_and_its_export(as_staff, world):
    campaign = active_campaign(world.admin, "spend_off", name="满200减10")
    walk_in(world, 30_000)
    db.session.commit()
    console = as_staff("admin")
    html = console.get(f"/console/campaigns/{campaign.id}").get_data(as_text=True)
    assert "满200减10" in html and "大理古城加油站" in html and "10.00" in html
    assert "导出 Excel" in html
    response = console.get(f"/console/campaigns/{campaign.id}/report.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["油站", "订单数", "升数", "活动优惠（元）", "新会员"]
    assert rows[1][:4] == ["大理古城加油站", 1, 30, 10]
    assert rows[-1][0] == "合计" and rows[-1][3] == 10
    assert_ledger_ok()

"""A shift's money at the counter comes from the ledger: every cash drawer, card and terminal
clearing entry lands in the shift open when it was posted (or, with none open, in the next one),
the close posts the over/short so the drawer holds what was counted, and a correction posts its
own transaction. The ledger check runs after every test (conftest) and here at the end too."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import SHIFT_ACCOUNTS, LedgerEntry, LedgerTransaction, Shift
from app.services.counter import shifts
from app.services.counter.shifts import handover
from app.services.counter.shifts.readings import Closing
from app.services.counter.walkin_sale import Payment
from app.services.members import card_voids, counter_topups
from app.services.payments import refunds
from tests.console.conftest import page
from tests.console.member_helpers import driver, pending
from tests.counter.helpers import order_of, sell
from tests.money.card_helpers import account_total, card, new_batch, sold_card
from tests.money.helpers import assert_ledger_ok
from tests.shifts.conftest import L

pytestmark = pytest.mark.travel(hour=8)


def unchanged(pumps) -> dict:
    """Closing readings equal to the openings (the walk-in sales name no totalizer here)."""
    return pumps.closings(n1=Closing(100_000 * L), n2=Closing(50_000 * L), n5=Closing(20_000 * L))


def drawer_of(shift_id: int) -> int:
    """What the shift's cash drawer entries add up to, its close's postings included."""
    return db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0)).where(
            LedgerEntry.shift_id == shift_id, LedgerEntry.account == "cash_drawer"
        )
    )


def counter_entries_outside(shift_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(LedgerEntry)
        .where(
            LedgerEntry.account.in_(SHIFT_ACCOUNTS),
            LedgerEntry.shift_id.is_distinct_from(shift_id),
        )
    )


def every_kind_of_movement(world):
    """Walk-in sales (cash 153.60, card 100, terminal 50), top-ups (cash 500, card 300), three
    cards of 100 sold (two in cash, one by card) and a cash one voided, and 10 元 of the cash
    sale refunded."""
    cash = order_of(sell(world, Payment("cash", received_fen=20_000), nozzle=1, litres=20 * L))
    sell(world, Payment("pos", reference="6688"), nozzle=2, amount=10_000)
    sell(world, Payment("terminal", reference="W1", terminal_app="wechat"), amount=5_000)
    member = driver(world, "王师傅", "13900002222")
    for amount, channel in ((50_000, "cash"), (30_000, "pos")):
        topup = pending(world, member, amount, channel=channel)
        counter_topups.approve_counter_topup(world.manager_a, topup.id)
    made = new_batch(world.manager_a, world.station_a, count=3)
    first, _ = sold_card(world.cashier_a, world.station_a, made, 0)
    sold_card(world.cashier_a, world.station_a, made, 1)
    sold_card(world.cashier_a, world.station_a, made, 2, payment="pos", pos_reference="P9")
    card_voids.void_card(world.manager_a, card(first).id, "售错卡")
    refunds.refund_order(world.cashier_a, cash.id, 1_000, "多收 10 元")


def test_every_kind_of_counter_money_lands_in_the_open_shift(pumps, travel):
    world = pumps.world
    shift = pumps.open()
    travel.shift(timedelta(minutes=10))
    every_kind_of_movement(world)
    assert counter_entries_outside(shift.id) == 0

    figures = handover.live_report(world.cashier_a, shift)
    lines = {m.name: (m.count, m.fen) for m in figures.drawer.movements}
    assert lines == {
        "加油收款": (3, {"cash": 15_360, "pos": 10_000, "terminal": 5_000}),
        "会员充值": (2, {"cash": 50_000, "pos": 30_000, "terminal": 0}),
        "售出充值卡": (3, {"cash": 20_000, "pos": 10_000, "terminal": 0}),
        "作废充值卡退款": (1, {"cash": -10_000, "pos": 0, "terminal": 0}),
        "退款付出": (1, {"cash": -1_000, "pos": 0, "terminal": 0}),
    }
    assert figures.expected_cash_fen == 15_360 + 50_000 + 20_000 - 10_000 - 1_000
    assert (figures.drawer.card_fen, figures.drawer.terminal_fen) == (50_000, 5_000)

    travel.shift(timedelta(hours=1))
    counted = figures.expected_cash_fen + 500
    closed = shifts.close_shift(world.cashier_a, shift.id, unchanged(pumps), counted, "多 5 元")
    assert (closed.expected_cash_fen, closed.over_short_fen) == (74_360, 500)
    # The close made the drawer match the count: the 长款 went to cash_over_short.
    assert drawer_of(shift.id) == counted
    assert account_total("cash_over_short", world.station_a.id) == -500
    over = db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.kind == "shift.over_short")
    ).one()
    assert over.memo == f"交接班 #{shift.id} 长短款"
    db.session.expire_all()
    slip = handover.live_report(world.cashier_a, closed)
    assert slip.expected_cash_fen == 74_360  # the close's own posting is kept apart
    assert [(m.name, m.cash_fen) for m in slip.drawer.closes] == [("长短款记账", 500)]
    assert_ledger_ok()


def test_the_slip_and_its_sheet_show_the_drawer_by_kind(console, pumps, travel):
    world = pumps.world
    shift = pumps.open()
    every_kind_of_movement(world)
    travel.shift(timedelta(hours=1))
    shifts.close_shift(world.cashier_a, shift.id, unchanged(pumps), 74_000, "少 3.60 元")
    assert console.login("cashier_a").status_code == 303
    html = page(console.get(f"/console/shifts/{shift.id}"))
    assert "钱箱与清算" in html and "会员充值" in html and "作废充值卡退款" in html
    assert "-100.00" in html and "-10.00" in html and "743.60" in html  # void, refund, cash
    assert "500.00" in html and "50.00" in html  # card and terminal totals to reconcile
    assert "长短款记账" in html and "短款 ¥3.60" in html
    sheet = console.get(f"/console/shifts/{shift.id}.xlsx")
    assert sheet.status_code == 200 and sheet.data[:2] == b"PK"
    assert_ledger_ok()


def test_money_taken_while_no_shift_is_open_goes_to_the_next_shift(pumps, travel):
    world = pumps.world
    shift = pumps.open()
    travel.shift(timedelta(hours=1))
    shifts.close_shift(world.cashier_a, shift.id, unchanged(pumps), 0, "")
    member = driver(world, "王师傅", "13900002222")
    counter_topups.approve_counter_topup(world.manager_a, pending(world, member, 20_000).id)
    waiting = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.account == "cash_drawer")
    ).one()
    assert waiting.shift_id is None  # the closed shift never changes
    assert db.session.get(Shift, shift.id).expected_cash_fen == 0
    travel.shift(timedelta(minutes=5))
    following = shifts.accept_handover(world.manager_a, shift.id)
    db.session.expire_all()
    assert db.session.get(LedgerEntry, waiting.id).shift_id == following.id
    assert handover.live_report(world.manager_a, following).expected_cash_fen == 20_000
    assert_ledger_ok()


def test_a_cash_correction_posts_its_own_transaction(pumps, travel):
    world = pumps.world
    shift = pumps.open()
    sell(world, Payment("cash", received_fen=10_000), nozzle=1, amount=10_000)
    travel.shift(timedelta(hours=1))
    closed = shifts.close_shift(world.cashier_a, shift.id, unchanged(pumps), 9_000, "少 10 元")
    before = (closed.expected_cash_fen, closed.counted_cash_fen, closed.over_short_fen)
    shifts.add_correction(world.manager_a, shift.id, "cash", "钱箱夹层找到 10 元", delta_fen=1_000)
    db.session.expire_all()
    kept = db.session.get(Shift, shift.id)
    assert (kept.expected_cash_fen, kept.counted_cash_fen, kept.over_short_fen) == before
    kinds = db.session.scalars(select(LedgerTransaction.kind).order_by(LedgerTransaction.id)).all()
    assert kinds[-2:] == ["shift.over_short", "shift.correction"]
    assert drawer_of(shift.id) == 10_000  # counted 90 + the 10 found
    assert account_total("cash_over_short", world.station_a.id) == 0  # -10 then +10
    assert handover.live_report(world.manager_a, kept).expected_cash_fen == 10_000
    assert_ledger_ok()


def test_a_cash_refund_comes_out_of_the_shift_open_now(pumps, travel):
    """A sale of the last shift refunded in this one: the cash leaves this shift's drawer."""
    world = pumps.world
    first = pumps.open()
    sale = order_of(sell(world, Payment("cash", received_fen=10_000), nozzle=1, amount=8_000))
    travel.shift(timedelta(hours=1))
    shifts.close_shift(world.cashier_a, first.id, unchanged(pumps), 8_000, "")
    second = shifts.accept_handover(world.manager_a, first.id)
    travel.shift(timedelta(minutes=30))
    sell(world, Payment("cash", received_fen=5_000), nozzle=1, amount=5_000)
    refund = refunds.refund_order(world.cashier_a, sale.id, 3_000, "油品问题")
    assert (refund.method, refund.status) == ("cash", "SUCCESS")
    figures = handover.live_report(world.cashier_a, second)
    assert figures.expected_cash_fen == 5_000 - 3_000
    assert db.session.get(Shift, first.id).expected_cash_fen == 8_000
    assert_ledger_ok()
